package io.lattice.model.protocol;

import io.lattice.model.Message;
import io.lattice.model.crdt.ReceiptState;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;

/** Builders for every frame the server sends; the field names here are the protocol (docs/protocol.md). */
public final class ServerFrames {
  private ServerFrames() {
  }

  public static JsonObject ready(String userId, String region, String node, int heartbeatSeconds) {
    return new JsonObject().put("type", "ready").put("userId", userId).put("region", region).put("node", node)
        .put("heartbeatSeconds", heartbeatSeconds);
  }

  public static JsonObject ack(String clientMsgId, Message message) {
    return new JsonObject().put("type", "ack").put("clientMsgId", clientMsgId)
        .put("messageId", message.messageId()).put("conversationId", message.conversationId())
        .put("lamport", message.lamport()).put("createdAt", message.createdAt());
  }

  public static JsonObject message(Message message) {
    return new JsonObject().put("type", "message").put("message", message.toJson());
  }

  public static JsonObject receipt(String messageId, String conversationId, String recipientId, ReceiptState state) {
    return new JsonObject().put("type", "receipt").put("messageId", messageId)
        .put("conversationId", conversationId).put("recipientId", recipientId)
        .put("sentAt", state.sentAt()).put("deliveredAt", state.deliveredAt()).put("readAt", state.readAt());
  }

  public static JsonObject syncResult(String conversationId, List<Message> messages, String cursor, boolean hasMore) {
    JsonArray array = new JsonArray();
    messages.forEach(m -> array.add(m.toJson()));
    return new JsonObject().put("type", "sync_result").put("conversationId", conversationId)
        .put("messages", array).put("cursor", cursor).put("hasMore", hasMore);
  }

  public static JsonObject presence(String userId, boolean online, Map<String, Long> regions) {
    JsonObject regionJson = new JsonObject();
    regions.forEach(regionJson::put);
    return new JsonObject().put("type", "presence").put("userId", userId).put("online", online)
        .put("regions", regionJson);
  }

  public static JsonObject typing(String conversationId, String userId) {
    return new JsonObject().put("type", "typing").put("conversationId", conversationId).put("userId", userId);
  }

  public static JsonObject pong() {
    return new JsonObject().put("type", "pong");
  }

  public static JsonObject error(ErrorCode code, String message, String clientMsgId, long retryAfterMs) {
    JsonObject json = new JsonObject().put("type", "error").put("code", code.wire()).put("message", message);
    if (clientMsgId != null) {
      json.put("clientMsgId", clientMsgId);
    }
    if (retryAfterMs > 0) {
      json.put("retryAfterMs", retryAfterMs);
    }
    return json;
  }

  public static JsonObject reconnect(String reason, long afterMs) {
    return new JsonObject().put("type", "reconnect").put("reason", reason).put("afterMs", afterMs);
  }
}
