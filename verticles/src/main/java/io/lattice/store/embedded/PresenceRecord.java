package io.lattice.store.embedded;

import io.lattice.model.crdt.PresenceSlot;
import io.lattice.model.crdt.PresenceState;

import java.io.Serial;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The value of the presence map for one user: the node reports of the regions this cluster owns, and every
 * region's slot (derived from those reports for owned regions, merged in from replication for the others).
 *
 * <p>Mutable, and only ever touched inside one entry processor run on a deserialised copy; not thread-safe.
 */
final class PresenceRecord implements Serializable {
  @Serial
  private static final long serialVersionUID = 1L;

  /** One node's report: how many connections, and until when it counts. */
  record NodeReport(long count, long expiresAt) implements Serializable {
  }

  /** A serialisable {@link PresenceSlot}. */
  record Slot(long count, long version, long expiresAt) implements Serializable {
    static Slot of(PresenceSlot slot) {
      return new Slot(slot.count(), slot.version(), slot.expiresAt());
    }

    PresenceSlot toSlot() {
      return new PresenceSlot(count, version, expiresAt);
    }
  }

  /** region -> node -> report; only regions whose nodes report into this cluster. */
  private final HashMap<String, HashMap<String, NodeReport>> reports = new HashMap<>();
  /** region -> slot. */
  private final HashMap<String, Slot> slots = new HashMap<>();

  /** Sets a node's count (0 drops its report); returns whether the region's slot changed. */
  boolean report(String region, String node, long count, long expiresAt, long now) {
    HashMap<String, NodeReport> nodes = reports.computeIfAbsent(region, r -> new HashMap<>());
    if (count == 0) {
      nodes.remove(node);
    } else {
      nodes.put(node, new NodeReport(count, expiresAt));
    }
    return derive(region, now);
  }

  /** Extends a node's reports; a node that has no report for the user has nothing to refresh. */
  boolean refresh(String region, String node, long expiresAt, long now) {
    NodeReport report = reports.getOrDefault(region, new HashMap<>()).get(node);
    if (report == null) {
      return false;
    }
    reports.get(region).put(node, new NodeReport(report.count(), expiresAt));
    derive(region, now);
    // The node's report changed even when the region's slot did not (another node's report expires later): it
    // must be stored, or this node's connections stop counting at their old expiry.
    return true;
  }

  /** Drops a node's report; returns whether the region's slot changed. */
  boolean removeNode(String region, String node, long now) {
    HashMap<String, NodeReport> nodes = reports.get(region);
    if (nodes == null || nodes.remove(node) == null) {
      return false;
    }
    return derive(region, now);
  }

  /** Re-derives every owned region's slot, so reports that expired since the last write stop counting. */
  boolean expire(long now) {
    boolean changed = false;
    for (String region : Map.copyOf(reports).keySet()) {
      changed |= derive(region, now);
    }
    return changed;
  }

  /** Merges other regions' slots, last writer wins by version; the slots of owned regions are never overwritten. */
  boolean mergeRemote(Map<String, Slot> remote) {
    boolean changed = false;
    for (Map.Entry<String, Slot> e : remote.entrySet()) {
      if (reports.containsKey(e.getKey())) {
        continue;
      }
      Slot current = slots.get(e.getKey());
      Slot merged = current == null ? e.getValue()
          : Slot.of(PresenceSlot.newer(current.toSlot(), e.getValue().toSlot()));
      if (!merged.equals(current)) {
        slots.put(e.getKey(), merged);
        changed = true;
      }
    }
    return changed;
  }

  /**
   * Recomputes an owned region's slot from its live reports: count = sum, expiry = latest live expiry. When it
   * differs, the version becomes {@code max(previous + 1, now)}: strictly increasing, and still increasing after
   * the entry was evicted and recreated, as long as the clock does not step back.
   */
  private boolean derive(String region, long now) {
    HashMap<String, NodeReport> nodes = reports.get(region);
    nodes.values().removeIf(r -> r.expiresAt() <= now);
    long count = 0;
    long expiresAt = 0;
    for (NodeReport r : nodes.values()) {
      count += r.count();
      expiresAt = Math.max(expiresAt, r.expiresAt());
    }
    if (nodes.isEmpty()) {
      reports.remove(region);
    }
    Slot current = slots.get(region);
    if (current == null && count == 0) {
      return false;
    }
    if (current != null) {
      boolean bothGone = count == 0 && current.count() == 0;
      if (bothGone || (current.count() == count && current.expiresAt() == expiresAt)) {
        return false;
      }
    }
    long version = current == null ? now : Math.max(current.version() + 1, now);
    slots.put(region, new Slot(count, version, count == 0 ? now : expiresAt));
    return true;
  }

  boolean isEmpty() {
    return reports.isEmpty() && slots.isEmpty();
  }

  /** The latest expiry anywhere in the record, for the map-level TTL. */
  long latestExpiry() {
    long latest = 0;
    for (Slot s : slots.values()) {
      latest = Math.max(latest, s.expiresAt());
    }
    return latest;
  }

  /** A serialisable copy of the slots, to send back to the caller. */
  HashMap<String, Slot> slotsSnapshot() {
    return new HashMap<>(slots);
  }

  static PresenceState toState(Map<String, Slot> slots) {
    if (slots == null || slots.isEmpty()) {
      return PresenceState.EMPTY;
    }
    Map<String, PresenceSlot> converted = new TreeMap<>();
    slots.forEach((region, slot) -> converted.put(region, slot.toSlot()));
    return new PresenceState(converted);
  }
}
