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
  void cursorOnlyMovesToAGivenValue() {
    Timeline timeline = new Timeline("c1", "abc");
    timeline.cursor(null);
    assertThat(timeline.cursor()).isEqualTo("abc");
    timeline.cursor("def");
    assertThat(timeline.cursor()).isEqualTo("def");
  }
}
