package io.lattice.gateway;

import io.lattice.bus.TokenBucket;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The node's live connections, by user, and who subscribed to whose presence. Also the per-user send buckets, which
 * are per node: a user with devices on two nodes gets the rate on each (a documented limit of the embedded setup).
 *
 * <p>Threading: confined to the gateway verticle's event loop.
 */
final class Connections {
  private final Map<String, Set<Connection>> byUser = new HashMap<>();
  private final Map<String, Set<Connection>> presenceSubscribers = new HashMap<>();
  private final Map<String, TokenBucket> sendBuckets = new HashMap<>();
  private int count;

  /** Adds a connection; returns the user's connection count on this node after it. */
  int add(Connection connection) {
    count++;
    Set<Connection> set = byUser.computeIfAbsent(connection.userId, u -> new LinkedHashSet<>());
    set.add(connection);
    return set.size();
  }

  /** Removes a connection; returns the user's remaining count on this node (-1 if it was not there). */
  int remove(Connection connection) {
    Set<Connection> set = byUser.get(connection.userId);
    if (set == null || !set.remove(connection)) {
      return -1;
    }
    count--;
    if (set.isEmpty()) {
      byUser.remove(connection.userId);
    }
    for (String watched : connection.presenceSubscriptions) {
      Set<Connection> subscribers = presenceSubscribers.get(watched);
      if (subscribers != null && subscribers.remove(connection) && subscribers.isEmpty()) {
        presenceSubscribers.remove(watched);
      }
    }
    return set.size();
  }

  Collection<Connection> of(String userId) {
    Set<Connection> set = byUser.get(userId);
    return set == null ? List.of() : set;
  }

  int countOf(String userId) {
    return of(userId).size();
  }

  Set<String> users() {
    return byUser.keySet();
  }

  List<Connection> all() {
    return byUser.values().stream().flatMap(Set::stream).toList();
  }

  int size() {
    return count;
  }

  void subscribePresence(Connection connection, Collection<String> userIds) {
    for (String userId : userIds) {
      if (connection.presenceSubscriptions.add(userId)) {
        presenceSubscribers.computeIfAbsent(userId, u -> new LinkedHashSet<>()).add(connection);
      }
    }
  }

  Collection<Connection> presenceSubscribersOf(String userId) {
    Set<Connection> set = presenceSubscribers.get(userId);
    return set == null ? List.of() : set;
  }

  /** 0 if the user may send now, otherwise the milliseconds to wait. */
  long takeSendToken(String userId, double ratePerSecond, double burst, long nowMillis) {
    return sendBuckets.computeIfAbsent(userId, u -> new TokenBucket(ratePerSecond, burst, nowMillis))
        .tryTake(nowMillis);
  }

  void forgetIdleBuckets(long nowMillis) {
    sendBuckets.entrySet().removeIf(e -> !byUser.containsKey(e.getKey()) && e.getValue().idle(nowMillis));
  }
}
