package io.lattice.model.protocol;

import io.lattice.model.Message;
import io.lattice.model.crdt.ReceiptState;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The field names of server frames are the protocol (docs/protocol.md): pin them. */
class ServerFramesTest {

  static final Message MESSAGE = new Message("m-1", "d-1", "alice", "hi", null, 1_700_000_000_000L, 42, "us-east", 7);

  /** Round trip through text, as a client would see it. */
  static JsonObject wire(JsonObject frame) {
    return new JsonObject(frame.encode());
  }

  @Test
  void ready_frame_fields() {
    JsonObject json = wire(ServerFrames.ready("alice", "us-east", "n1", 30));
    assertThat(json).isEqualTo(new JsonObject().put("type", "ready").put("userId", "alice").put("region", "us-east")
        .put("node", "n1").put("heartbeatSeconds", 30));
  }

  @Test
  void ack_frame_fields() {
    JsonObject json = wire(ServerFrames.ack("c-1", MESSAGE));
    assertThat(json.fieldNames()).containsExactlyInAnyOrder("type", "clientMsgId", "messageId", "conversationId",
        "lamport", "createdAt");
    assertThat(json.getString("type")).isEqualTo("ack");
    assertThat(json.getString("clientMsgId")).isEqualTo("c-1");
    assertThat(json.getString("messageId")).isEqualTo("m-1");
    assertThat(json.getString("conversationId")).isEqualTo("d-1");
    assertThat(json.getLong("lamport")).isEqualTo(42L);
    assertThat(json.getLong("createdAt")).isEqualTo(1_700_000_000_000L);
  }

  @Test
  void message_frame_wraps_the_message() {
    JsonObject json = wire(ServerFrames.message(MESSAGE));
    assertThat(json.fieldNames()).containsExactlyInAnyOrder("type", "message");
    assertThat(json.getString("type")).isEqualTo("message");
    assertThat(Message.fromJson(json.getJsonObject("message"))).isEqualTo(MESSAGE);
  }

  @Test
  void receipt_frame_fields() {
    JsonObject json = wire(ServerFrames.receipt("m-1", "d-1", "bob", new ReceiptState(3, 5, 0)));
    assertThat(json).isEqualTo(new JsonObject().put("type", "receipt").put("messageId", "m-1")
        .put("conversationId", "d-1").put("recipientId", "bob").put("sentAt", 3).put("deliveredAt", 5)
        .put("readAt", 0));
  }

  @Test
  void sync_result_frame_fields() {
    Message second = new Message("m-2", "d-1", "bob", "yo", "/media/k", 2, 43, "eu-west", 1);
    JsonObject json = wire(ServerFrames.syncResult("d-1", List.of(MESSAGE, second), "CURSOR", true));
    assertThat(json.fieldNames()).containsExactlyInAnyOrder("type", "conversationId", "messages", "cursor", "hasMore");
    assertThat(json.getString("type")).isEqualTo("sync_result");
    assertThat(json.getString("conversationId")).isEqualTo("d-1");
    assertThat(json.getString("cursor")).isEqualTo("CURSOR");
    assertThat(json.getBoolean("hasMore")).isTrue();
    JsonArray messages = json.getJsonArray("messages");
    assertThat(messages).hasSize(2);
    assertThat(Message.fromJson(messages.getJsonObject(0))).isEqualTo(MESSAGE);
    assertThat(Message.fromJson(messages.getJsonObject(1))).isEqualTo(second);
  }

  @Test
  void empty_sync_result_has_an_empty_array() {
    JsonObject json = wire(ServerFrames.syncResult("d-1", List.of(), "C", false));
    assertThat(json.getJsonArray("messages")).isEmpty();
    assertThat(json.getBoolean("hasMore")).isFalse();
  }

  @Test
  void presence_frame_fields() {
    Map<String, Long> regions = new LinkedHashMap<>();
    regions.put("us-east", 2L);
    regions.put("eu-west", 1L);
    JsonObject json = wire(ServerFrames.presence("bob", true, regions));
    assertThat(json).isEqualTo(new JsonObject().put("type", "presence").put("userId", "bob").put("online", true)
        .put("regions", new JsonObject().put("us-east", 2).put("eu-west", 1)));
    JsonObject offline = wire(ServerFrames.presence("bob", false, Map.of()));
    assertThat(offline.getBoolean("online")).isFalse();
    assertThat(offline.getJsonObject("regions")).isEmpty();
  }

