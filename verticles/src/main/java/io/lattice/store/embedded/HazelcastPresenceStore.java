package io.lattice.store.embedded;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.lattice.model.crdt.PresenceState;
import io.lattice.store.PresenceStore;
import io.lattice.store.embedded.PresenceRecord.Slot;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@link PresenceStore} in a Hazelcast {@link IMap} of the region's cluster: user id to a {@link PresenceRecord}
 * (this region's per-node reports plus every region's slot).
 *
 * <p>Why in memory only: presence describes live connections; after a full-cluster restart every client
 * reconnects and is reported again, and other regions' slots come back with the next replication round. Each
 * operation is an entry processor, atomic per user; versions come from the injected clock ({@code max(previous + 1,
 * now)}) so they keep increasing even after an entry is evicted and recreated.
 *
 * <p>{@link #get} re-derives this region's slot when a node's report has expired since the last write (a node
 * that died without a goodbye), bumping the version: a read can therefore write.
 */
public final class HazelcastPresenceStore implements PresenceStore {

  /** The IMap of this store. */
  public static final String MAP_NAME = "lattice.presence";

  private final Vertx vertx;
  private final IMap<String, PresenceRecord> map;
  private final Clock clock;

  public HazelcastPresenceStore(Vertx vertx, HazelcastInstance hz, Clock clock) {
    this.vertx = vertx;
    this.map = hz.getMap(MAP_NAME);
    this.clock = clock;
  }

  @Override
  public Future<PresenceState> report(String userId, String region, String nodeId, long count, Duration ttl) {
    if (count < 0) {
      return Future.failedFuture(new IllegalArgumentException("connection count is non-negative"));
    }
    long now = clock.millis();
    return HazelcastSupport.onCaller(vertx, map.submitToKey(userId,
        new PresenceProcessors.Report(region, nodeId, count, now + ttl.toMillis(), now))).map(PresenceRecord::toState);
  }

  @Override
  public Future<Map<String, PresenceState>> refresh(Collection<String> userIds, String region, String nodeId,
                                                    Duration ttl) {
    if (userIds.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    long now = clock.millis();
    return HazelcastSupport.onCaller(vertx, map.submitToKeys(new HashSet<>(userIds),
        new PresenceProcessors.Refresh(region, nodeId, now + ttl.toMillis(), now))).map(results -> {
          Map<String, PresenceState> states = new TreeMap<>();
          results.forEach((user, slots) -> {
            if (slots != null) {
              states.put(user, PresenceRecord.toState(slots));
            }
          });
          return states;
        });
  }

  @Override
  public Future<Map<String, PresenceState>> mergeRemote(Map<String, PresenceState> states) {
    long now = clock.millis();
    List<String> users = new ArrayList<>(states.keySet());
    List<Future<PresenceState>> merged = new ArrayList<>(users.size());
    for (String user : users) {
      HashMap<String, Slot> slots = new HashMap<>();
      states.get(user).slots().forEach((region, slot) -> slots.put(region, Slot.of(slot)));
      merged.add(HazelcastSupport.onCaller(vertx,
          map.submitToKey(user, new PresenceProcessors.MergeRemote(slots, now))).map(PresenceRecord::toState));
    }
    return Future.all(merged).map(done -> {
      Map<String, PresenceState> result = new TreeMap<>();
      for (int i = 0; i < users.size(); i++) {
        result.put(users.get(i), merged.get(i).result());
      }
      return result;
    });
  }

  @Override
  public Future<PresenceState> get(String userId) {
    return HazelcastSupport.onCaller(vertx, map.submitToKey(userId, new PresenceProcessors.Get(clock.millis())))
        .map(PresenceRecord::toState);
  }

  /** Scans every entry: IMap has no asynchronous form of executeOnEntries, so it runs on a worker thread. */
  @Override
  public Future<Map<String, PresenceState>> removeNode(String region, String nodeId) {
    long now = clock.millis();
    return HazelcastSupport.blocking(vertx,
        () -> map.executeOnEntries(new PresenceProcessors.RemoveNode(region, nodeId, now))).map(results -> {
          Map<String, PresenceState> changed = new TreeMap<>();
          results.forEach((user, slots) -> {
            if (slots != null) {
              changed.put(user, PresenceRecord.toState(slots));
            }
          });
          return changed;
        });
  }
}
