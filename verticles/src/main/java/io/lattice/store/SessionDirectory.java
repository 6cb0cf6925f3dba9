package io.lattice.store;

import io.vertx.core.Future;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Set;

/**
 * Which gateway nodes of this region hold live connections of a user (the gateway-pod lookup).
 *
 * <p>Contract: entries are per (user, node), set-like and idempotent; each expires after its TTL unless refreshed
 * (the gateway refreshes its users on every heartbeat round), so a node that dies without cleaning up costs at most
 * one TTL of stale routing, and {@link #removeNode} clears it sooner when cluster membership notices. A stale entry
 * only costs a wasted delivery attempt: messages are durable and sync brings them. Futures complete on the caller's
 * context.
 */
public interface SessionDirectory {

  Future<Void> register(String userId, String nodeId, Duration ttl);

  Future<Void> unregister(String userId, String nodeId);

  /** Refreshes the TTL of many users of one node at once (a heartbeat round). */
  Future<Void> refresh(Collection<String> userIds, String nodeId, Duration ttl);

  /** For each user, the nodes holding live connections (users with none map to an empty set). */
  Future<Map<String, Set<String>>> lookup(Collection<String> userIds);

  /** Forgets every entry of a node (it died or drained). */
  Future<Void> removeNode(String nodeId);
}
