package io.lattice.model.protocol;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns a client text frame into a {@link ClientFrame}, or throws a {@link ProtocolException} with a stable code.
 * Pure and thread-safe. It checks shape and limits only; authorization happens in the verticles.
 */
public final class FrameParser {
  public static final int MAX_ID_LENGTH = 128;
  public static final int MAX_RECEIPT_IDS = 500;
  public static final int MAX_PRESENCE_IDS = 500;
  public static final int MAX_SYNC_LIMIT = 500;
  public static final int DEFAULT_SYNC_LIMIT = 100;
  public static final int MAX_MEDIA_URL_LENGTH = 2048;

  /** What POST /api/media hands out: a local media key, or an https URL (S3/CDN in production). */
  private static final java.util.regex.Pattern MEDIA_URL =
      java.util.regex.Pattern.compile("/media/[A-Za-z0-9-]+(\\.[A-Za-z0-9]+)?|https://[^\\s\"<>]+");

  private final int maxContentChars;

  public FrameParser(int maxContentChars) {
    this.maxContentChars = maxContentChars;
  }

  public ClientFrame parse(String text) {
    JsonObject json;
    try {
      json = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      throw new ProtocolException(ErrorCode.BAD_JSON, "frame is not a JSON object");
    }
    Object type = json.getValue("type");
    if (type == null) {
      throw new ProtocolException(ErrorCode.UNKNOWN_TYPE, "frame has no type");
    }
    if (!(type instanceof String t)) {
      throw new ProtocolException(ErrorCode.UNKNOWN_TYPE, "type must be a string");
    }
    return switch (t) {
      case "send" -> send(json);
      case "receipt" -> receipt(json);
      case "sync" -> sync(json);
      case "ping" -> new ClientFrame.Ping();
      case "typing" -> new ClientFrame.Typing(id(json, "conversationId"));
      case "subscribe_presence" -> new ClientFrame.SubscribePresence(ids(json, "userIds", MAX_PRESENCE_IDS));
      default -> throw new ProtocolException(ErrorCode.UNKNOWN_TYPE, "unknown frame type");
    };
  }

  private ClientFrame.Send send(JsonObject json) {
    String clientMsgId = id(json, "clientMsgId");
    String conversationId = id(json, "conversationId");
    String content = optionalString(json, "content");
    String mediaUrl = optionalString(json, "mediaUrl");
    if (content == null && mediaUrl == null) {
      throw new ProtocolException(ErrorCode.MISSING_FIELD, "content or mediaUrl is required");
    }
    if (mediaUrl == null && content.isBlank()) {
      throw new ProtocolException(ErrorCode.BAD_FIELD, "content must not be blank");
    }
    if (content != null && content.length() > maxContentChars) {
      throw new ProtocolException(ErrorCode.TOO_LARGE, "content is over " + maxContentChars + " characters");
    }
    if (mediaUrl != null && (mediaUrl.length() > MAX_MEDIA_URL_LENGTH || !MEDIA_URL.matcher(mediaUrl).matches())) {
      throw new ProtocolException(ErrorCode.BAD_FIELD, "mediaUrl must be a URL from POST /api/media");
    }
    return new ClientFrame.Send(clientMsgId, conversationId, content == null ? "" : content, mediaUrl);
  }

  private ClientFrame.Receipt receipt(JsonObject json) {
    String conversationId = id(json, "conversationId");
    List<String> messageIds = ids(json, "messageIds", MAX_RECEIPT_IDS);
    if (messageIds.isEmpty()) {
      throw new ProtocolException(ErrorCode.BAD_FIELD, "messageIds must not be empty");
    }
    String status = requiredString(json, "status");
    ClientFrame.Receipt.Status parsed;
    try {
      parsed = ClientFrame.Receipt.Status.valueOf(status);
    } catch (IllegalArgumentException e) {
      throw new ProtocolException(ErrorCode.BAD_FIELD, "status must be delivered or read");
    }
    return new ClientFrame.Receipt(conversationId, messageIds, parsed);
  }

  private ClientFrame.Sync sync(JsonObject json) {
    String conversationId = id(json, "conversationId");
    String cursor = optionalString(json, "cursor");
    Object limitValue = json.getValue("limit");
    int limit = DEFAULT_SYNC_LIMIT;
    if (limitValue != null) {
      if (!(limitValue instanceof Integer || limitValue instanceof Long) || ((Number) limitValue).longValue() < 1) {
        throw new ProtocolException(ErrorCode.BAD_FIELD, "limit must be a positive integer");
      }
      limit = (int) Math.min(((Number) limitValue).longValue(), MAX_SYNC_LIMIT);
    }
    return new ClientFrame.Sync(conversationId, cursor, limit);
  }

  static String requiredString(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value == null) {
      throw new ProtocolException(ErrorCode.MISSING_FIELD, field + " is required");
    }
    if (!(value instanceof String s)) {
      throw new ProtocolException(ErrorCode.BAD_FIELD, field + " must be a string");
    }
    return s;
  }

  static String optionalString(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String s)) {
      throw new ProtocolException(ErrorCode.BAD_FIELD, field + " must be a string");
    }
    return s;
  }

  /** A non-empty identifier of bounded length. */
  static String id(JsonObject json, String field) {
    String value = requiredString(json, field);
    if (value.isEmpty() || value.length() > MAX_ID_LENGTH) {
      throw new ProtocolException(ErrorCode.BAD_FIELD, field + " must be 1.." + MAX_ID_LENGTH + " characters");
    }
    return value;
  }

  static List<String> ids(JsonObject json, String field, int max) {
    Object value = json.getValue(field);
    if (value == null) {
      throw new ProtocolException(ErrorCode.MISSING_FIELD, field + " is required");
    }
    if (!(value instanceof JsonArray array)) {
      throw new ProtocolException(ErrorCode.BAD_FIELD, field + " must be an array of strings");
    }
    if (array.size() > max) {
      throw new ProtocolException(ErrorCode.TOO_LARGE, field + " has more than " + max + " entries");
    }
    List<String> out = new ArrayList<>(array.size());
    for (Object item : array) {
      if (!(item instanceof String s) || s.isEmpty() || s.length() > MAX_ID_LENGTH) {
        throw new ProtocolException(ErrorCode.BAD_FIELD, field + " must be an array of non-empty strings");
      }
      out.add(s);
    }
    return List.copyOf(out);
  }
}
