package io.lattice.store.redis;

import io.lattice.store.SessionDirectory;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

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
 * {@link SessionDirectory} in Redis: one hash per user ({@code sess:{u:<userId>}}, node id to expiry) plus one
 * sorted set per node ({@code sessnode:{n:<nodeId>}}, the users it registered) so {@link #removeNode} finds a node's
 * users without a scan, which cluster mode could not do across masters anyway.
 *
 * <p>As in the Hazelcast adapter, expiries inside the hash are epoch millis of the injected clock and reads
 * ignore expired nodes; the Redis TTL of each key (latest expiry plus a grace) only reclaims keys nobody refreshes
 * any more. Each write to a user's hash is atomic ({@link SessionPutScript}, or a single {@code HDEL}); the node
 * index is written first, in a separate command (another slot), so it is always a superset of the node's entries.
 *
 * <p>Refresh re-adds a node's entry if it is missing (e.g. it expired during a long GC pause): the node still holds
 * the connection, and a stale entry costs at most one wasted delivery attempt.
 */
public final class RedisSessionDirectory implements SessionDirectory {

  private final Vertx vertx;
  private final RedisChannel redis;
  private final RedisKeys keys;
  private final Clock clock;
  private final SessionPutScript put;

  RedisSessionDirectory(Vertx vertx, RedisChannel redis, RedisKeys keys, Clock clock, SessionPutScript put) {
    this.vertx = vertx;
    this.redis = redis;
    this.keys = keys;
    this.clock = clock;
    this.put = put;
  }

  @Override
  public Future<Void> register(String userId, String nodeId, Duration ttl) {
    return refresh(List.of(userId), nodeId, ttl);
  }

  @Override
  public Future<Void> unregister(String userId, String nodeId) {
    Context caller = vertx.getOrCreateContext();
    Future<Void> done = redis.send(Request.cmd(Command.HDEL).arg(keys.session(userId)).arg(nodeId))
        .compose(r -> redis.send(Request.cmd(Command.ZREM).arg(keys.sessionNodeIndex(nodeId)).arg(userId)))
        .mapEmpty();
    return RedisSupport.onCaller(caller, done);
  }

  @Override
  public Future<Void> refresh(Collection<String> userIds, String nodeId, Duration ttl) {
    if (userIds.isEmpty()) {
      return Future.succeededFuture();
    }
    Context caller = vertx.getOrCreateContext();
    long now = clock.millis();
    long expiresAt = now + ttl.toMillis();
    long keyTtl = ttl.toMillis() + RedisSupport.EXPIRY_GRACE_MS;
    Set<String> users = new LinkedHashSet<>(userIds);
    String index = keys.sessionNodeIndex(nodeId);
    Request zadd = Request.cmd(Command.ZADD).arg(index);
    users.forEach(u -> zadd.arg(expiresAt).arg(u));
    Future<Void> done = redis.send(zadd)
        .compose(r -> redis.send(Request.cmd(Command.PEXPIRE).arg(index).arg(keyTtl)))
        .compose(r -> RedisSupport.inWindows(List.copyOf(users),
            user -> put.put(redis, keys.session(user), nodeId, expiresAt, now, keyTtl)))
        .mapEmpty();
    return RedisSupport.onCaller(caller, done);
  }

  @Override
  public Future<Map<String, Set<String>>> lookup(Collection<String> userIds) {
    if (userIds.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    Context caller = vertx.getOrCreateContext();
    List<String> users = List.copyOf(new LinkedHashSet<>(userIds));
    Future<Map<String, Set<String>>> found = RedisSupport.inWindows(users,
        user -> redis.send(Request.cmd(Command.HGETALL).arg(keys.session(user)))).map(all -> {
      long now = clock.millis();
      Map<String, Set<String>> result = new HashMap<>();
      for (int i = 0; i < users.size(); i++) {
        result.put(users.get(i), liveNodes(all.get(i), now));
      }
      return result;
    });
    return RedisSupport.onCaller(caller, found);
  }

  /**
   * Reads the node's index, deletes the node's field from each of those users' hashes (one command per user, each
   * in its own slot), then removes the processed users from the index.
   */
  @Override
  public Future<Void> removeNode(String nodeId) {
    Context caller = vertx.getOrCreateContext();
    String index = keys.sessionNodeIndex(nodeId);
    Future<Void> done = redis.send(Request.cmd(Command.ZRANGE).arg(index).arg(0).arg(-1)).compose(members -> {
      List<String> users = strings(members);
      if (users.isEmpty()) {
        return Future.succeededFuture();
      }
      return RedisSupport.inWindows(users,
          user -> redis.send(Request.cmd(Command.HDEL).arg(keys.session(user)).arg(nodeId))).compose(all -> {
        Request zrem = Request.cmd(Command.ZREM).arg(index);
        users.forEach(zrem::arg);
        return redis.send(zrem);
      }).mapEmpty();
    });
    return RedisSupport.onCaller(caller, done);
  }

  static List<String> strings(Response array) {
    List<String> out = new ArrayList<>();
    if (array != null) {
      for (int i = 0; i < array.size(); i++) {
        out.add(array.get(i).toString());
      }
    }
    return out;
  }

  /** The nodes of an {@code HGETALL} reply (a map in RESP3, a flat array in RESP2) whose expiry is after now. */
  private static Set<String> liveNodes(Response hash, long now) {
    Set<String> live = new HashSet<>();
    if (hash == null) {
      return live;
    }
    for (Map.Entry<String, String> e : RedisSupport.hashEntries(hash).entrySet()) {
      if (Long.parseLong(e.getValue()) > now) {
        live.add(e.getKey());
      }
    }
    return Set.copyOf(live);
  }
}
