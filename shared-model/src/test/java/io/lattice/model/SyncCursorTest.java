package io.lattice.model;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

class SyncCursorTest {

  static final List<String> REGIONS = List.of("us-east", "eu-west", "ap-south");

  // ---- arbitraries -------------------------------------------------------------------------------------------

  @Provide
  Arbitrary<SyncCursor> cursors() {
    Arbitrary<String> region = Arbitraries.oneOf(Arbitraries.of(REGIONS), Arbitraries.strings().ofMaxLength(10));
    Arbitrary<Long> position = Arbitraries.oneOf(Arbitraries.longs().between(0, 1_000),
        Arbitraries.longs().between(0, Long.MAX_VALUE));
    return Arbitraries.maps(region, position).ofMaxSize(5).map(SyncCursor::new);
  }

  @Provide
  Arbitrary<Message> messages() {
    return Arbitraries.of(REGIONS).flatMap(region -> Arbitraries.longs().between(-2, 50)
        .map(seq -> new Message("m-" + region + seq, "c", "alice", "hi", null, 0, seq, region, seq)));
  }

  // ---- round trip ----------------------------------------------------------------------------------------------

  @Property
  void encode_decode_round_trip(@ForAll("cursors") SyncCursor cursor) {
    assertThat(SyncCursor.decode(cursor.encode())).isEqualTo(cursor);
  }

  @Property
  void encoding_is_url_safe_and_independent_of_insertion_order(@ForAll("cursors") SyncCursor cursor) {
    String encoded = cursor.encode();
    assertThat(encoded).matches("[A-Za-z0-9_-]*");
    List<Map.Entry<String, Long>> entries = new ArrayList<>(cursor.positions().entrySet());
    Collections.reverse(entries);
    Map<String, Long> reordered = new LinkedHashMap<>();
    entries.forEach(e -> reordered.put(e.getKey(), e.getValue()));
    assertThat(new SyncCursor(reordered).encode()).isEqualTo(encoded);
  }

  @Test
  void null_or_empty_text_is_the_start() {
    assertThat(SyncCursor.decode(null)).isEqualTo(SyncCursor.START);
    assertThat(SyncCursor.decode("")).isEqualTo(SyncCursor.START);
    assertThat(SyncCursor.decode(SyncCursor.START.encode())).isEqualTo(SyncCursor.START);
    assertThat(SyncCursor.START.positionOf("us-east")).isZero();
  }

  // ---- garbage in: IllegalArgumentException, never anything else --------------------------------------------

  private static String b64(String text) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  private static void assertDecodesOrRejectsCleanly(String text) {
    try {
      SyncCursor cursor = SyncCursor.decode(text);
      assertThat(cursor.positions().values()).allMatch(v -> v >= 0);
    } catch (IllegalArgumentException expected) {
      // the only allowed failure
    } catch (RuntimeException other) {
      fail("decode(" + text + ") threw " + other + " instead of IllegalArgumentException");
    }
  }

  private static void assertRejected(String text) {
    assertThatThrownBy(() -> SyncCursor.decode(text)).as("decode(%s)", text)
        .isExactlyInstanceOf(IllegalArgumentException.class);
  }

  @Property
  void decode_of_random_text_returns_or_throws_illegal_argument(@ForAll String text) {
    assertDecodesOrRejectsCleanly(text);
  }

  @Property
  void decode_of_random_base64_alphabet_text_returns_or_throws_illegal_argument(
      @ForAll("base64ish") String text) {
    assertDecodesOrRejectsCleanly(text);
  }

  @Provide
  Arbitrary<String> base64ish() {
    return Arbitraries.strings()
        .withChars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/")
        .ofMinLength(1).ofMaxLength(40);
  }

  @Property
  void decode_of_base64_non_json_throws_illegal_argument(@ForAll String text) {
    if (text.isEmpty()) {
      assertThat(SyncCursor.decode(b64(text))).isEqualTo(SyncCursor.START); // "" is the start cursor
    } else if (text.indexOf('{') < 0) { // cannot possibly be a JSON object
      assertRejected(b64(text));
    } else {
      assertDecodesOrRejectsCleanly(b64(text));
    }
  }

  @Provide
  Arbitrary<Object> badPositionValues() {
    return Arbitraries.oneOf(
        Arbitraries.longs().between(Long.MIN_VALUE, -1).map(v -> (Object) v),
        Arbitraries.integers().between(Integer.MIN_VALUE, -1).map(v -> (Object) v),
        Arbitraries.strings().ofMaxLength(5).map(v -> (Object) v),
        Arbitraries.of(true, false).map(v -> (Object) v),
        Arbitraries.just(new JsonObject().put("n", 1)),
        Arbitraries.just(new JsonArray().add(1)),
        Arbitraries.doubles().between(-1e18, -1).map(v -> (Object) v));
  }

