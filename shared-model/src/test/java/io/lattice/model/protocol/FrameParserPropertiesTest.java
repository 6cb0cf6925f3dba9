package io.lattice.model.protocol;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/** Fuzzing the parser: whatever a client sends, the answer is a well-formed frame or a ProtocolException. */
class FrameParserPropertiesTest {

  static final int MAX_CONTENT = 64;
  final FrameParser parser = new FrameParser(MAX_CONTENT);

  static final List<String> TYPES = List.of("send", "receipt", "sync", "ping", "typing", "subscribe_presence");
  static final List<String> FIELDS = List.of("clientMsgId", "conversationId", "content", "mediaUrl", "messageIds",
      "userIds", "status", "cursor", "limit");

  /** Parses, and checks that a returned frame honours every limit the parser promises. */
  ClientFrame parseOrProtocolException(String text) {
    ClientFrame frame;
    try {
      frame = parser.parse(text);
    } catch (ProtocolException e) {
      assertThat(e.code()).isIn(ErrorCode.BAD_JSON, ErrorCode.UNKNOWN_TYPE, ErrorCode.MISSING_FIELD,
          ErrorCode.BAD_FIELD, ErrorCode.TOO_LARGE);
      return null;
    } catch (RuntimeException | StackOverflowError other) {
      fail("parse(" + abbreviate(text) + ") threw " + other + " instead of a ProtocolException");
      return null;
    }
    assertWellFormed(frame);
    return frame;
  }

  static void assertWellFormed(ClientFrame frame) {
    assertThat(frame).isNotNull();
    if (frame instanceof ClientFrame.Send s) {
      assertId(s.clientMsgId());
      assertId(s.conversationId());
      assertThat(s.content()).isNotNull().hasSizeLessThanOrEqualTo(MAX_CONTENT);
      if (s.mediaUrl() != null) {
        assertThat(s.mediaUrl()).hasSizeLessThanOrEqualTo(FrameParser.MAX_MEDIA_URL_LENGTH);
        assertThat(s.mediaUrl().startsWith("/media/") || s.mediaUrl().startsWith("https://")).isTrue();
      }
    } else if (frame instanceof ClientFrame.Receipt r) {
      assertId(r.conversationId());
      assertThat(r.messageIds()).isNotEmpty().hasSizeLessThanOrEqualTo(FrameParser.MAX_RECEIPT_IDS);
      r.messageIds().forEach(FrameParserPropertiesTest::assertId);
      assertThat(r.status()).isNotNull();
    } else if (frame instanceof ClientFrame.Sync s) {
      assertId(s.conversationId());
      assertThat(s.limit()).isBetween(1, FrameParser.MAX_SYNC_LIMIT);
    } else if (frame instanceof ClientFrame.Typing t) {
      assertId(t.conversationId());
    } else if (frame instanceof ClientFrame.SubscribePresence p) {
      assertThat(p.userIds()).hasSizeLessThanOrEqualTo(FrameParser.MAX_PRESENCE_IDS);
      p.userIds().forEach(FrameParserPropertiesTest::assertId);
    } else {
      assertThat(frame).isInstanceOf(ClientFrame.Ping.class);
    }
  }

  static void assertId(String id) {
    assertThat(id).isNotNull().isNotEmpty().hasSizeLessThanOrEqualTo(FrameParser.MAX_ID_LENGTH);
  }

  static String abbreviate(String text) {
    return text.length() <= 200 ? text : text.substring(0, 200) + "...(" + text.length() + " chars)";
  }

  // ---- arbitrary text ----------------------------------------------------------------------------------------

  @Property
  void arbitrary_strings_give_a_frame_or_a_protocol_exception(@ForAll String text) {
    parseOrProtocolException(text);
  }

  @Provide
  Arbitrary<String> jsonishText() {
    return Arbitraries.strings().withChars("{}[]\":,0123456789-.eE tnrufalsy\\/*").ofMaxLength(40);
  }

  @Property
  void json_punctuation_soup_gives_a_frame_or_a_protocol_exception(@ForAll("jsonishText") String text) {
    parseOrProtocolException(text);
  }

  @Property
  void json_soup_after_a_type_gives_a_frame_or_a_protocol_exception(@ForAll("types") String type,
                                                                     @ForAll("jsonishText") String rest) {
    parseOrProtocolException("{\"type\":" + Json.encode(type) + "," + rest);
  }

  // ---- arbitrary JSON-ish objects ------------------------------------------------------------------------------

