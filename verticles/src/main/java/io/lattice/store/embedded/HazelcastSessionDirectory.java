package io.lattice.store.embedded;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.lattice.store.SessionDirectory;
import io.lattice.store.embedded.SessionProcessors.SessionNodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@link SessionDirectory} in a Hazelcast {@link IMap} of the region's cluster: user id to the nodes holding the
 * user's connections, each with its own expiry.
 *
 * <p>Why in memory only: the directory describes live TCP connections, which a full-cluster restart drops anyway;
 * clients reconnect and register again. Why per-(user, node) expiries inside the value rather than one TTL per
 * entry: several nodes share one entry, each refreshing on its own schedule. Every change is an entry processor,
 * atomic per user, and reads ignore expired nodes by the injected clock; the map-level TTL set on each write only
 * reclaims entries nobody refreshes any more.
 *
 * <p>Refresh re-adds a node's entry if it is missing (e.g. it expired during a long GC pause): the node still holds
 * the connection, and a stale entry costs at most one wasted delivery attempt.
 */
public final class HazelcastSessionDirectory implements SessionDirectory {

  /** The IMap of this directory. */
  public static final String MAP_NAME = "lattice.sessions";

  private final Vertx vertx;
  private final IMap<String, String> map;
  private final Clock clock;

  public HazelcastSessionDirectory(Vertx vertx, HazelcastInstance hz, Clock clock) {
    this.vertx = vertx;
    this.map = hz.getMap(MAP_NAME);
    this.clock = clock;
  }

  @Override
  public Future<Void> register(String userId, String nodeId, Duration ttl) {
    long now = clock.millis();
    return HazelcastSupport.onCaller(vertx,
        map.submitToKey(userId, new SessionProcessors.Put(nodeId, now + ttl.toMillis(), now)));
  }

  @Override
  public Future<Void> unregister(String userId, String nodeId) {
    return HazelcastSupport.onCaller(vertx,
        map.submitToKey(userId, new SessionProcessors.Remove(nodeId, clock.millis())));
  }

  @Override
  public Future<Void> refresh(Collection<String> userIds, String nodeId, Duration ttl) {
    if (userIds.isEmpty()) {
      return Future.succeededFuture();
    }
    long now = clock.millis();
    return HazelcastSupport.onCaller(vertx,
        map.submitToKeys(new HashSet<>(userIds), new SessionProcessors.Put(nodeId, now + ttl.toMillis(), now)))
        .mapEmpty();
  }

  @Override
  public Future<Map<String, Set<String>>> lookup(Collection<String> userIds) {
    if (userIds.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    // Plain reads, one per user in parallel: cheaper than a read-only entry processor (no processor to serialize,
    // no partition-thread hop) and expiry is filtered here against the injected clock.
    List<String> users = List.copyOf(new LinkedHashSet<>(userIds));
    List<Future<String>> reads = new ArrayList<>(users.size());
    for (String user : users) {
      reads.add(HazelcastSupport.onCaller(vertx, map.getAsync(user)));
    }
    return Future.all(reads).map(all -> {
      long now = clock.millis();
      Map<String, Set<String>> result = new HashMap<>();
      for (int i = 0; i < users.size(); i++) {
        SessionNodes nodes = SessionNodes.decode(all.resultAt(i));
        result.put(users.get(i), nodes == null ? Set.of() : Set.copyOf(nodes.liveNodes(now)));
      }
      return result;
    });
  }

  /** Scans every entry: IMap has no asynchronous form of executeOnEntries, so it runs on a worker thread. */
  @Override
  public Future<Void> removeNode(String nodeId) {
    long now = clock.millis();
    return HazelcastSupport.blocking(vertx, () -> map.executeOnEntries(new SessionProcessors.Remove(nodeId, now)))
        .mapEmpty();
  }
}
