package io.lattice;

import io.lattice.e2e.support.Frames;
import io.lattice.e2e.support.TestClient;
import io.lattice.kafka.EmbeddedKafka;
import io.lattice.store.TestVertx;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client whose region stored and replicated its message but died before acknowledging it sends the message again,
 * same clientMsgId, to another region, which already holds the replicated copy. That send must be acknowledged as
 * the same message. It was refused (the region's publisher does not carry another region's message), and the client
 * retried it forever: FaultScenariosIT saw 3 sends never acknowledged after a region kill.
 */
class RetriedSendAcrossRegionsTest {
  private static Vertx brokers;
  private static EmbeddedKafka usKafka;
  private static EmbeddedKafka euKafka;
  private static InProcessNode us;
  private static InProcessNode eu;

  @BeforeAll
  static void start() throws Exception {
    Path dir = Files.createTempDirectory("lattice-retried-send");
    brokers = Vertx.vertx();
    Future<EmbeddedKafka> usStarted = EmbeddedKafka.start(brokers, dir.resolve("us-east"));
    Future<EmbeddedKafka> euStarted = EmbeddedKafka.start(brokers, dir.resolve("eu-west"));
    usKafka = usStarted.toCompletionStage().toCompletableFuture().get(3, TimeUnit.MINUTES);
    euKafka = euStarted.toCompletionStage().toCompletableFuture().get(3, TimeUnit.MINUTES);
    us = InProcessNode.start(mesh("us-east", usKafka, "eu-west", euKafka), false);
    eu = InProcessNode.start(mesh("eu-west", euKafka, "us-east", usKafka), false);
  }

  private static JsonObject mesh(String region, EmbeddedKafka own, String remote, EmbeddedKafka remoteKafka) {
    return new JsonObject().put("region", region).put("kafka", new JsonObject().put("enabled", true)
        .put("bootstrapServers", own.bootstrapServers()).put("partitions", 2)
        .put("remotes", new JsonArray().add(new JsonObject().put("region", remote)
            .put("bootstrapServers", remoteKafka.bootstrapServers()))));
  }

  @AfterAll
  static void stop() throws Exception {
    for (AutoCloseable node : new AutoCloseable[] {us, eu}) {
      if (node != null) {
        node.close();
      }
    }
    for (EmbeddedKafka broker : new EmbeddedKafka[] {euKafka, usKafka}) {
      if (broker != null) {
        TestVertx.await(broker.stop());
      }
    }
    if (brokers != null) {
      TestVertx.await(brokers.close());
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
