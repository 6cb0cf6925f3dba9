package io.lattice;

import io.lattice.kafka.EmbeddedKafka;
import io.lattice.store.TestVertx;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Two regions in this JVM, us-east and eu-west, each a node with its own embedded Kafka broker, replicating to each
 * other (no WAN delay): the smallest mesh for tests of cross-region behaviour that need no separate processes.
 */
final class TwoRegions implements AutoCloseable {
  final InProcessNode us;
  final InProcessNode eu;
  private final Vertx brokers;
  private final EmbeddedKafka usKafka;
  private final EmbeddedKafka euKafka;

  private TwoRegions(Vertx brokers, EmbeddedKafka usKafka, EmbeddedKafka euKafka, InProcessNode us,
                     InProcessNode eu) {
    this.brokers = brokers;
    this.usKafka = usKafka;
    this.euKafka = euKafka;
    this.us = us;
    this.eu = eu;
  }

  /** @param usOverrides merged into us-east's conf (e.g. a gateway limit); {@code metrics}: Prometheus on both */
  static TwoRegions start(String name, JsonObject usOverrides, boolean metrics) throws Exception {
    Path dir = Files.createTempDirectory("lattice-" + name);
    Vertx brokers = Vertx.vertx();
    Future<EmbeddedKafka> usStarted = EmbeddedKafka.start(brokers, dir.resolve("us-east"));
    Future<EmbeddedKafka> euStarted = EmbeddedKafka.start(brokers, dir.resolve("eu-west"));
    // Brokers take seconds to start, minutes on a loaded machine: a longer wait than TestVertx's.
    EmbeddedKafka usKafka = usStarted.toCompletionStage().toCompletableFuture().get(3, TimeUnit.MINUTES);
    EmbeddedKafka euKafka = euStarted.toCompletionStage().toCompletableFuture().get(3, TimeUnit.MINUTES);
    InProcessNode us = InProcessNode.start(mesh("us-east", usKafka, "eu-west", euKafka).mergeIn(usOverrides, true),
        metrics);
    InProcessNode eu = InProcessNode.start(mesh("eu-west", euKafka, "us-east", usKafka), metrics);
    return new TwoRegions(brokers, usKafka, euKafka, us, eu);
  }

  private static JsonObject mesh(String region, EmbeddedKafka own, String remote, EmbeddedKafka remoteKafka) {
    return new JsonObject().put("region", region).put("kafka", new JsonObject().put("enabled", true)
        .put("bootstrapServers", own.bootstrapServers()).put("partitions", 2)
        .put("remotes", new JsonArray().add(new JsonObject().put("region", remote)
            .put("bootstrapServers", remoteKafka.bootstrapServers()))));
  }

  @Override
  public void close() {
    for (AutoCloseable node : new AutoCloseable[] {us, eu}) {
      try {
        node.close();
      } catch (Exception ignored) {
        // the other one still closes
      }
    }
    TestVertx.await(euKafka.stop());
    TestVertx.await(usKafka.stop());
    TestVertx.await(brokers.close());
  }
}
