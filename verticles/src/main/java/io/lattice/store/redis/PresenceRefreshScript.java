package io.lattice.store.redis;

import io.lattice.model.crdt.PresenceState;
import io.vertx.core.Future;

import java.util.List;

/**
 * Extends a node's report for a user, reviving it if it expired during a late heartbeat (the node still holds the
 * user), then applies other expiries. Returns the state only when something changed; never creates a key.
 * {@code KEYS[1]} = presence hash; {@code ARGV} = now, grace, region, node, expiresAt.
 */
final class PresenceRefreshScript extends LuaScript {

  PresenceRefreshScript() {
    super(PresenceLua.COMMON + """
        if redis.call('EXISTS', KEYS[1]) == 0 then return {-1} end
        return apply(KEYS[1], now, grace, true, function(rec)
          local refreshed = refresh(rec, ARGV[3], ARGV[4], tonumber(ARGV[5]), now)
          local expired = expire(rec, now)
          return refreshed or expired
        end)
        """);
  }

  /** The state after the refresh, or null when it changed nothing. */
  Future<PresenceState> refresh(RedisChannel redis, String key, String region, String nodeId, long expiresAt, long now) {
    return run(redis, List.of(key), List.of(Long.toString(now), Long.toString(RedisSupport.EXPIRY_GRACE_MS), region,
        nodeId, Long.toString(expiresAt))).map(PresenceLua::state);
  }
}
