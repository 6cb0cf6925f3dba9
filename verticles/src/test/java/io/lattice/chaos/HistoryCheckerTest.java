package io.lattice.chaos;

import io.lattice.client.ConnectionState;
import io.lattice.model.Ids;
import io.lattice.model.Message;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The checker must catch each kind of broken promise: one history per violation, built by hand. */
class HistoryCheckerTest {
  private static final String C = "d-alice-bob";
  private final AtomicLong clock = new AtomicLong();
  private History history;
  private final Map<String, Map<String, List<Message>>> timelines = new LinkedHashMap<>();

  @BeforeEach
  void setUp() {
    history = new History(() -> clock.get() * 1_000_000);
    history.conversation(C, List.of("alice", "bob"));
  }

  /** alice sends n messages (one at a time), each acked, received by both, delivered receipt seen by alice. */
  private List<Message> cleanRun(int n) {
    List<Message> messages = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String clientMsgId = "c" + i;
      String id = Ids.messageId("alice", clientMsgId);
      clock.addAndGet(10);
      history.sent("alice", C, clientMsgId);
      clock.addAndGet(5);
      history.acked("alice", C, clientMsgId, id, i + 1, 1, clock.get() - 5);
      Message m = new Message(id, C, "alice", "hi " + i, null, 0, i + 1, "us-east", i + 1);
      messages.add(m);
      history.received("alice", m);
      history.received("bob", m);
      history.receipt("alice", id, "bob", i + 1, 0);
    }
    timelines.put("alice", Map.of(C, List.copyOf(messages)));
    timelines.put("bob", Map.of(C, List.copyOf(messages)));
    return messages;
  }

  @Test
  void aCleanRunPasses() {
    cleanRun(5);
    HistoryChecker.Report report = HistoryChecker.check(history, timelines);
    assertThat(report.violations()).isEmpty();
    assertThat(report.acked()).isEqualTo(5);
    assertThat(report.toString()).startsWith("VERDICT: OK");
  }

  @Test
  void anAcknowledgedMessageMissingAtOneParticipantIsLost() {
    List<Message> messages = cleanRun(3);
    timelines.put("bob", Map.of(C, messages.subList(0, 2)));
    HistoryChecker.Report report = HistoryChecker.check(history, timelines);
    assertThat(report.violations()).anyMatch(v -> v.startsWith("lost: " + messages.get(2).messageId()));
    assertThatThrownBy(report::assertClean).isInstanceOf(AssertionError.class).hasMessageContaining("VIOLATION");
  }

  @Test
  void aMessageHandedOverTwiceIsADuplicate() {
    List<Message> messages = cleanRun(2);
    history.received("bob", messages.get(0));
    assertThat(HistoryChecker.check(history, timelines).violations()).anyMatch(v -> v.startsWith("duplicate:"));
  }

  @Test
  void aMessageNoOneSentIsAPhantom() {
    cleanRun(1);
    history.received("bob", new Message("m-ghost", C, "alice", "?", null, 0, 9, "us-east", 9));
    assertThat(HistoryChecker.check(history, timelines).violations()).anyMatch(v -> v.startsWith("phantom:"));
  }

  @Test
  void participantsWithDifferentOrdersDisagree() {
    List<Message> messages = cleanRun(3);
    timelines.put("bob", Map.of(C, List.of(messages.get(1), messages.get(0), messages.get(2))));
    assertThat(HistoryChecker.check(history, timelines).violations())
        .anyMatch(v -> v.startsWith("disagreement") && v.contains("another order"));
  }

  @Test
  void aLaterSendPlacedBeforeAnEarlierOneBreaksSenderOrder() {
    List<Message> messages = cleanRun(3);
    List<Message> swapped = List.of(messages.get(0), messages.get(2), messages.get(1));
    timelines.put("alice", Map.of(C, swapped));
    timelines.put("bob", Map.of(C, swapped));
    assertThat(HistoryChecker.check(history, timelines).violations()).anyMatch(v -> v.startsWith("order:"));
  }

  @Test
  void aReceiptThatNeverReachedDeliveredAtTheSenderIsReported() {
    cleanRun(1);
    String id = Ids.messageId("alice", "late");
    history.sent("alice", C, "late");
    history.acked("alice", C, "late", id, 7, 1, clock.get());
    Message m = new Message(id, C, "alice", "late", null, 0, 7, "us-east", 7);
    history.received("bob", m);
    timelines.put("alice", Map.of(C, List.of(timelines.get("alice").get(C).get(0), m)));
    timelines.put("bob", Map.of(C, List.of(timelines.get("bob").get(C).get(0), m)));
    assertThat(HistoryChecker.check(history, timelines).violations()).containsExactly(
        "receipt: alice never saw bob's delivered for " + id);
  }

  @Test
  void reconnectAndRecoveryTimesAreMeasuredFromTheStates() {
    cleanRun(1);
    history.state("bob", change(ConnectionState.CONNECTED));
    clock.set(1_000);
    history.state("bob", change(ConnectionState.RECONNECTING));
    clock.set(1_200);
    String id = Ids.messageId("alice", "while-away");
    history.sent("alice", C, "while-away");
    history.acked("alice", C, "while-away", id, 5, 1, 1_200);
    clock.set(3_000);
    history.state("bob", change(ConnectionState.CONNECTED));
    clock.set(3_040);
    Message m = new Message(id, C, "alice", "x", null, 0, 5, "eu-west", 1);
    history.received("bob", m);
    HistoryChecker.Report report = HistoryChecker.check(history, timelines);
    assertThat(report.reconnectMs()).containsExactly(2_000L);
    assertThat(report.recoveryMs()).containsExactly(40L);
  }

  private static ConnectionState.Change change(ConnectionState state) {
    return new ConnectionState.Change(state, "us-east", null, 0, 0, "test");
  }
}
