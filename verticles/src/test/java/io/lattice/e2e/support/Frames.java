package io.lattice.e2e.support;

import io.vertx.core.json.JsonObject;

import java.util.Objects;
import java.util.function.Predicate;

/** Described predicates over received frames, so a timeout says what it was waiting for. */
public final class Frames {
  private Frames() {
  }

  /** A predicate with a description (shown in timeout messages). */
  public record Match(String description, Predicate<JsonObject> test) implements Predicate<JsonObject> {
    @Override
    public boolean test(JsonObject frame) {
      try {
        return test.test(frame);
      } catch (RuntimeException e) {
        return false; // a frame of an unexpected shape simply does not match
      }
    }

    public Match and(Match other) {
      return new Match(description + " and " + other.description, f -> test(f) && other.test(f));
    }

    public Match or(Match other) {
      return new Match("(" + description + " or " + other.description + ")", f -> test(f) || other.test(f));
    }

    @Override
    public String toString() {
      return description;
    }
  }

  public static Match of(String description, Predicate<JsonObject> test) {
    return new Match(description, test);
  }

  public static Match type(String type) {
    return of("type=" + type, f -> type.equals(f.getString("type")));
  }

  public static Match field(String name, Object value) {
    return of(name + "=" + value, f -> Objects.equals(f.getValue(name), value));
  }

  public static Match ack(String clientMsgId) {
    return type("ack").and(field("clientMsgId", clientMsgId));
  }

  /** An ack or an error answering the send with this clientMsgId. */
  public static Match outcome(String clientMsgId) {
    return type("ack").or(type("error")).and(field("clientMsgId", clientMsgId));
  }

  public static Match error(String code) {
    return type("error").and(field("code", code));
  }

  public static Match errorFor(String clientMsgId) {
    return type("error").and(field("clientMsgId", clientMsgId));
  }

  public static Match message(String messageId) {
    return of("message messageId=" + messageId,
        f -> "message".equals(f.getString("type")) && messageId.equals(f.getJsonObject("message").getString("messageId")));
  }

  public static Match messageIn(String conversationId) {
    return of("message in " + conversationId, f -> "message".equals(f.getString("type"))
        && conversationId.equals(f.getJsonObject("message").getString("conversationId")));
  }

  public static Match messageWithContent(String content) {
    return of("message content=" + abbreviate(content), f -> "message".equals(f.getString("type"))
        && content.equals(f.getJsonObject("message").getString("content")));
  }

  public static Match receipt(String messageId) {
    return type("receipt").and(field("messageId", messageId));
  }

  public static Match presence(String userId, boolean online) {
    return type("presence").and(field("userId", userId)).and(field("online", online));
  }

  public static Match syncResult(String conversationId) {
    return type("sync_result").and(field("conversationId", conversationId));
  }

  static String abbreviate(String s) {
    return s == null || s.length() <= 300 ? s : s.substring(0, 300) + "...(" + s.length() + " chars)";
  }
}
