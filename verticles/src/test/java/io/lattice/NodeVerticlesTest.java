package io.lattice;

import io.lattice.e2e.support.Frames;
import io.lattice.e2e.support.TestClient;
import io.lattice.support.BlockedThreadWatch;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The five verticles of one node wired as in production, in this JVM, on a Vert.x whose blocked-thread checker
 * fires after 200 ms: the message path works and nothing on it blocks an event loop.
 */
class NodeVerticlesTest {
  private static BlockedThreadWatch blocked;
  private static InProcessNode node;

  @BeforeAll
  static void start() throws Exception {
    node = InProcessNode.start(new JsonObject());
    // Classes load lazily (hundreds of ms on a cold, shared machine): warm the message path up once, then watch.
    String warm = TestClient.uniqueUser("warm");
    try (TestClient a = TestClient.connect(node.httpUrl(), node.wsUrl(), warm)) {
      String conversation = a.createDirect(TestClient.uniqueUser("peer"));
      a.await(Frames.message(a.sendAndAwaitAck(conversation, "warm up").getString("messageId")));
    }
    blocked = BlockedThreadWatch.install();
  }

  @AfterAll
  static void stop() {
    try {
      node.close();
    } finally {
      blocked.uninstall();
    }
    assertThat(blocked.warnings()).as("blocked-thread warnings").isEmpty();
  }

  private TestClient connect(String user) {
    return TestClient.connect(node.httpUrl(), node.wsUrl(), user);
  }

  @Test
  void should_ack_once_durable_and_deliver_to_every_device_of_every_participant() {
    String alice = TestClient.uniqueUser("alice");
    String bob = TestClient.uniqueUser("bob");
    try (TestClient alicePhone = connect(alice); TestClient aliceLaptop = connect(alice); TestClient bobPhone =
        connect(bob)) {
      String conversation = alicePhone.createDirect(bob);
      JsonObject ack = alicePhone.sendAndAwaitAck(conversation, "hello bob");
      String messageId = ack.getString("messageId");

      for (TestClient device : List.of(bobPhone, aliceLaptop, alicePhone)) {
        JsonObject frame = device.await(Frames.message(messageId));
        assertThat(frame.getJsonObject("message").getString("content")).isEqualTo("hello bob");
        assertThat(frame.getJsonObject("message").getLong("lamport")).isEqualTo(ack.getLong("lamport"));
      }
      assertThat(node.stores.messages().get(messageId).toCompletionStage().toCompletableFuture().join())
          .isPresent();
    }
  }

  @Test
  void should_answer_bad_frames_with_stable_codes_and_keep_the_socket() {
    String alice = TestClient.uniqueUser("alice");
    try (TestClient client = connect(alice)) {
      client.sendText("not json");
      client.await(Frames.error("bad_json"));
      client.sendText("{\"type\":\"teleport\"}");
      client.await(Frames.error("unknown_type"));
      client.sendText("{\"type\":\"send\",\"conversationId\":\"x\",\"content\":\"hi\"}");
      client.await(Frames.error("missing_field"));
      client.sendText("{\"type\":\"sync\",\"conversationId\":\"x\",\"cursor\":\"%%%\"}");
      client.await(Frames.error("bad_field"));
      assertThat(client.pingPong().getString("type")).isEqualTo("pong");
    }
  }

  @Test
  void should_merge_receipts_so_the_sender_sees_them_and_they_never_go_back() {
    String alice = TestClient.uniqueUser("alice");
    String bob = TestClient.uniqueUser("bob");
    try (TestClient aliceClient = connect(alice); TestClient bobClient = connect(bob)) {
      String conversation = aliceClient.createDirect(bob);
      String messageId = aliceClient.sendAndAwaitAck(conversation, "read me").getString("messageId");
      bobClient.await(Frames.message(messageId));

      bobClient.receipt(conversation, "read", messageId);
      JsonObject read = aliceClient.await(Frames.receipt(messageId).and(Frames.of("read", f -> f.getLong("readAt") > 0)));
      bobClient.receipt(conversation, "delivered", messageId);
      JsonObject later = aliceClient.await(Frames.receipt(messageId).and(Frames.of("delivered", f -> f.getLong("deliveredAt") > 0)));
      assertThat(later.getLong("readAt")).isEqualTo(read.getLong("readAt"));
      assertThat(later.getLong("sentAt")).isGreaterThan(0);
    }
  }
}