  @Property
  void decode_of_non_number_or_negative_position_throws_illegal_argument(
      @ForAll("cursors") SyncCursor valid, @ForAll("badPositionValues") Object bad) {
    JsonObject json = new JsonObject();
    valid.positions().forEach(json::put);
    json.put("bad-region", bad);
    assertRejected(b64(json.encode()));
  }

  @Test
  void decode_of_garbage_throws_illegal_argument() {
    for (String text : List.of("!!!!", "A", "ab+/", "not a cursor", "é", b64("null"), b64("[]"), b64("[1,2]"),
        b64("42"), b64("\"x\""), b64("true"), b64(" "), b64("{"), b64("{\"eu\":1"), b64("{\"eu\":1} x"),
        b64("{\"eu\":-1}"), b64("{\"eu\":\"1\"}"), b64("{\"eu\":null}"), b64("{\"eu\":[1]}"), b64("{\"eu\":{}}"),
        b64("{\"eu\":true}"), b64("[".repeat(5_000)), b64("{\"a\":".repeat(5_000)))) {
      assertRejected(text);
    }
  }

  @Test
  void should_reject_fractional_positions() {
    assertRejected(b64("{\"eu\":1.5}"));
    assertRejected(b64("{\"eu\":-0.5}"));
    assertRejected(b64("{\"eu\":1e300}"));
  }

  @Test
  void should_reject_positions_beyond_long_range() {
    assertRejected(b64("{\"eu\":18446744073709551621}"));
    assertRejected(b64("{\"eu\":9223372036854775808}"));
  }

  // ---- advance ---------------------------------------------------------------------------------------------------

  @Property
  void advance_never_goes_backwards(@ForAll("cursors") SyncCursor cursor, @ForAll("messages") Message message) {
    SyncCursor next = cursor.advance(message);
    cursor.positions().forEach((region, pos) -> assertThat(next.positionOf(region)).isGreaterThanOrEqualTo(pos));
    assertThat(next.positionOf(message.sourceRegion()))
        .isEqualTo(Math.max(cursor.positionOf(message.sourceRegion()), message.seq()));
    // only the message's source region can move
    next.positions().forEach((region, pos) -> {
      if (!region.equals(message.sourceRegion())) {
        assertThat(pos).isEqualTo(cursor.positionOf(region));
      }
    });
  }

  @Property
  void advance_with_an_old_message_changes_nothing(@ForAll("messages") Message message,
                                                   @ForAll @LongRange(min = 0, max = 100) long ahead) {
    SyncCursor cursor = new SyncCursor(Map.of(message.sourceRegion(), Math.max(0, message.seq()) + ahead));
    assertThat(cursor.advance(message)).isEqualTo(cursor);
  }

  @Property
  void advancing_over_the_same_messages_in_any_order_gives_the_same_cursor(
      @ForAll("messageLists") List<Message> messages, @ForAll Random random) {
    SyncCursor inOrder = SyncCursor.START;
    for (Message m : messages) {
      inOrder = inOrder.advance(m);
    }
    List<Message> shuffled = new ArrayList<>(messages);
    Collections.shuffle(shuffled, random);
    SyncCursor outOfOrder = SyncCursor.START;
    for (Message m : shuffled) {
      SyncCursor next = outOfOrder.advance(m);
      for (String region : REGIONS) {
        assertThat(next.positionOf(region)).isGreaterThanOrEqualTo(outOfOrder.positionOf(region));
      }
      outOfOrder = next;
    }
    assertThat(outOfOrder).isEqualTo(inOrder);
    assertThat(SyncCursor.decode(outOfOrder.encode())).isEqualTo(inOrder);
  }

  @Provide
  Arbitrary<List<Message>> messageLists() {
    return messages().list().ofMaxSize(30);
  }

  @Test
  void advance_tracks_each_region_separately() {
    SyncCursor cursor = SyncCursor.START
        .advance(message("us-east", 3))
        .advance(message("eu-west", 1))
        .advance(message("us-east", 2));
    assertThat(cursor.positions()).isEqualTo(new TreeMap<>(Map.of("us-east", 3L, "eu-west", 1L)));
  }

  private static Message message(String region, long seq) {
    return new Message("m-" + seq, "c", "alice", "hi", null, 0, seq, region, seq);
  }
}
