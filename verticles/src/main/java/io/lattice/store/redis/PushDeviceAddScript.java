package io.lattice.store.redis;

import io.vertx.core.Future;

import java.util.List;

/**
 * Registers one push device under the per-user cap: {@code KEYS[1]} = the user's device set of one kind,
 * {@code ARGV} = the encoded device, the cap. A device already there answers 1 without a change (re-registering is
 * idempotent even at the cap); otherwise it is added if the set has fewer than the cap (1), else refused (0). A
 * script because the check and the add must be one step when two nodes register devices of one user at once.
 */
final class PushDeviceAddScript extends LuaScript {

  static final String LUA = """
      if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
      if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
      redis.call('SADD', KEYS[1], ARGV[1])
      return 1
      """;

  PushDeviceAddScript() {
    super(LUA);
  }

  Future<Boolean> add(RedisChannel redis, String key, String device, int cap) {
    return run(redis, List.of(key), List.of(device, Integer.toString(cap))).map(r -> r.toInteger() == 1);
  }
}
