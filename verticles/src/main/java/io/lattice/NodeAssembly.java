package io.lattice;

import com.hazelcast.core.HazelcastInstance;
import io.lattice.bridge.BridgeVerticle;
import io.lattice.bridge.DeliveryClaims;
import io.lattice.bridge.ReplicationVerticle;
import io.lattice.gateway.GatewayVerticle;
import io.lattice.message.MessageVerticle;
import io.lattice.metrics.EventLoopDelayVerticle;
import io.lattice.model.LamportClock;
import io.lattice.notification.NotificationVerticle;
import io.lattice.presence.PresenceVerticle;
import io.lattice.router.RouterVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How a node's verticles are wired: which stores each one owns and which conf block it reads. Used by
 * {@link RegionVerticle} and by tests that run a whole node in one JVM.
 */
final class NodeAssembly {
  private NodeAssembly() {
  }

  /** The event-loop probe, then notification, presence, message and router verticles: everything behind the gateway. */
  static Future<LamportClock> deployBackend(Vertx vertx, JsonObject conf, NodeIdentity node, Stores stores,
                                            HazelcastInstance hazelcast, Clock clock) {
    LamportClock lamport = new LamportClock();
    return deploy(vertx, new EventLoopDelayVerticle(node.region(), node.nodeId()), new JsonObject())
        .compose(v -> deploy(vertx, new NotificationVerticle(stores.push(), stores.devices()),
            block(conf, node, "notification")))
        .compose(v -> deploy(vertx, new PresenceVerticle(node, stores.receipts(), stores.presence(), lamport, clock),
            block(conf, node, "presence")))
        .compose(v -> deploy(vertx, new MessageVerticle(node, stores.messages(), stores.conversations(), lamport,
            clock), block(conf, node, "message")))
        .compose(v -> deploy(vertx, new RouterVerticle(node, stores.sessions(), hazelcast, clock),
            block(conf, node, "router").put("mesh", MeshNode.enabled(conf))))
        .compose(v -> deploy(vertx, new ReplicationVerticle(node.region(), clock), replicationConf(conf)))
        .compose(v -> deployBridge(vertx, conf, node, stores, hazelcast, lamport, clock))
        .map(lamport);
  }

  /** The bridge pulls from every remote region's cluster and reads live traffic pushed into this region's own. */
  private static Future<String> deployBridge(Vertx vertx, JsonObject conf, NodeIdentity node, Stores stores,
                                             HazelcastInstance hazelcast,
                                             LamportClock lamport, Clock clock) {
    if (!MeshNode.enabled(conf)) {
      return Future.succeededFuture("");
    }
    JsonObject kafka = conf.getJsonObject("kafka");
    List<BridgeVerticle.RemoteRegion> remotes = new ArrayList<>();
    for (Object r : kafka.getJsonArray("remotes", new JsonArray())) {
      JsonObject remote = (JsonObject) r;
      remotes.add(new BridgeVerticle.RemoteRegion(remote.getString("region"), remote.getString("bootstrapServers")));
    }
    JsonObject bridgeConf = conf.getJsonObject("bridge", new JsonObject()).copy()
        .put("consumer", kafka.getJsonObject("consumer", new JsonObject())).put("node", node.nodeId());
    return deploy(vertx, new BridgeVerticle(node.region(), kafka.getString("bootstrapServers"), remotes,
        stores.messages(), stores.conversations(), stores.receipts(), stores.presence(), lamport,
        DeliveryClaims.hazelcast(vertx, hazelcast, Duration.ofHours(1)), clock), bridgeConf);
  }

  static JsonObject replicationConf(JsonObject conf) {
    JsonObject kafka = conf.getJsonObject("kafka", new JsonObject());
    return new JsonObject().put("enabled", MeshNode.enabled(conf))
        .put("bootstrapServers", kafka.getString("bootstrapServers"))
        .put("producer", kafka.getJsonObject("producer", new JsonObject()))
        .put("live", kafka.getJsonObject("live", new JsonObject()))
        .put("remotes", kafka.getJsonArray("remotes", new JsonArray()));
  }

  static Future<String> deployGateway(Vertx vertx, JsonObject conf, NodeIdentity node, Stores stores, Clock clock) {
    return deploy(vertx, new GatewayVerticle(node, stores.blobs(), stores.rateLimiter(), clock), gatewayConf(conf));
  }

  /** The gateway's block plus what the edge must know: auth, media, the region list. */
  static JsonObject gatewayConf(JsonObject conf) {
    return conf.getJsonObject("gateway", new JsonObject()).copy()
        .put("auth", conf.getJsonObject("auth", new JsonObject()))
        .put("media", conf.getJsonObject("media", new JsonObject()))
        .put("regions", conf.getJsonArray("regions"))
        .put("wanAdmin", conf.getJsonObject("wan", new JsonObject()).getBoolean("admin", false))
        .put("region", conf.getString("region")).put("node", conf.getString("node"));
  }

  private static JsonObject block(JsonObject conf, NodeIdentity node, String name) {
    return conf.getJsonObject(name, new JsonObject()).copy().put("region", node.region()).put("node", node.nodeId());
  }

  private static Future<String> deploy(Vertx vertx, VerticleBase verticle, JsonObject conf) {
    return vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(conf));
  }
}
