package io.lattice.client;

import io.lattice.model.Message;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class TimelineTest {

  private static Message message(String id, long lamport, String region) {
    return new Message(id, "c1", "alice", "x", null, 0, lamport, region, 1);
  }

  @Test
  void duplicatesAreRefused() {
    Timeline timeline = new Timeline("c1", null);
    assertThat(timeline.offer(message("m1", 1, "us-east"))).isZero();
    assertThat(timeline.offer(message("m1", 1, "us-east"))).isEqualTo(-1);
    assertThat(timeline.size()).isEqualTo(1);
  }

  /** Whatever the arrival order (live from three regions, resyncs, duplicates), the result is canonical. */
  @Test
  void anyArrivalOrderEndsInCanonicalOrder() {
    List<Message> canonical = new ArrayList<>();
    String[] regions = {"ap-northeast", "eu-west", "us-east"};
    for (int lamport = 1; lamport <= 30; lamport++) {
      for (String region : regions) {
        canonical.add(message("m-" + lamport + "-" + region, lamport, region));
      }
    }
    Random random = new Random(42);
    for (int round = 0; round < 20; round++) {
      List<Message> arrivals = new ArrayList<>(canonical);
      arrivals.addAll(canonical.subList(0, 20)); // a resync brings some again
      Collections.shuffle(arrivals, random);
      Timeline timeline = new Timeline("c1", null);
      int accepted = 0;
      for (Message m : arrivals) {
        if (timeline.offer(m) >= 0) {
          accepted++;
        }
      }
      assertThat(accepted).isEqualTo(canonical.size());
      assertThat(timeline.messages()).isEqualTo(canonical);
    }
  }

  /** One messageId under two positions (a resend elsewhere while its region was down): the smaller one wins. */
  @Test
  void aSecondPositionOfTheSameMessageSettlesOnTheSmallerOne() {
    Timeline timeline = new Timeline("c1", null);
    timeline.offer(message("a", 5, "us-east"));
    timeline.offer(message("x", 9, "us-east"));
    timeline.offer(message("b", 12, "eu-west"));
    assertThat(timeline.offer(message("x", 14, "eu-west"))).as("not new").isEqualTo(-1);
    assertThat(timeline.messages()).extracting(Message::lamport).containsExactly(5L, 9L, 12L);
    assertThat(timeline.offer(message("x", 3, "ap-northeast"))).isEqualTo(-1);
    assertThat(timeline.messages()).extracting(Message::messageId).containsExactly("x", "a", "b");
    assertThat(timeline.messages().get(0).sourceRegion()).isEqualTo("ap-northeast");
    assertThat(timeline.size()).isEqualTo(3);
  }

  @Test
  void cursorNeverMovesBackwards() {
    io.lattice.model.SyncCursor later = new io.lattice.model.SyncCursor(java.util.Map.of("us-east", 9L));
    Timeline timeline = new Timeline("c1", later.encode());
    timeline.cursor(null);
    assertThat(timeline.cursor()).isEqualTo(later.encode());
    timeline.cursor(new io.lattice.model.SyncCursor(java.util.Map.of("us-east", 4L, "eu-west", 2L)).encode());
    assertThat(io.lattice.model.SyncCursor.decode(timeline.cursor()).positions())
        .isEqualTo(java.util.Map.of("us-east", 9L, "eu-west", 2L));
  }

  private static Message slot(String id, String region, long seq) {
    return new Message(id, "c1", "alice", "x", null, 0, seq * 10, region, seq);
  }

  @Test
  void aLiveMessagePastAHoleIsAGapUntilTheHoleFills() {
    Timeline timeline = new Timeline("c1", null);
    timeline.offer(slot("a1", "eu-west", 1));
    timeline.offer(slot("a2", "eu-west", 2));
    assertThat(timeline.hasGap()).isFalse();
    assertThat(io.lattice.model.SyncCursor.decode(timeline.cursor()).positionOf("eu-west")).isEqualTo(2);

    timeline.offer(slot("a5", "eu-west", 5));
    assertThat(timeline.hasGap()).as("3 and 4 were missed").isTrue();
    timeline.offer(slot("a3", "eu-west", 3));
    assertThat(timeline.hasGap()).isTrue();
    timeline.offer(slot("a4", "eu-west", 4));

    assertThat(timeline.hasGap()).isFalse();
    assertThat(io.lattice.model.SyncCursor.decode(timeline.cursor()).positionOf("eu-west")).isEqualTo(5);
  }

  @Test
  void theCursorStartsFromTheGivenOneAndAPageCursorClosesAHole() {
    String start = new io.lattice.model.SyncCursor(java.util.Map.of("us-east", 7L)).encode();
    Timeline timeline = new Timeline("c1", start);
    timeline.offer(slot("b8", "us-east", 8));
    assertThat(timeline.hasGap()).isFalse();
    timeline.offer(slot("b10", "us-east", 10));
    assertThat(timeline.hasGap()).isTrue();

    // A page that (with what the request cursor covered) covers 1..9: the hole is closed, 10 absorbed.
    timeline.cursor(new io.lattice.model.SyncCursor(java.util.Map.of("us-east", 9L)).encode());

    assertThat(timeline.hasGap()).isFalse();
    assertThat(io.lattice.model.SyncCursor.decode(timeline.cursor()).positionOf("us-east")).isEqualTo(10);
  }

  @Test
  void aSecondVersionOfAKnownMessageStillFillsItsSlot() {
    Timeline timeline = new Timeline("c1", null);
    timeline.offer(slot("x", "us-east", 1));
    timeline.offer(slot("y", "eu-west", 2));
    assertThat(timeline.hasGap()).isTrue();

    assertThat(timeline.offer(new Message("x", "c1", "alice", "x", null, 0, 99, "eu-west", 1))).isEqualTo(-1);

    assertThat(timeline.hasGap()).isFalse();
    assertThat(timeline.size()).isEqualTo(2);
  }
}
