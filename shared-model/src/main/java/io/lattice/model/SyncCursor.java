package io.lattice.model;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where a client stands in a conversation: for each source region, the highest per-source sequence number it has
 * received. A vector, not a single position, because every region assigns its own sequence numbers to the messages
 * it originates and replicates them unchanged: the cursor therefore means the same thing in every region, and a
 * client that fails over resumes from it elsewhere without gaps or repeats.
 *
 * <p>On the wire it is opaque (base64url of a small JSON object); clients must not parse it.
 */
public record SyncCursor(Map<String, Long> positions) {

  public static final SyncCursor START = new SyncCursor(Map.of());

  public SyncCursor {
    positions = Map.copyOf(positions);
  }

  public long positionOf(String region) {
    return positions.getOrDefault(region, 0L);
  }

  /** The cursor after also having seen {@code message}. Never moves backwards. */
  public SyncCursor advance(Message message) {
    if (message.seq() <= positionOf(message.sourceRegion())) {
      return this;
    }
    Map<String, Long> next = new TreeMap<>(positions);
    next.put(message.sourceRegion(), message.seq());
    return new SyncCursor(next);
  }

  public String encode() {
    JsonObject json = new JsonObject();
    new TreeMap<>(positions).forEach(json::put);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.encode().getBytes(StandardCharsets.UTF_8));
  }

  /** @throws IllegalArgumentException if the text is not a cursor this server issued */
  public static SyncCursor decode(String text) {
    if (text == null || text.isEmpty()) {
      return START;
    }
    try {
      JsonObject json = new JsonObject(new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8));
      Map<String, Long> positions = new TreeMap<>();
      for (String region : json.fieldNames()) {
        Object value = json.getValue(region);
        // Only integral JSON numbers that fit a long: a lossy conversion would silently skip or repeat messages.
        if (!(value instanceof Integer || value instanceof Long) || ((Number) value).longValue() < 0) {
          throw new IllegalArgumentException("bad cursor");
        }
        positions.put(region, ((Number) value).longValue());
      }
      return new SyncCursor(positions);
    } catch (DecodeException | ClassCastException e) {
      throw new IllegalArgumentException("bad cursor");
    }
  }
}
