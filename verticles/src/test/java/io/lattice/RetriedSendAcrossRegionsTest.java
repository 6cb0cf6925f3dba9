package io.lattice;

import io.lattice.e2e.support.Frames;
import io.lattice.e2e.support.TestClient;
import io.lattice.store.TestVertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;


import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client whose region stored and replicated its message but died before acknowledging it sends the message again,
 * same clientMsgId, to another region, which already holds the replicated copy. That send must be acknowledged as
 * the same message. It was refused (the region's publisher does not carry another region's message), and the client
 * retried it forever: FaultScenariosIT saw 3 sends never acknowledged after a region kill.
 */
class RetriedSendAcrossRegionsTest {
  private static TwoRegions mesh;
  private static InProcessNode us;
  private static InProcessNode eu;

  @BeforeAll
  static void start() throws Exception {
    mesh = TwoRegions.start("retried-send", new JsonObject(), false);
    us = mesh.us;
    eu = mesh.eu;
  }

  @AfterAll
  static void stop() {
    if (mesh != null) {
      mesh.close();
    }
  }

  @Test
  void a_send_retried_in_another_region_that_holds_the_replicated_copy_is_acknowledged_as_the_same_message() {
    String alice = TestClient.uniqueUser("alice");
    String bob = TestClient.uniqueUser("bob");
    String clientMsgId = TestClient.newClientMsgId();
    JsonObject firstAck;
    try (TestClient inUs = TestClient.connect(us.httpUrl(), us.wsUrl(), alice)) {
      String conversation = inUs.createDirect(bob);
      firstAck = inUs.sendAndAwaitAck(conversation, clientMsgId, "sent once, acknowledged never (as far as I know)");
      firstAck.put("conversationId", conversation);
    }
    String messageId = firstAck.getString("messageId");
    TestVertx.eventually("eu-west holds the replicated message",
        () -> TestVertx.await(eu.stores.messages().get(messageId)).isPresent());

    try (TestClient inEu = TestClient.connect(eu.httpUrl(), eu.wsUrl(), alice)) {
      inEu.sendMessage(firstAck.getString("conversationId"), clientMsgId,
          "sent once, acknowledged never (as far as I know)");
      JsonObject outcome = inEu.await(Frames.outcome(clientMsgId));
      assertThat(outcome.getString("type")).as("answer to the retried send: %s", outcome).isEqualTo("ack");
      assertThat(outcome.getString("messageId")).isEqualTo(messageId);
    }
  }
}
