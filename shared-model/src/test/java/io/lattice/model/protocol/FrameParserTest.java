package io.lattice.model.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Example-based checks of every frame type and every rejection code; see FrameParserPropertiesTest for the fuzz. */
class FrameParserTest {

  static final int MAX_CONTENT = 16 * 1024;
  final FrameParser parser = new FrameParser(MAX_CONTENT);

  // ---- helpers -----------------------------------------------------------------------------------------------

  static JsonObject send() {
    return new JsonObject().put("type", "send").put("clientMsgId", "c-1").put("conversationId", "d-1")
        .put("content", "hello");
  }

  static JsonObject receipt() {
    return new JsonObject().put("type", "receipt").put("conversationId", "d-1")
        .put("messageIds", new JsonArray().add("m-1").add("m-2")).put("status", "read");
  }

  static JsonObject sync() {
    return new JsonObject().put("type", "sync").put("conversationId", "d-1");
  }

  static JsonObject presence() {
    return new JsonObject().put("type", "subscribe_presence").put("userIds", new JsonArray().add("bob"));
  }

  ClientFrame parse(JsonObject json) {
    return parser.parse(json.encode());
  }

  void assertRejected(String text, ErrorCode code) {
    assertThatThrownBy(() -> parser.parse(text)).as("parse(%s)", text)
        .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(code));
  }

  void assertRejected(JsonObject json, ErrorCode code) {
    assertRejected(json.encode(), code);
  }

  static String repeat(char c, int n) {
    return String.valueOf(c).repeat(n);
  }

  static JsonArray ids(int n) {
    JsonArray array = new JsonArray();
    for (int i = 0; i < n; i++) {
      array.add("id-" + i);
    }
    return array;
  }

  // ---- every frame type parses ---------------------------------------------------------------------------------

  @Test
  void should_parse_send() {
    assertThat(parse(send())).isEqualTo(new ClientFrame.Send("c-1", "d-1", "hello", null));
  }

  @Test
  void should_reject_signed_or_traversing_media_urls() {
    // The message carries the stable mediaUrl only: a signed URL would expire, a traversal would escape the store.
    for (String url : new String[] {"/media/abc?exp=1&sig=x", "/media/../etc/passwd", "/media/", "http://x/y"}) {
      assertThatThrownBy(() -> parse(send().put("mediaUrl", url)))
          .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_FIELD));
    }
  }

  @Test
  void should_reject_blank_content_without_media() {
    assertThatThrownBy(() -> parse(send().put("content", "  ")))
        .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_FIELD));
  }

  @Test
  void should_parse_send_with_media_only() {
    assertThat(parse(send().put("content", null).put("mediaUrl", "/media/abc-1.png")))
        .isEqualTo(new ClientFrame.Send("c-1", "d-1", "", "/media/abc-1.png"));
    JsonObject noContent = send();
    noContent.remove("content");
    assertThat(parse(noContent.put("mediaUrl", "https://cdn.example.com/k")))
        .isEqualTo(new ClientFrame.Send("c-1", "d-1", "", "https://cdn.example.com/k"));
  }

  @Test
  void should_parse_send_with_content_and_media() {
    assertThat(parse(send().put("mediaUrl", "/media/k")))
        .isEqualTo(new ClientFrame.Send("c-1", "d-1", "hello", "/media/k"));
  }

  @Test
  void should_parse_receipt() {
    assertThat(parse(receipt())).isEqualTo(new ClientFrame.Receipt("d-1", List.of("m-1", "m-2"),
        ClientFrame.Receipt.Status.read));
    assertThat(parse(receipt().put("status", "delivered"))).isEqualTo(new ClientFrame.Receipt("d-1",
        List.of("m-1", "m-2"), ClientFrame.Receipt.Status.delivered));
  }

  @Test
  void should_parse_sync_with_default_limit_and_no_cursor() {
    assertThat(parse(sync())).isEqualTo(new ClientFrame.Sync("d-1", null, FrameParser.DEFAULT_SYNC_LIMIT));
    assertThat(parse(sync().put("cursor", null).put("limit", null)))
        .isEqualTo(new ClientFrame.Sync("d-1", null, FrameParser.DEFAULT_SYNC_LIMIT));
  }

  @Test
  void should_parse_sync_with_cursor_and_limit() {
    assertThat(parse(sync().put("cursor", "eyJ1cyI6M30").put("limit", 20)))
        .isEqualTo(new ClientFrame.Sync("d-1", "eyJ1cyI6M30", 20));
    assertThat(parse(sync().put("limit", 1))).isEqualTo(new ClientFrame.Sync("d-1", null, 1));
    assertThat(parse(sync().put("limit", FrameParser.MAX_SYNC_LIMIT)))
        .isEqualTo(new ClientFrame.Sync("d-1", null, FrameParser.MAX_SYNC_LIMIT));
  }

  @Test
  void should_parse_ping() {
    assertThat(parser.parse("{\"type\":\"ping\"}")).isEqualTo(new ClientFrame.Ping());
    // unknown extra fields are ignored
    assertThat(parser.parse("{\"type\":\"ping\",\"extra\":[1,{}]}")).isEqualTo(new ClientFrame.Ping());
  }

  @Test
  void should_parse_typing() {
    assertThat(parser.parse("{\"type\":\"typing\",\"conversationId\":\"g-7\"}"))
        .isEqualTo(new ClientFrame.Typing("g-7"));
  }

  @Test
  void should_parse_subscribe_presence() {
    assertThat(parse(presence())).isEqualTo(new ClientFrame.SubscribePresence(List.of("bob")));
    assertThat(parse(presence().put("userIds", ids(FrameParser.MAX_PRESENCE_IDS))))
        .isInstanceOfSatisfying(ClientFrame.SubscribePresence.class,
            p -> assertThat(p.userIds()).hasSize(FrameParser.MAX_PRESENCE_IDS));
  }

  // ---- not a JSON object -> bad_json ------------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "hello", "{", "}", "{\"type\":\"ping\"", "{\"type\":\"ping\",}", "{type:\"ping\"}",
      "{'type':'ping'}", "{\"type\":\"ping\"} trailing", "{\"type\":\"ping\"}{}", "{\"type\":NaN}"})
  void should_reject_text_that_is_not_json(String text) {
    assertRejected(text, ErrorCode.BAD_JSON);
  }

  @ParameterizedTest
  @ValueSource(strings = {"[]", "[{\"type\":\"ping\"}]", "\"ping\"", "42", "-1.5", "true", "null"})
  void should_reject_json_that_is_not_an_object(String text) {
    assertRejected(text, ErrorCode.BAD_JSON);
  }

  @Test
  void should_reject_deeply_nested_json_without_blowing_the_stack() {
    assertRejected("[".repeat(100_000), ErrorCode.BAD_JSON);
    assertRejected("{\"type\":\"ping\",\"x\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}", ErrorCode.BAD_JSON);
  }

  // ---- type --------------------------------------------------------------------------------------------------

  @Test
  void should_reject_frame_without_type() {
    assertRejected("{}", ErrorCode.UNKNOWN_TYPE);
    assertRejected("{\"conversationId\":\"d-1\"}", ErrorCode.UNKNOWN_TYPE);
    assertRejected("{\"type\":null}", ErrorCode.UNKNOWN_TYPE);
  }

  @Test
  void should_reject_non_string_type() {
    assertRejected("{\"type\":1}", ErrorCode.UNKNOWN_TYPE);
    assertRejected("{\"type\":true}", ErrorCode.UNKNOWN_TYPE);
    assertRejected("{\"type\":[\"ping\"]}", ErrorCode.UNKNOWN_TYPE);
    assertRejected("{\"type\":{\"name\":\"ping\"}}", ErrorCode.UNKNOWN_TYPE);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "SEND", "Ping", "pong", "ready", "ack", "error", "subscribe-presence", " ping"})
  void should_reject_unknown_type(String type) {
    assertRejected(new JsonObject().put("type", type), ErrorCode.UNKNOWN_TYPE);
  }

  @Test
  void unknown_type_wins_over_bad_fields() {
    assertRejected("{\"type\":\"nope\",\"clientMsgId\":5}", ErrorCode.UNKNOWN_TYPE);
  }

  // ---- send ------------------------------------------------------------------------------------------------------

  @Test
  void should_reject_send_without_client_msg_id() {
    JsonObject json = send();
    json.remove("clientMsgId");
    assertRejected(json, ErrorCode.MISSING_FIELD);
    assertRejected(send().putNull("clientMsgId"), ErrorCode.MISSING_FIELD);
  }

  @Test
  void should_reject_send_without_conversation_id() {
    JsonObject json = send();
    json.remove("conversationId");
    assertRejected(json, ErrorCode.MISSING_FIELD);
  }

  @Test
  void should_reject_send_without_content_or_media() {
    JsonObject json = send();
    json.remove("content");
    assertRejected(json, ErrorCode.MISSING_FIELD);
    assertRejected(send().putNull("content").putNull("mediaUrl"), ErrorCode.MISSING_FIELD);
  }

  @Test
  void should_reject_non_string_ids() {
    assertRejected(send().put("clientMsgId", 42), ErrorCode.BAD_FIELD);
    assertRejected(send().put("clientMsgId", new JsonArray().add("c-1")), ErrorCode.BAD_FIELD);
    assertRejected(send().put("conversationId", true), ErrorCode.BAD_FIELD);
    assertRejected(send().put("conversationId", new JsonObject()), ErrorCode.BAD_FIELD);
  }

  @Test
  void should_reject_number_for_content() {
    assertRejected(send().put("content", 42), ErrorCode.BAD_FIELD);
    assertRejected(send().put("content", new JsonObject().put("text", "hi")), ErrorCode.BAD_FIELD);
    assertRejected(send().put("mediaUrl", 7), ErrorCode.BAD_FIELD);
  }

  @Test
  void should_reject_empty_ids() {
    assertRejected(send().put("clientMsgId", ""), ErrorCode.BAD_FIELD);
    assertRejected(send().put("conversationId", ""), ErrorCode.BAD_FIELD);
    assertRejected(new JsonObject().put("type", "typing").put("conversationId", ""), ErrorCode.BAD_FIELD);
  }

  @Test
  void should_accept_ids_of_exactly_128_chars_and_reject_129() {
    String max = repeat('x', FrameParser.MAX_ID_LENGTH);
    String over = repeat('x', FrameParser.MAX_ID_LENGTH + 1);
    assertThat(parse(send().put("clientMsgId", max).put("conversationId", max)))
        .isEqualTo(new ClientFrame.Send(max, max, "hello", null));
    assertRejected(send().put("clientMsgId", over), ErrorCode.BAD_FIELD);
    assertRejected(send().put("conversationId", over), ErrorCode.BAD_FIELD);
    assertRejected(sync().put("conversationId", over), ErrorCode.BAD_FIELD);
    assertRejected(new JsonObject().put("type", "typing").put("conversationId", over), ErrorCode.BAD_FIELD);
    assertRejected(receipt().put("conversationId", over), ErrorCode.BAD_FIELD);
  }

  @Test
  void should_accept_content_at_the_limit_and_reject_one_over_as_too_large() {
    String atLimit = repeat('a', MAX_CONTENT);
    assertThat(parse(send().put("content", atLimit))).isInstanceOfSatisfying(ClientFrame.Send.class,
        s -> assertThat(s.content()).hasSize(MAX_CONTENT));
    assertRejected(send().put("content", atLimit + "a"), ErrorCode.TOO_LARGE);
    assertRejected(send().put("content", repeat('a', 100_000)), ErrorCode.TOO_LARGE);
    // too large even when a media url comes along
    assertRejected(send().put("content", atLimit + "a").put("mediaUrl", "/media/k"), ErrorCode.TOO_LARGE);
  }

  @Test
  void content_limit_is_the_configured_one() {
    FrameParser small = new FrameParser(5);
    assertThat(small.parse(send().put("content", "12345").encode())).isInstanceOf(ClientFrame.Send.class);
    assertThatThrownBy(() -> small.parse(send().put("content", "123456").encode()))
        .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.TOO_LARGE));
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://cdn.example.com/k", "ftp://x/y", "javascript:alert(1)", "media/k", "//evil/media/k",
      "", " /media/k", "HTTPS://x", "data:text/html,hi", "/api/media", "/mediax/k"})
  void should_reject_media_url_not_from_media_or_https(String mediaUrl) {
    assertRejected(send().put("mediaUrl", mediaUrl), ErrorCode.BAD_FIELD);
  }

  @Test
  void should_reject_media_url_over_2048_chars() {
    String max = "/media/" + repeat('k', FrameParser.MAX_MEDIA_URL_LENGTH - "/media/".length());
    assertThat(parse(send().put("mediaUrl", max))).isInstanceOf(ClientFrame.Send.class);
    assertRejected(send().put("mediaUrl", max + "k"), ErrorCode.BAD_FIELD);
    assertRejected(send().put("mediaUrl", "https://" + repeat('k', 3000)), ErrorCode.BAD_FIELD);
  }

  // ---- receipt ---------------------------------------------------------------------------------------------------

  @Test
  void should_reject_receipt_status_other_than_delivered_or_read() {
    for (String status : List.of("sent", "none", "READ", "Delivered", "", "seen")) {
      assertRejected(receipt().put("status", status), ErrorCode.BAD_FIELD);
    }
    assertRejected(receipt().put("status", 2), ErrorCode.BAD_FIELD);
    JsonObject missing = receipt();
    missing.remove("status");
    assertRejected(missing, ErrorCode.MISSING_FIELD);
  }

  @Test
  void should_reject_string_for_message_ids() {
    assertRejected(receipt().put("messageIds", "m-1"), ErrorCode.BAD_FIELD);
    assertRejected(receipt().put("messageIds", new JsonObject().put("0", "m-1")), ErrorCode.BAD_FIELD);
    assertRejected(receipt().put("messageIds", 1), ErrorCode.BAD_FIELD);
  }

  @Test
  void should_reject_receipt_without_message_ids() {
    JsonObject missing = receipt();
    missing.remove("messageIds");
    assertRejected(missing, ErrorCode.MISSING_FIELD);
    JsonObject noConversation = receipt();
    noConversation.remove("conversationId");
    assertRejected(noConversation, ErrorCode.MISSING_FIELD);
  }

  @Test
  void should_reject_empty_message_ids() {
    assertRejected(receipt().put("messageIds", new JsonArray()), ErrorCode.BAD_FIELD);
  }

  @Test
  void should_reject_bad_entries_in_message_ids() {
    assertRejected(receipt().put("messageIds", new JsonArray().add("m-1").add(2)), ErrorCode.BAD_FIELD);
    assertRejected(receipt().put("messageIds", new JsonArray().add("m-1").add("")), ErrorCode.BAD_FIELD);
    assertRejected(receipt().put("messageIds", new JsonArray().add("m-1").addNull()), ErrorCode.BAD_FIELD);
    assertRejected(receipt().put("messageIds", new JsonArray().add(new JsonArray().add("m-1"))), ErrorCode.BAD_FIELD);
    assertRejected(receipt().put("messageIds", new JsonArray().add(repeat('m', FrameParser.MAX_ID_LENGTH + 1))),
        ErrorCode.BAD_FIELD);
  }

  @Test
  void should_reject_too_many_message_ids_as_too_large() {
    assertThat(parse(receipt().put("messageIds", ids(FrameParser.MAX_RECEIPT_IDS))))
        .isInstanceOfSatisfying(ClientFrame.Receipt.class,
            r -> assertThat(r.messageIds()).hasSize(FrameParser.MAX_RECEIPT_IDS));
    assertRejected(receipt().put("messageIds", ids(FrameParser.MAX_RECEIPT_IDS + 1)), ErrorCode.TOO_LARGE);
  }

  // ---- sync ------------------------------------------------------------------------------------------------------

  @Test
  void should_reject_sync_limit_zero_or_negative() {
    assertRejected(sync().put("limit", 0), ErrorCode.BAD_FIELD);
    assertRejected(sync().put("limit", -1), ErrorCode.BAD_FIELD);
    assertRejected(sync().put("limit", Long.MIN_VALUE), ErrorCode.BAD_FIELD);
  }

  @Test
  void should_reject_sync_limit_that_is_not_an_integer() {
    assertRejected(sync().put("limit", "10"), ErrorCode.BAD_FIELD);
    assertRejected(sync().put("limit", 2.5), ErrorCode.BAD_FIELD);
    assertRejected(sync().put("limit", true), ErrorCode.BAD_FIELD);
    assertRejected(sync().put("limit", new JsonArray().add(10)), ErrorCode.BAD_FIELD);
  }

  @Test
  void should_clamp_huge_sync_limit() {
    assertThat(parse(sync().put("limit", FrameParser.MAX_SYNC_LIMIT + 1)))
        .isEqualTo(new ClientFrame.Sync("d-1", null, FrameParser.MAX_SYNC_LIMIT));
    assertThat(parse(sync().put("limit", Integer.MAX_VALUE)))
        .isEqualTo(new ClientFrame.Sync("d-1", null, FrameParser.MAX_SYNC_LIMIT));
    assertThat(parse(sync().put("limit", 10_000_000_000L)))
        .isEqualTo(new ClientFrame.Sync("d-1", null, FrameParser.MAX_SYNC_LIMIT));
    assertThat(parse(sync().put("limit", Long.MAX_VALUE)))
        .isEqualTo(new ClientFrame.Sync("d-1", null, FrameParser.MAX_SYNC_LIMIT));
  }

  @Test
  void should_reject_sync_without_conversation_or_with_non_string_cursor() {
    assertRejected("{\"type\":\"sync\"}", ErrorCode.MISSING_FIELD);
    assertRejected(sync().put("cursor", 5), ErrorCode.BAD_FIELD);
    assertRejected(sync().put("cursor", new JsonObject().put("us-east", 3)), ErrorCode.BAD_FIELD);
  }

  // ---- typing / subscribe_presence --------------------------------------------------------------------------------

  @Test
  void should_reject_typing_without_conversation_id() {
    assertRejected("{\"type\":\"typing\"}", ErrorCode.MISSING_FIELD);
    assertRejected("{\"type\":\"typing\",\"conversationId\":9}", ErrorCode.BAD_FIELD);
  }

  @Test
  void should_reject_object_for_user_ids() {
    assertRejected(presence().put("userIds", new JsonObject().put("bob", true)), ErrorCode.BAD_FIELD);
    assertRejected(presence().put("userIds", "bob"), ErrorCode.BAD_FIELD);
    assertRejected(presence().put("userIds", new JsonArray().add("bob").add(1)), ErrorCode.BAD_FIELD);
    assertRejected("{\"type\":\"subscribe_presence\"}", ErrorCode.MISSING_FIELD);
  }

  @Test
  void should_reject_too_many_user_ids_as_too_large() {
    assertRejected(presence().put("userIds", ids(FrameParser.MAX_PRESENCE_IDS + 1)), ErrorCode.TOO_LARGE);
  }

  @Test
  void parsed_id_lists_are_immutable() {
    ClientFrame.Receipt r = (ClientFrame.Receipt) parse(receipt());
    assertThatThrownBy(() -> r.messageIds().add("m-3")).isInstanceOf(UnsupportedOperationException.class);
    ClientFrame.SubscribePresence p = (ClientFrame.SubscribePresence) parse(presence());
    assertThatThrownBy(() -> p.userIds().clear()).isInstanceOf(UnsupportedOperationException.class);
    assertThat(p.userIds()).containsExactly("bob");
  }
}
