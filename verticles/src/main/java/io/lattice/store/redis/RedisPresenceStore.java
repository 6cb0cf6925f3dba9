package io.lattice.store.redis;

import io.lattice.model.crdt.PresenceState;
import io.lattice.store.PresenceStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@link PresenceStore} in Redis: one hash per user ({@code presence:{u:<userId>}}) holding this region's node
 * reports and every region's slot, changed only by Lua scripts (atomic per user, one class per script, sharing
 * {@link PresenceLua}), plus one sorted set per (region, node) ({@code presnode:{n:<region>:<nodeId>}}) of the users
 * the node reported, so {@link #removeNode} needs no scan.
 *
 * <p>Same semantics as the Hazelcast adapter: expiries and versions come from the injected clock, passed to every
 * script as {@code now}; versions are {@code max(previous + 1, now)}; {@link #get} re-derives the slot when a node's
 * report expired, so a read can write. The Redis TTL of a hash is its latest slot expiry plus a grace, only to
 * reclaim abandoned keys. Region names must not contain ':'.
 *
 * <p>One difference: {@link #removeNode} returns the users of that node whose state changed; the Hazelcast adapter
 * visits every user and so also returns users changed only by some other node's expiry (they are re-derived here
 * at their next read or write instead).
 */
public final class RedisPresenceStore implements PresenceStore {

  private final Vertx vertx;
  private final RedisChannel redis;
  private final RedisKeys keys;
  private final Clock clock;
  private final PresenceScripts scripts;

  /** The five presence scripts, loaded once per client. */
  record PresenceScripts(PresenceReportScript report, PresenceRefreshScript refresh,
                         PresenceMergeRemoteScript mergeRemote, PresenceGetScript get,
                         PresenceRemoveNodeScript removeNode) {
    PresenceScripts() {
      this(new PresenceReportScript(), new PresenceRefreshScript(), new PresenceMergeRemoteScript(),
          new PresenceGetScript(), new PresenceRemoveNodeScript());
    }

    List<LuaScript> all() {
      return List.of(report, refresh, mergeRemote, get, removeNode);
    }
  }

  RedisPresenceStore(Vertx vertx, RedisChannel redis, RedisKeys keys, Clock clock, PresenceScripts scripts) {
    this.vertx = vertx;
    this.redis = redis;
    this.keys = keys;
    this.clock = clock;
    this.scripts = scripts;
  }

  @Override
  public Future<PresenceState> report(String userId, String region, String nodeId, long count, Duration ttl) {
    if (count < 0) {
      return Future.failedFuture(new IllegalArgumentException("connection count is non-negative"));
    }
    try {
      RedisSupport.checkName("region", region);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    Context caller = vertx.getOrCreateContext();
    long now = clock.millis();
    long expiresAt = now + ttl.toMillis();
    String index = keys.presenceNodeIndex(region, nodeId);
    // The index first, so it always covers the node's reports; a count of 0 leaves the user in it until removeNode
    // or the index's own TTL (harmless: removeNode of a user without a report changes nothing).
    Future<PresenceState> done = (count > 0
        ? redis.send(Request.cmd(Command.ZADD).arg(index).arg(expiresAt).arg(userId))
            .compose(r -> redis.send(Request.cmd(Command.PEXPIRE).arg(index)
                .arg(ttl.toMillis() + RedisSupport.EXPIRY_GRACE_MS)))
        : Future.succeededFuture())
        .compose(r -> scripts.report().report(redis, keys.presence(userId), region, nodeId, count, expiresAt, now));
    return RedisSupport.onCaller(caller, done);
  }

  @Override
  public Future<Map<String, PresenceState>> refresh(Collection<String> userIds, String region, String nodeId,
                                                    Duration ttl) {
    if (userIds.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    try {
      RedisSupport.checkName("region", region);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    Context caller = vertx.getOrCreateContext();
    long now = clock.millis();
    long expiresAt = now + ttl.toMillis();
    List<String> users = List.copyOf(new LinkedHashSet<>(userIds));
    String index = keys.presenceNodeIndex(region, nodeId);
    // XX: only users the node already reported; users it never reported must not enter the index.
    Request zadd = Request.cmd(Command.ZADD).arg(index).arg("XX");
    users.forEach(u -> zadd.arg(expiresAt).arg(u));
    Future<Map<String, PresenceState>> done = redis.send(zadd)
        .compose(r -> redis.send(Request.cmd(Command.PEXPIRE).arg(index)
            .arg(ttl.toMillis() + RedisSupport.EXPIRY_GRACE_MS)))
        .compose(r -> RedisSupport.inWindows(users,
            user -> scripts.refresh().refresh(redis, keys.presence(user), region, nodeId, expiresAt, now)))
        .map(refreshed -> collect(users, refreshed));
    return RedisSupport.onCaller(caller, done);
  }

  @Override
  public Future<Map<String, PresenceState>> mergeRemote(Map<String, PresenceState> states) {
    if (states.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    Context caller = vertx.getOrCreateContext();
    long now = clock.millis();
    List<String> users = new ArrayList<>(states.keySet());
    Future<Map<String, PresenceState>> done = RedisSupport.inWindows(users,
        user -> scripts.mergeRemote().merge(redis, keys.presence(user), states.get(user), now))
        .map(merged -> collect(users, merged));
    return RedisSupport.onCaller(caller, done);
  }

  @Override
  public Future<PresenceState> get(String userId) {
    Context caller = vertx.getOrCreateContext();
    return RedisSupport.onCaller(caller, scripts.get().get(redis, keys.presence(userId), clock.millis()));
  }

  /** Visits the users in the node's index: one script run per user, then forgets the index entries visited. */
  @Override
  public Future<Map<String, PresenceState>> removeNode(String region, String nodeId) {
    try {
      RedisSupport.checkName("region", region);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    Context caller = vertx.getOrCreateContext();
    long now = clock.millis();
    String index = keys.presenceNodeIndex(region, nodeId);
    Future<Map<String, PresenceState>> done = redis.send(Request.cmd(Command.ZRANGE).arg(index).arg(0).arg(-1))
        .compose(members -> {
          List<String> users = RedisSessionDirectory.strings(members);
          if (users.isEmpty()) {
            return Future.succeededFuture(Map.<String, PresenceState>of());
          }
          return RedisSupport.inWindows(users,
              user -> scripts.removeNode().removeNode(redis, keys.presence(user), region, nodeId, now))
              .compose(removed -> {
                Request zrem = Request.cmd(Command.ZREM).arg(index);
                users.forEach(zrem::arg);
                return redis.send(zrem).map(r -> collect(users, removed));
              });
        });
    return RedisSupport.onCaller(caller, done);
  }

  /** The non-null results by user. */
  private static Map<String, PresenceState> collect(List<String> users, List<PresenceState> results) {
    Map<String, PresenceState> out = new TreeMap<>();
    for (int i = 0; i < users.size(); i++) {
      PresenceState state = results.get(i);
      if (state != null) {
        out.put(users.get(i), state);
      }
    }
    return out;
  }
}
