package io.lattice.model;

import io.lattice.model.CanonicalOrder.Position;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

class CanonicalOrderTest {

  // ---- arbitraries -------------------------------------------------------------------------------------------

  /** Few distinct values per component so that ties on lamport, and on (lamport, region), are common. */
  @Provide
  Arbitrary<Position> positions() {
    return Combinators.combine(
        Arbitraries.longs().between(0, 4),
        Arbitraries.of("us-east", "eu-west", "ap-south"),
        Arbitraries.of("m-1", "m-2", "m:3", "m-10", "")
    ).as(Position::new);
  }

  /**
   * Any lamport, any message id (':' included), and region names as configured (no ':'). A region containing ':'
   * would not round-trip: the encoding splits on the first two colons.
   */
  @Provide
  Arbitrary<Position> encodablePositions() {
    return Combinators.combine(
        Arbitraries.longs(),
        Arbitraries.strings().withCharRange('a', 'z').withChars("-_0123456789").ofMaxLength(12),
        Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(40), Arbitraries.strings().withChars("m-:1").ofMaxLength(8))
    ).as(Position::new);
  }

  // ---- total order -----------------------------------------------------------------------------------------

  @Property
  void order_is_consistent_with_equals(@ForAll("positions") Position a, @ForAll("positions") Position b) {
    assertThat(a.compareTo(b) == 0).isEqualTo(a.equals(b));
    assertThat(CanonicalOrder.COMPARATOR.compare(a, b)).isEqualTo(a.compareTo(b));
  }

  @Property
  void order_is_antisymmetric(@ForAll("positions") Position a, @ForAll("positions") Position b) {
    assertThat(Integer.signum(a.compareTo(b))).isEqualTo(-Integer.signum(b.compareTo(a)));
  }

  @Property
  void order_is_transitive(@ForAll("positions") Position a, @ForAll("positions") Position b,
                           @ForAll("positions") Position c) {
    if (a.compareTo(b) <= 0 && b.compareTo(c) <= 0) {
      assertThat(a.compareTo(c)).isLessThanOrEqualTo(0);
    }
  }

  @Property
  void compares_lamport_first_then_region_then_message_id(@ForAll("positions") Position a,
                                                          @ForAll("positions") Position b) {
    int expected;
    if (a.lamport() != b.lamport()) {
      expected = Long.compare(a.lamport(), b.lamport());
    } else if (!a.sourceRegion().equals(b.sourceRegion())) {
      expected = a.sourceRegion().compareTo(b.sourceRegion());
    } else {
      expected = a.messageId().compareTo(b.messageId());
    }
    assertThat(Integer.signum(a.compareTo(b))).isEqualTo(Integer.signum(expected));
  }

  @Test
  void lamport_beats_region_and_region_beats_message_id() {
    Position early = new Position(1, "zz-last-region", "m-z");
    Position lateUs = new Position(2, "us-east", "m-a");
    Position lateEu = new Position(2, "eu-west", "m-z");
    Position lateEuA = new Position(2, "eu-west", "m-a");
    List<Position> sorted = new ArrayList<>(List.of(lateUs, lateEu, early, lateEuA));
    Collections.sort(sorted);
    assertThat(sorted).containsExactly(early, lateEuA, lateEu, lateUs);
  }

  @Test
  void negative_and_huge_lamports_compare_numerically_not_textually() {
    assertThat(new Position(9, "a", "m").compareTo(new Position(10, "a", "m"))).isNegative();
    assertThat(new Position(-1, "a", "m").compareTo(new Position(0, "a", "m"))).isNegative();
    assertThat(new Position(Long.MAX_VALUE, "a", "m").compareTo(new Position(Long.MIN_VALUE, "a", "m"))).isPositive();
  }

  @Property
  void every_region_sorts_the_same_messages_into_the_same_order(@ForAll("positionLists") List<Position> positions,
                                                                @ForAll Random random) {
    List<Message> messages = new ArrayList<>();
    for (Position p : positions) {
      messages.add(new Message(p.messageId(), "c", "alice", "x", null, 0, p.lamport(), p.sourceRegion(), 1));
    }
    List<Message> here = new ArrayList<>(messages);
    List<Message> there = new ArrayList<>(messages);
    Collections.shuffle(here, random);
    Collections.shuffle(there, random);
    here.sort(CanonicalOrder.MESSAGES);
    there.sort(CanonicalOrder.MESSAGES);
    assertThat(here).isEqualTo(there);
    for (int i = 1; i < here.size(); i++) {
      assertThat(here.get(i - 1).position()).isLessThanOrEqualTo(here.get(i).position());
    }
  }

  @Provide
  Arbitrary<List<Position>> positionLists() {
    return positions().list().ofMaxSize(30);
  }

  @Test
  void message_position_is_lamport_region_id() {
    Message m = new Message("m-1", "c", "alice", "hi", null, 123, 7, "us-east", 3);
    assertThat(m.position()).isEqualTo(new Position(7, "us-east", "m-1"));
  }

  // ---- encode / decode ---------------------------------------------------------------------------------------

  @Property
  void position_encode_decode_round_trip(@ForAll("encodablePositions") Position p) {
    assertThat(Position.decode(p.encode())).isEqualTo(p);
  }

  @Test
  void message_ids_containing_colons_round_trip() {
    Position p = new Position(42, "us-east", "m:with:colons:");
    assertThat(Position.decode(p.encode())).isEqualTo(p);
    Position empty = new Position(0, "", "");
    assertThat(Position.decode(empty.encode())).isEqualTo(empty);
  }

  @Test
  void should_reject_malformed_positions() {
    for (String text : List.of("", "1", "1:us-east", "x:us-east:m-1", ":us-east:m-1", "1.5:r:m",
        "99999999999999999999:r:m")) {
      assertThatThrownBy(() -> Position.decode(text)).as("decode(%s)", text)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Property
  void decode_of_random_text_returns_or_throws_illegal_argument(@ForAll String text) {
    try {
      Position.decode(text);
    } catch (IllegalArgumentException expected) {
      // includes NumberFormatException
    } catch (RuntimeException other) {
      fail("decode(" + text + ") threw " + other);
    }
  }
}
