package io.lattice.store.redis;

import io.lattice.model.crdt.PresenceState;
import io.vertx.core.Future;

import java.util.List;

/**
 * Reads a user's state, first re-deriving this region's slot when a node's report has expired since the last
 * write (a node that died without a goodbye), which bumps the version: a read can write, as in the Hazelcast
 * adapter. {@code KEYS[1]} = presence hash; {@code ARGV} = now, grace.
 */
final class PresenceGetScript extends LuaScript {

  PresenceGetScript() {
    super(PresenceLua.COMMON + """
        return apply(KEYS[1], now, grace, false, function(rec) return expire(rec, now) end)
        """);
  }

  Future<PresenceState> get(RedisChannel redis, String key, long now) {
    return run(redis, List.of(key), List.of(Long.toString(now), Long.toString(RedisSupport.EXPIRY_GRACE_MS)))
        .map(PresenceLua::state);
  }
}
