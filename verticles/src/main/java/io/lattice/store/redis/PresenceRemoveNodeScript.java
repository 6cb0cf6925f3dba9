package io.lattice.store.redis;

import io.lattice.model.crdt.PresenceState;
import io.vertx.core.Future;

import java.util.List;

/**
 * Drops a node's report for a user and applies expiries. Returns the state only when something changed.
 * {@code KEYS[1]} = presence hash; {@code ARGV} = now, grace, region, node.
 */
final class PresenceRemoveNodeScript extends LuaScript {

  PresenceRemoveNodeScript() {
    super(PresenceLua.COMMON + """
        if redis.call('EXISTS', KEYS[1]) == 0 then return {-1} end
        return apply(KEYS[1], now, grace, true, function(rec)
          local expired = expire(rec, now)
          local removed = removeNode(rec, ARGV[3], ARGV[4], now)
          return expired or removed
        end)
        """);
  }

  /** The state after the removal, or null when it changed nothing. */
  Future<PresenceState> removeNode(RedisChannel redis, String key, String region, String nodeId, long now) {
    return run(redis, List.of(key), List.of(Long.toString(now), Long.toString(RedisSupport.EXPIRY_GRACE_MS), region,
        nodeId)).map(PresenceLua::state);
  }
}
