package io.lattice;

import com.hazelcast.core.HazelcastInstance;
import io.lattice.config.LatticeConfig;
import io.lattice.gateway.GatewayVerticle;
import io.lattice.message.MessageVerticle;
import io.lattice.model.Addresses;
import io.lattice.model.LamportClock;
import io.lattice.notification.NotificationVerticle;
import io.lattice.presence.PresenceVerticle;
import io.lattice.router.RouterVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;

/**
 * One node of a region: reads the configuration, opens the stores, deploys the five verticles (gateway last, so it
 * takes connections only when everything behind it is up), gates readiness on a real clustered event-bus round trip,
 * then prints the ready line.
 */
public final class RegionVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(RegionVerticle.class);
  private static final long READY_TIMEOUT_MS = 60_000;

  private Stores stores;

  @Override
  public Future<?> start() {
    warmUpJson();
    return LatticeConfig.load(vertx).compose(this::startNode);
  }

  private Future<?> startNode(JsonObject conf) {
    NodeIdentity node = new NodeIdentity(conf.getString("region", "us-east"), conf.getString("node", "n1"));
    Clock clock = Clock.systemUTC();
    LamportClock lamport = new LamportClock();
    HazelcastInstance hazelcast = ((HazelcastClusterManager) ((VertxInternal) vertx).clusterManager())
        .getHazelcastInstance();
    return Stores.open(vertx, conf, hazelcast, clock).compose(opened -> {
      stores = opened;
      return deploy(new NotificationVerticle(opened.push()), conf, node, "notification");
    })
        .compose(v -> deploy(new PresenceVerticle(node, stores.receipts(), stores.presence(), lamport, clock), conf,
            node, "presence"))
        .compose(v -> deploy(new MessageVerticle(node, stores.messages(), stores.conversations(), lamport, clock),
            conf, node, "message"))
        .compose(v -> deploy(new RouterVerticle(node, stores.sessions(), hazelcast), conf, node, "router"))
        .compose(v -> awaitClusterRoundTrip(node))
        .compose(v -> deploy(new GatewayVerticle(node, stores.blobs(), clock), gatewayConf(conf), node, "gateway"))
        .onSuccess(v -> {
          JsonObject gateway = conf.getJsonObject("gateway", new JsonObject());
          String url = "http://" + gateway.getString("host", "127.0.0.1") + ":" + gateway.getInteger("port", 8081);
          System.out.println("Lattice node " + node.nodeId() + " of " + node.region() + " ready on " + url);
        });
  }

  /** The gateway's block plus what the edge must know: auth, media, the region list. */
  private static JsonObject gatewayConf(JsonObject conf) {
    return conf.getJsonObject("gateway", new JsonObject()).copy()
        .put("auth", conf.getJsonObject("auth", new JsonObject()))
        .put("media", conf.getJsonObject("media", new JsonObject()))
        .put("regions", conf.getJsonArray("regions"))
        .put("region", conf.getString("region")).put("node", conf.getString("node"));
  }

  private Future<String> deploy(VerticleBase verticle, JsonObject conf, NodeIdentity node, String block) {
    JsonObject own = block.equals("gateway") ? conf : conf.getJsonObject(block, new JsonObject()).copy()
        .put("region", node.region()).put("node", node.nodeId());
    return vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(own));
  }

  /**
   * After a Hazelcast join the first cross-node requests can time out while partitions migrate: retry a request to
   * this node's own clustered ping address (its registration travels through the cluster's subscription map) until it
   * answers.
   */
  private Future<Void> awaitClusterRoundTrip(NodeIdentity node) {
    String address = Addresses.nodePing(node.nodeId());
    vertx.eventBus().<String>consumer(address, m -> m.reply("pong"));
    Promise<Void> ready = Promise.promise();
    long deadline = System.currentTimeMillis() + READY_TIMEOUT_MS;
    attemptPing(address, deadline, ready);
    return ready.future();
  }

  private void attemptPing(String address, long deadline, Promise<Void> ready) {
    vertx.eventBus().request(address, "ping", new DeliveryOptions().setSendTimeout(2000)).onComplete(ar -> {
      if (ar.succeeded()) {
        ready.complete();
      } else if (System.currentTimeMillis() > deadline) {
        ready.fail("cluster event bus not ready: " + ar.cause());
      } else {
        LOG.info("event bus round trip not ready yet ({}), retrying", ar.cause().getMessage());
        vertx.setTimer(200, id -> attemptPing(address, deadline, ready));
      }
    });
  }

  /** Jackson initialises lazily and once blocked an event loop for seconds on first use: pay that now. */
  private static void warmUpJson() {
    Json.encode(new JsonObject().put("warm", "up").put("n", 1));
    Json.decodeValue("{\"warm\":[1,2,{\"up\":true}]}");
  }

  @Override
  public Future<?> stop() {
    return stores == null ? Future.succeededFuture() : stores.close();
  }
}