  /** JSON text of values of every shape the parser must cope with, including ones Java types struggle with. */
  static Arbitrary<String> jsonValues(int depth) {
    Arbitrary<String> scalars = Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(8).map(Json::encode),
        Arbitraries.of("", "x", "m-1", "delivered", "read", "sent", "/media/k", "https://x/y", "http://x/y", " ",
            "a".repeat(128), "a".repeat(129), "a".repeat(MAX_CONTENT), "a".repeat(MAX_CONTENT + 1),
            "/media/" + "k".repeat(2100)).map(Json::encode),
        Arbitraries.integers().map(String::valueOf),
        Arbitraries.longs().map(String::valueOf),
        Arbitraries.of("0", "-0", "1", "-1", "500", "501", "2147483648", "9223372036854775807", "9223372036854775808",
            "99999999999999999999999", "-99999999999999999999999", "1.5", "-0.0", "1e3", "1E400", "-1e-400", "5.0",
            "true", "false", "null"));
    if (depth == 0) {
      return scalars;
    }
    Arbitrary<String> arrays = jsonValues(depth - 1).list().ofMaxSize(4)
        .map(items -> items.stream().collect(Collectors.joining(",", "[", "]")));
    Arbitrary<String> objects = Arbitraries.maps(Arbitraries.oneOf(Arbitraries.of(FIELDS), Arbitraries.of("type")),
            jsonValues(depth - 1)).ofMaxSize(3)
        .map(FrameParserPropertiesTest::object);
    return Arbitraries.frequencyOf(Tuple.of(6, scalars), Tuple.of(2, arrays), Tuple.of(1, objects));
  }

  static String object(Map<String, String> fields) {
    return fields.entrySet().stream().map(e -> Json.encode(e.getKey()) + ":" + e.getValue())
        .collect(Collectors.joining(",", "{", "}"));
  }

  @Provide
  Arbitrary<String> types() {
    return Arbitraries.oneOf(Arbitraries.of(TYPES), Arbitraries.of("", "SEND", "unknown", "pong"),
        Arbitraries.strings().ofMaxLength(6));
  }

  /** Values that are plausible for a field (right shape, often near a limit), mixed with values of any shape. */
  static Arbitrary<String> fieldValues(String field) {
    Arbitrary<String> idish = Arbitraries.oneOf(
        Arbitraries.of("c-1", "d-1", "m-1", "", "a".repeat(FrameParser.MAX_ID_LENGTH),
            "a".repeat(FrameParser.MAX_ID_LENGTH + 1)),
        Arbitraries.strings().ofMinLength(1).ofMaxLength(10));
    Arbitrary<String> idArray = Arbitraries.frequencyOf(
        Tuple.of(20, idish.list().ofMaxSize(5).map(ids -> new JsonArray(List.copyOf(ids)).encode())),
        Tuple.of(1, Arbitraries.of(FrameParser.MAX_RECEIPT_IDS, FrameParser.MAX_RECEIPT_IDS + 1)
            .map(n -> new JsonArray(Collections.nCopies(n, "x")).encode())));
    Arbitrary<String> plausible = switch (field) {
      case "clientMsgId", "conversationId" -> idish.map(Json::encode);
      case "content" -> Arbitraries.strings().ofMaxLength(MAX_CONTENT + 5).map(Json::encode);
      case "mediaUrl" -> Arbitraries.oneOf(
          Arbitraries.strings().ofMaxLength(10).map(x -> "/media/" + x),
          Arbitraries.strings().ofMaxLength(10).map(x -> "https://" + x),
          Arbitraries.of("http://x/y", "/media/" + "k".repeat(2100), "media/k", ""),
          Arbitraries.strings().ofMaxLength(10)).map(Json::encode);
      case "messageIds", "userIds" -> idArray;
      case "status" -> Arbitraries.of("delivered", "read", "sent", "READ", "").map(Json::encode);
      case "cursor" -> Arbitraries.strings().ofMaxLength(20).map(Json::encode);
      case "limit" -> Arbitraries.oneOf(Arbitraries.integers().between(-2, 600).map(String::valueOf),
          Arbitraries.of("\"10\"", "1.5", "2147483648", "99999999999999999999"));
      default -> throw new IllegalArgumentException(field);
    };
    return Arbitraries.frequencyOf(Tuple.of(6, plausible), Tuple.of(1, jsonValues(2)));
  }

  /**
   * An object with a type (mostly a real one, sometimes an unknown string or another JSON value, sometimes none)
   * and each known field present with probability 0.7, holding a plausible or an arbitrary value.
   */
  @Provide
  Arbitrary<String> frames() {
    Arbitrary<String> typeValue = Arbitraries.frequencyOf(
        Tuple.of(12, Arbitraries.of(TYPES).map(Json::encode)),
        Tuple.of(2, types().map(Json::encode)),
        Tuple.of(1, jsonValues(1))).injectNull(0.06);
    List<Arbitrary<String>> fieldArbitraries = FIELDS.stream()
        .map(field -> fieldValues(field).map(v -> Json.encode(field) + ":" + v).injectNull(0.3))
        .toList();
    Arbitrary<List<String>> fields = Combinators.combine(fieldArbitraries).as(list -> list);
    return Combinators.combine(typeValue, fields).as((type, members) -> {
      List<String> all = new ArrayList<>();
      if (type != null) {
        all.add("\"type\":" + type);
      }
      members.stream().filter(Objects::nonNull).forEach(all::add);
      return "{" + String.join(",", all) + "}";
    });
  }

  @Property
  void arbitrary_json_objects_give_a_frame_or_a_protocol_exception(@ForAll("frames") String text) {
    assertThat(new JsonObject(text)).isNotNull(); // the generator makes valid JSON objects
    parseOrProtocolException(text);
  }

  @Property
  void arbitrary_json_values_that_are_not_objects_are_bad_json(@ForAll("nonObjects") String text) {
    try {
      parser.parse(text);
      fail("parsed " + abbreviate(text));
    } catch (ProtocolException e) {
      assertThat(e.code()).isEqualTo(ErrorCode.BAD_JSON);
    }
  }

  @Provide
  Arbitrary<String> nonObjects() {
    return jsonValues(2).filter(t -> !t.startsWith("{"));
  }

  @Property
  void truncated_frames_are_bad_json(@ForAll("validFrames") JsonObject frame, @ForAll @IntRange(min = 0,
      max = 10_000) int cut) {
    String text = frame.encode();
    String prefix = text.substring(0, cut % text.length()); // a proper prefix: the closing brace is always cut
    try {
      parser.parse(prefix);
      fail("parsed truncated frame " + abbreviate(prefix));
    } catch (ProtocolException e) {
      assertThat(e.code()).isEqualTo(ErrorCode.BAD_JSON);
    }
  }

  // ---- valid frames round-trip into the right record ------------------------------------------------------------

  static Arbitrary<String> ids() {
    return Arbitraries.strings().ofMinLength(1).ofMaxLength(FrameParser.MAX_ID_LENGTH);
  }

  @Provide
  Arbitrary<JsonObject> validFrames() {
    Arbitrary<String> content = Arbitraries.strings().ofMaxLength(MAX_CONTENT);
    Arbitrary<String> mediaUrl = Arbitraries.oneOf(
        Arbitraries.strings().alpha().numeric().withChars('-').ofMinLength(1).ofMaxLength(30)
            .map(s -> "/media/" + s + ".png"),
        Arbitraries.strings().alpha().numeric().withChars("/.-_?=&").ofMinLength(1).ofMaxLength(30)
            .map(s -> "https://" + s))
        .injectNull(0.5);
    Arbitrary<JsonObject> send = Combinators.combine(ids(), ids(), content.injectNull(0.3), mediaUrl)
        .as((c, conv, text, url) -> new JsonObject().put("type", "send").put("clientMsgId", c)
            .put("conversationId", conv).put("content", text).put("mediaUrl", url))
        .filter(json -> json.getValue("mediaUrl") != null
            || json.getValue("content") != null && !json.getString("content").isBlank());
    Arbitrary<JsonObject> receipt = Combinators.combine(ids(), ids().list().ofMinSize(1).ofMaxSize(20),
            Arbitraries.of("delivered", "read"))
        .as((conv, messageIds, status) -> new JsonObject().put("type", "receipt").put("conversationId", conv)
            .put("messageIds", new JsonArray(List.copyOf(messageIds))).put("status", status));
    Arbitrary<JsonObject> sync = Combinators.combine(ids(), Arbitraries.strings().ofMaxLength(20).injectNull(0.5),
            Arbitraries.longs().between(1, Long.MAX_VALUE).injectNull(0.3))
        .as((conv, cursor, limit) -> new JsonObject().put("type", "sync").put("conversationId", conv)
            .put("cursor", cursor).put("limit", limit));
    Arbitrary<JsonObject> typing = ids().map(conv -> new JsonObject().put("type", "typing")
        .put("conversationId", conv));
    Arbitrary<JsonObject> presence = ids().list().ofMaxSize(20).map(users -> new JsonObject()
        .put("type", "subscribe_presence").put("userIds", new JsonArray(List.copyOf(users))));
    Arbitrary<JsonObject> ping = Arbitraries.just(new JsonObject().put("type", "ping"));
    return Arbitraries.oneOf(send, receipt, sync, typing, presence, ping);
  }

  @Property
  void every_valid_frame_parses_into_its_record(@ForAll("validFrames") JsonObject json) {
    ClientFrame frame = parser.parse(json.encode());
    assertWellFormed(frame);
    ClientFrame expected = switch (json.getString("type")) {
      case "send" -> new ClientFrame.Send(json.getString("clientMsgId"), json.getString("conversationId"),
          json.getString("content") == null ? "" : json.getString("content"), json.getString("mediaUrl"));
      case "receipt" -> new ClientFrame.Receipt(json.getString("conversationId"),
          json.getJsonArray("messageIds").stream().map(String.class::cast).toList(),
          ClientFrame.Receipt.Status.valueOf(json.getString("status")));
      case "sync" -> new ClientFrame.Sync(json.getString("conversationId"), json.getString("cursor"),
          json.getLong("limit") == null ? FrameParser.DEFAULT_SYNC_LIMIT
              : (int) Math.min(json.getLong("limit"), FrameParser.MAX_SYNC_LIMIT));
      case "typing" -> new ClientFrame.Typing(json.getString("conversationId"));
      case "subscribe_presence" -> new ClientFrame.SubscribePresence(
          json.getJsonArray("userIds").stream().map(String.class::cast).toList());
      case "ping" -> new ClientFrame.Ping();
      default -> throw new AssertionError(json);
    };
    assertThat(frame).isEqualTo(expected);
  }
}
