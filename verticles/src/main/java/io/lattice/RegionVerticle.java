package io.lattice;

import com.hazelcast.core.HazelcastInstance;
import io.lattice.config.LatticeConfig;
import io.lattice.model.Addresses;
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
  private MeshNode mesh;

  @Override
  public Future<?> start() {
    warmUpJson();
    return LatticeConfig.load(vertx).compose(this::startNode);
  }

  private Future<?> startNode(JsonObject conf) {
    HazelcastInstance hazelcast = ((HazelcastClusterManager) ((VertxInternal) vertx).clusterManager())
        .getHazelcastInstance();
    NodeIdentity node = NodeIdentity.of(conf);
    return Stores.open(vertx, conf, hazelcast, Clock.systemUTC())
        .compose(opened -> {
          stores = opened;
          return MeshNode.start(vertx, conf, node);
        })
        .compose(started -> {
          mesh = started;
          return NodeAssembly.deployBackend(vertx, conf, node, stores, hazelcast, Clock.systemUTC());
        })
        .compose(lamport -> awaitClusterRoundTrip(node))
        .compose(v -> NodeAssembly.deployGateway(vertx, conf, node, stores, Clock.systemUTC()))
        .onSuccess(v -> {
          JsonObject gateway = conf.getJsonObject("gateway", new JsonObject());
          String url = "http://" + gateway.getString("host", "127.0.0.1") + ":" + gateway.getInteger("port", 8081);
          System.out.println("Lattice node " + node.nodeId() + " of " + node.region() + " ready on " + url);
        });
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
    Future<Void> meshClosed = mesh == null ? Future.succeededFuture() : mesh.close();
    return meshClosed.transform(v -> stores == null ? Future.succeededFuture() : stores.close());
  }
}
