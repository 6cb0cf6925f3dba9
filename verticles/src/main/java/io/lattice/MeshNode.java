package io.lattice;

import io.lattice.bridge.ReplicationRecords;
import io.lattice.kafka.EmbeddedKafka;
import io.lattice.kafka.KafkaTopics;
import io.lattice.model.Addresses;
import io.lattice.wan.WanLink;
import io.lattice.wan.WanLinks;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The Kafka side of a node, started before its verticles: on the node that owns them (conf {@code node}, default
 * {@code n1}), the region's embedded broker and the simulated WAN links; on every node, the topics (created if
 * missing). The {@code kafka} and {@code wan} blocks are documented in {@code conf/README.md}.
 *
 * <p>The embedded broker gets, besides its own listener, one listener per consuming region that advertises that
 * region's WAN link address, so a remote client that bootstraps through the link keeps talking through it (see
 * {@code io.lattice.wan}).
 */
final class MeshNode {
  private static final Logger LOG = LoggerFactory.getLogger(MeshNode.class);

  private final EmbeddedKafka broker;
  private final WanLinks links;
  private final MessageConsumer<JsonObject> control;

  private MeshNode(EmbeddedKafka broker, WanLinks links, MessageConsumer<JsonObject> control) {
    this.broker = broker;
    this.links = links;
    this.control = control;
  }

  static boolean enabled(JsonObject conf) {
    return conf.getJsonObject("kafka", new JsonObject()).getBoolean("enabled", false);
  }

  static Future<MeshNode> start(Vertx vertx, JsonObject conf, NodeIdentity node) {
    if (!enabled(conf)) {
      return Future.succeededFuture(new MeshNode(null, null, null));
    }
    JsonObject kafka = conf.getJsonObject("kafka");
    JsonObject embedded = kafka.getJsonObject("embedded");
    Future<EmbeddedKafka> broker = Future.succeededFuture();
    if (embedded != null && node.nodeId().equals(embedded.getString("node", "n1"))) {
      Path dir = Path.of(embedded.getString("dir", "data/" + node.region() + "/kafka"));
      broker = EmbeddedKafka.start(vertx, dir, embedded.getInteger("port", 0),
          embedded.getInteger("controllerPort", 0), io.lattice.kafka.RegionListeners.overrides(embedded));
    }
    return broker.compose(started -> {
      String bootstrap = started != null && kafka.getString("bootstrapServers") == null
          ? started.bootstrapServers() : kafka.getString("bootstrapServers");
      short rf = kafka.getInteger("replicationFactor", 1).shortValue();
      List<KafkaTopics.Spec> specs = new ArrayList<>(ReplicationRecords.topicSpecs(kafka.getInteger("partitions", 8),
          rf));
      specs.add(new KafkaTopics.Spec(io.lattice.model.Topics.CROSS_REGION_SYNC, kafka.getInteger("partitions", 8), rf,
          Map.of("retention.ms", Long.toString(Duration.ofDays(1).toMillis()))));
      Map<String, Object> admin = new LinkedHashMap<>();
      kafka.getJsonObject("producer", new JsonObject()).forEach(e -> admin.put(e.getKey(), e.getValue()));
      admin.put("bootstrap.servers", bootstrap);
      return KafkaTopics.ensure(vertx, admin, specs).map(created -> started);
    }).compose(started -> startLinks(vertx, conf, node).map(links -> {
      MessageConsumer<JsonObject> control = links == null ? null
          : vertx.eventBus().consumer(Addresses.WAN_CONTROL, m -> m.reply(control(links, m.body())));
      return new MeshNode(started, links, control);
    }));
  }

  private static Future<WanLinks> startLinks(Vertx vertx, JsonObject conf, NodeIdentity node) {
    JsonObject wan = conf.getJsonObject("wan");
    if (wan == null || !node.nodeId().equals(wan.getString("node", "n1"))) {
      return Future.succeededFuture();
    }
    WanLinks links = WanLinks.fromJson(vertx, wan);
    return links.start().map(v -> {
      links.all().forEach(l -> LOG.info("WAN link {}", l));
      return links;
    });
  }

  /** {@code {"op":"status"|"cut"|"restore"|"delay","link"?,"oneWayDelayMs"?}}; replies the links' status. */
  private static JsonObject control(WanLinks links, JsonObject request) {
    String op = request.getString("op", "status");
    String name = request.getString("link");
    try {
      List<WanLink> targets = name == null || name.equals("*") ? links.all() : List.of(links.get(name));
      for (WanLink link : targets) {
        switch (op) {
          case "cut" -> link.cut();
          case "restore" -> link.restore();
          case "delay" -> link.setDelay(Duration.ofMillis(request.getLong("oneWayDelayMs", 0L)));
          case "status" -> { }
          default -> {
            return new JsonObject().put("error", "unknown op " + op);
          }
        }
      }
    } catch (NoSuchElementException e) {
      return new JsonObject().put("error", e.getMessage());
    }
    JsonArray status = new JsonArray();
    for (WanLink link : links.all()) {
      WanLink.Stats s = link.stats();
      status.add(new JsonObject().put("link", link.name()).put("port", link.port()).put("target", link.target())
          .put("oneWayDelayMs", link.delay().toMillis()).put("cut", link.isCut())
          .put("activeConnections", s.active()).put("bytesToTarget", s.bytesToTarget())
          .put("bytesFromTarget", s.bytesFromTarget()).put("latenessMeanMicros", s.latenessMeanNanos() / 1000)
          .put("latenessMaxMicros", s.latenessMaxNanos() / 1000));
    }
    return new JsonObject().put("links", status);
  }

  Future<Void> close() {
    List<Future<Void>> steps = new ArrayList<>();
    if (control != null) {
      steps.add(control.unregister());
    }
    if (links != null) {
      steps.add(links.stop());
    }
    return Future.join(steps).compose(v -> broker == null ? Future.succeededFuture() : broker.stop()).mapEmpty();
  }
}
