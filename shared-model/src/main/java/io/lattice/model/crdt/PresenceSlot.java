package io.lattice.model.crdt;

import io.vertx.core.json.JsonObject;

/**
 * One region's view of one user: how many live connections the user has there, stamped with a version that only
 * the owning region increments, and the time after which the slot counts as zero unless refreshed.
 *
 * @param version strictly increasing per (user, region); the region is the slot's only writer
 * @param expiresAt epoch millis; a region that dies stops refreshing and its slot fades out on its own
 */
public record PresenceSlot(long count, long version, long expiresAt) {

  public PresenceSlot {
    if (count < 0) {
      throw new IllegalArgumentException("connection count is non-negative");
    }
  }

  /** The count at {@code nowMillis}: zero once expired. */
  public long liveCount(long nowMillis) {
    return nowMillis < expiresAt ? count : 0;
  }

  /**
   * Last-writer-wins by version. There is one writer per slot, so versions never tie with different contents in
   * practice; the tie-breaks on count and expiry only keep merge a total, deterministic function.
   */
  public static PresenceSlot newer(PresenceSlot a, PresenceSlot b) {
    if (a.version != b.version) {
      return a.version > b.version ? a : b;
    }
    if (a.count != b.count) {
      return a.count > b.count ? a : b;
    }
    return a.expiresAt >= b.expiresAt ? a : b;
  }

  public JsonObject toJson() {
    return new JsonObject().put("count", count).put("version", version).put("expiresAt", expiresAt);
  }

  public static PresenceSlot fromJson(JsonObject json) {
    return new PresenceSlot(json.getLong("count", 0L), json.getLong("version", 0L), json.getLong("expiresAt", 0L));
  }
}
