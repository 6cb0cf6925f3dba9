package io.lattice.store.redis;

import io.lattice.model.crdt.PresenceState;
import io.vertx.core.Future;

import java.util.List;

/**
 * Sets a node's connection count for a user (0 drops its report) and re-derives the region's slot.
 * {@code KEYS[1]} = presence hash; {@code ARGV} = now, grace, region, node, count, expiresAt.
 */
final class PresenceReportScript extends LuaScript {

  PresenceReportScript() {
    super(PresenceLua.COMMON + """
        return apply(KEYS[1], now, grace, false, function(rec)
          local expired = expire(rec, now)
          local reported = report(rec, ARGV[3], ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6]), now)
          return expired or reported
        end)
        """);
  }

  Future<PresenceState> report(RedisChannel redis, String key, String region, String nodeId, long count, long expiresAt,
                               long now) {
    return run(redis, List.of(key), List.of(Long.toString(now), Long.toString(RedisSupport.EXPIRY_GRACE_MS), region,
        nodeId, Long.toString(count), Long.toString(expiresAt))).map(PresenceLua::state);
  }
}