  @Test
  void typing_pong_and_reconnect_frame_fields() {
    assertThat(wire(ServerFrames.typing("d-1", "alice"))).isEqualTo(new JsonObject().put("type", "typing")
        .put("conversationId", "d-1").put("userId", "alice"));
    assertThat(wire(ServerFrames.pong())).isEqualTo(new JsonObject().put("type", "pong"));
    assertThat(wire(ServerFrames.reconnect("draining", 1500))).isEqualTo(new JsonObject().put("type", "reconnect")
        .put("reason", "draining").put("afterMs", 1500));
  }

  @Test
  void error_frame_without_client_msg_id_or_retry_after() {
    JsonObject json = wire(ServerFrames.error(ErrorCode.BAD_JSON, "frame is not a JSON object", null, 0));
    assertThat(json).isEqualTo(new JsonObject().put("type", "error").put("code", "bad_json")
        .put("message", "frame is not a JSON object"));
    assertThat(json.containsKey("clientMsgId")).isFalse();
    assertThat(json.containsKey("retryAfterMs")).isFalse();
  }

  @Test
  void error_frame_with_client_msg_id_when_answering_a_send() {
    JsonObject json = wire(ServerFrames.error(ErrorCode.FORBIDDEN, "not a participant", "c-9", 0));
    assertThat(json.getString("code")).isEqualTo("forbidden");
    assertThat(json.getString("clientMsgId")).isEqualTo("c-9");
    assertThat(json.containsKey("retryAfterMs")).isFalse();
  }

  @Test
  void error_frame_with_retry_after_only_when_set() {
    JsonObject json = wire(ServerFrames.error(ErrorCode.RATE_LIMITED, "slow down", "c-9", 250));
    assertThat(json).isEqualTo(new JsonObject().put("type", "error").put("code", "rate_limited")
        .put("message", "slow down").put("clientMsgId", "c-9").put("retryAfterMs", 250));
    assertThat(wire(ServerFrames.error(ErrorCode.RATE_LIMITED, "x", null, -5)).containsKey("retryAfterMs")).isFalse();
  }

  // ---- error codes --------------------------------------------------------------------------------------------

  @Test
  void error_codes_have_the_documented_wire_names_and_http_statuses() {
    Map<ErrorCode, Object[]> expected = new LinkedHashMap<>();
    expected.put(ErrorCode.BAD_JSON, new Object[]{"bad_json", 400});
    expected.put(ErrorCode.UNKNOWN_TYPE, new Object[]{"unknown_type", 400});
    expected.put(ErrorCode.MISSING_FIELD, new Object[]{"missing_field", 400});
    expected.put(ErrorCode.BAD_FIELD, new Object[]{"bad_field", 400});
    expected.put(ErrorCode.TOO_LARGE, new Object[]{"too_large", 413});
    expected.put(ErrorCode.UNAUTHORIZED, new Object[]{"unauthorized", 401});
    expected.put(ErrorCode.FORBIDDEN, new Object[]{"forbidden", 403});
    expected.put(ErrorCode.NOT_FOUND, new Object[]{"not_found", 404});
    expected.put(ErrorCode.RATE_LIMITED, new Object[]{"rate_limited", 429});
    expected.put(ErrorCode.UNAVAILABLE, new Object[]{"unavailable", 503});
    expected.put(ErrorCode.INTERNAL, new Object[]{"internal", 500});
    assertThat(expected.keySet()).containsExactlyInAnyOrder(ErrorCode.values());
    expected.forEach((code, wireAndStatus) -> {
      assertThat(code.wire()).isEqualTo(wireAndStatus[0]);
      assertThat(code.httpStatus()).isEqualTo(wireAndStatus[1]);
    });
  }

  @Test
  void error_code_from_ordinal_round_trips_and_falls_back_to_internal() {
    for (ErrorCode code : ErrorCode.values()) {
      assertThat(ErrorCode.fromOrdinal(code.ordinal())).isEqualTo(code);
    }
    assertThat(ErrorCode.fromOrdinal(-1)).isEqualTo(ErrorCode.INTERNAL);
    assertThat(ErrorCode.fromOrdinal(ErrorCode.values().length)).isEqualTo(ErrorCode.INTERNAL);
    assertThat(ErrorCode.fromOrdinal(Integer.MAX_VALUE)).isEqualTo(ErrorCode.INTERNAL);
  }

  @Test
  void protocol_exception_is_cheap_and_carries_its_code() {
    ProtocolException e = new ProtocolException(ErrorCode.RATE_LIMITED, "slow", 300);
    assertThat(e.code()).isEqualTo(ErrorCode.RATE_LIMITED);
    assertThat(e.retryAfterMs()).isEqualTo(300);
    assertThat(e.getMessage()).isEqualTo("slow");
    assertThat(e.getStackTrace()).isEmpty();
    assertThat(new ProtocolException(ErrorCode.BAD_FIELD, "x").retryAfterMs()).isZero();
  }
}
