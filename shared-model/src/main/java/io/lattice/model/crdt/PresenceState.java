package io.lattice.model.crdt;

import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.TreeMap;

/**
 * A user's presence across regions: a map from region to that region's {@link PresenceSlot}, merged slot by slot
 * with last-writer-wins on the slot's version.
 *
 * <p>Why not the "G-Counter that is decremented": a G-Counter merges by taking the max of each replica's entry, so
 * when a region lowers its entry from 2 to 1 (a device disconnects) and that state meets an older copy still saying
 * 2, the merge keeps 2 and the decrement is lost: the user stays online forever. A PN-Counter would keep the
 * decrement but cannot forget a region that died without saying goodbye. Here each region owns its slot and writes
 * the absolute count with a fresh version; a newer version wins whatever its count, so decrements survive merges,
 * and the expiry drops a silent region's slot without anyone having to write to it.
 */
public record PresenceState(Map<String, PresenceSlot> slots) {

  public static final PresenceState EMPTY = new PresenceState(Map.of());

  public PresenceState {
    slots = Map.copyOf(slots);
  }

  public static PresenceState of(String region, PresenceSlot slot) {
    return new PresenceState(Map.of(region, slot));
  }

  public PresenceState merge(PresenceState other) {
    Map<String, PresenceSlot> merged = new TreeMap<>(slots);
    other.slots.forEach((region, slot) -> merged.merge(region, slot, PresenceSlot::newer));
    return new PresenceState(merged);
  }

  /** The region's slot replaced by a write of its owner (the owner bumps the version). */
  public PresenceState withSlot(String region, PresenceSlot slot) {
    return merge(of(region, slot));
  }

  public long liveCount(long nowMillis) {
    return slots.values().stream().mapToLong(s -> s.liveCount(nowMillis)).sum();
  }

  public boolean online(long nowMillis) {
    return liveCount(nowMillis) > 0;
  }

  /** Live connection count per region at {@code nowMillis}, expired regions left out. */
  public Map<String, Long> liveRegions(long nowMillis) {
    Map<String, Long> live = new TreeMap<>();
    slots.forEach((region, slot) -> {
      if (slot.liveCount(nowMillis) > 0) {
        live.put(region, slot.count());
      }
    });
    return live;
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    new TreeMap<>(slots).forEach((region, slot) -> json.put(region, slot.toJson()));
    return json;
  }

  public static PresenceState fromJson(JsonObject json) {
    Map<String, PresenceSlot> slots = new TreeMap<>();
    json.fieldNames().forEach(region -> slots.put(region, PresenceSlot.fromJson(json.getJsonObject(region))));
    return new PresenceState(slots);
  }
}
