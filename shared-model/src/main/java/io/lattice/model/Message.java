package io.lattice.model;

import io.vertx.core.json.JsonObject;

/**
 * A stored chat message. Immutable once stored: a retry with the same id is the same message.
 *
 * @param seq per-(conversation, sourceRegion) sequence number assigned by the source region at persistence;
 *            what the sync cursor counts
 * @param createdAt epoch milliseconds at the source region
 */
public record Message(String messageId, String conversationId, String senderId, String content, String mediaUrl,
                      long createdAt, long lamport, String sourceRegion, long seq) {

  /** Canonical position of this message: (lamport, sourceRegion, messageId). */
  public CanonicalOrder.Position position() {
    return new CanonicalOrder.Position(lamport, sourceRegion, messageId);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("messageId", messageId)
        .put("conversationId", conversationId)
        .put("senderId", senderId)
        .put("content", content)
        .put("mediaUrl", mediaUrl)
        .put("createdAt", createdAt)
        .put("lamport", lamport)
        .put("sourceRegion", sourceRegion)
        .put("seq", seq);
  }

  public static Message fromJson(JsonObject json) {
    return new Message(json.getString("messageId"), json.getString("conversationId"), json.getString("senderId"),
        json.getString("content"), json.getString("mediaUrl"), json.getLong("createdAt", 0L),
        json.getLong("lamport", 0L), json.getString("sourceRegion"), json.getLong("seq", 0L));
  }
}
