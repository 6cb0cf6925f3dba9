package io.lattice.store.redis;

import io.vertx.core.Future;

import java.util.List;

/**
 * Registers or refreshes one node's entry of one user: {@code KEYS[1]} = the user's session hash
 * ({@code sess:{u:<userId>}}), {@code ARGV} = node id, expiry (epoch ms by the injected clock), now, key TTL (ms).
 *
 * <p>Atomically: drops the other nodes' fields already expired at {@code now}, sets the node's field to its expiry,
 * and raises the key's TTL to at least the given one (never lowers it: another node's entry may live longer).
 */
final class SessionPutScript extends LuaScript {

  static final String LUA = """
      local key, node = KEYS[1], ARGV[1]
      local now, ttl = tonumber(ARGV[3]), tonumber(ARGV[4])
      local fields = redis.call('HGETALL', key)
      for i = 1, #fields, 2 do
        if fields[i] ~= node and tonumber(fields[i + 1]) <= now then
          redis.call('HDEL', key, fields[i])
        end
      end
      redis.call('HSET', key, node, ARGV[2])
      if redis.call('PTTL', key) < ttl then
        redis.call('PEXPIRE', key, ttl)
      end
      return 1
      """;

  SessionPutScript() {
    super(LUA);
  }

  Future<Void> put(RedisChannel redis, String sessionKey, String nodeId, long expiresAt, long now, long keyTtlMillis) {
    return run(redis, List.of(sessionKey),
        List.of(nodeId, Long.toString(expiresAt), Long.toString(now), Long.toString(keyTtlMillis))).mapEmpty();
  }
}
