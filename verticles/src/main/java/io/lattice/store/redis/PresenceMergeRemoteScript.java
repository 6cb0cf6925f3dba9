package io.lattice.store.redis;

import io.lattice.model.crdt.PresenceSlot;
import io.lattice.model.crdt.PresenceState;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Merges other regions' slots of one user, last writer wins by version, never over a region whose nodes report
 * here; applies expiries. {@code KEYS[1]} = presence hash; {@code ARGV} = now, grace, then per slot region, count,
 * version, expiresAt.
 */
final class PresenceMergeRemoteScript extends LuaScript {

  PresenceMergeRemoteScript() {
    super(PresenceLua.COMMON + """
        local remote = {}
        for i = 3, #ARGV, 4 do
          remote[ARGV[i]] = {tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])}
        end
        return apply(KEYS[1], now, grace, false, function(rec)
          local expired = expire(rec, now)
          local merged = mergeRemote(rec, remote)
          return expired or merged
        end)
        """);
  }

  Future<PresenceState> merge(RedisChannel redis, String key, PresenceState state, long now) {
    List<String> args = new ArrayList<>();
    args.add(Long.toString(now));
    args.add(Long.toString(RedisSupport.EXPIRY_GRACE_MS));
    for (Map.Entry<String, PresenceSlot> e : state.slots().entrySet()) {
      args.add(RedisSupport.checkName("region", e.getKey()));
      args.add(Long.toString(e.getValue().count()));
      args.add(Long.toString(e.getValue().version()));
      args.add(Long.toString(e.getValue().expiresAt()));
    }
    return run(redis, List.of(key), args).map(PresenceLua::state);
  }
}
