package io.lattice.store;

import io.lattice.model.crdt.PresenceState;
import io.vertx.core.Future;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;

/**
 * Presence CRDT states per user.
 *
 * <p>Contract: a node reports the absolute number of live connections a user has on it (idempotent); the store
 * keeps each node's report until its TTL passes and derives this region's {@link io.lattice.model.crdt.PresenceSlot}
 * (count = sum of live node counts, version strictly increasing on every change, expiry = latest node expiry).
 * Slots of other regions are merged in with {@link #mergeRemote}; this region never writes theirs. Futures complete
 * on the caller's context.
 */
public interface PresenceStore {

  /** Sets the node's count for the user; returns the merged state after the write. */
  Future<PresenceState> report(String userId, String region, String nodeId, long count, Duration ttl);

  /**
   * Refreshes the TTL of a node's reports for many users (a heartbeat round); returns the state after the refresh
   * of each user the node had reported (users it never reported are left out and get no entry).
   */
  Future<Map<String, PresenceState>> refresh(Collection<String> userIds, String region, String nodeId, Duration ttl);

  /** Merges states replicated from other regions; returns the merged state per user. */
  Future<Map<String, PresenceState>> mergeRemote(Map<String, PresenceState> states);

  Future<PresenceState> get(String userId);

  /** Drops a node's reports (it died); returns the users whose state changed. */
  Future<Map<String, PresenceState>> removeNode(String region, String nodeId);
}
