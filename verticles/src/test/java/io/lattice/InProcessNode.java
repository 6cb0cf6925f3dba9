package io.lattice;

import com.hazelcast.core.HazelcastInstance;
import io.lattice.store.TestVertx;
import io.lattice.store.embedded.EmbeddedHazelcast;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * A whole region node in the test JVM: the five verticles on a Vert.x with a tightened blocked-thread checker, the
 * embedded stores in a temp dir, a single-member Hazelcast. For verticle tests that need the real message path but
 * not separate processes (the e2e tests start the fat jar for that).
 */
final class InProcessNode implements AutoCloseable {
  final Vertx vertx;
  final HazelcastInstance hazelcast;
  final Stores stores;
  final int port;
  final Path dir;
  final String gatewayDeployment;
  private final MeshNode mesh;

  private InProcessNode(Vertx vertx, HazelcastInstance hazelcast, Stores stores, int port, Path dir,
                        String gatewayDeployment, MeshNode mesh) {
    this.mesh = mesh;
    this.vertx = vertx;
    this.hazelcast = hazelcast;
    this.stores = stores;
    this.port = port;
    this.dir = dir;
    this.gatewayDeployment = gatewayDeployment;
  }

  static InProcessNode start(JsonObject overrides) throws IOException {
    return start(overrides, false);
  }

  /**
   * @param overrides merged into the demo conf of us-east (one region on its own, no Kafka, no WAN unless given)
   * @param metrics   Prometheus metrics on, as {@link LatticeApplication} enables them (the registry is the JVM's
   *                  default one, shared by every node of the test with metrics on)
   */
  static InProcessNode start(JsonObject overrides, boolean metrics) throws IOException {
    Path dir = Files.createTempDirectory("lattice-node");
    int port = freePort();
    JsonObject conf = new JsonObject(Files.readString(Path.of(System.getProperty("lattice.root", ".."),
        "conf/demo/us-east.json")));
    conf.getJsonObject("gateway").put("port", port).put("host", "127.0.0.1");
    conf.put("storage", new JsonObject().put("dir", dir.toString()));
    conf.getJsonObject("media").put("dir", dir.resolve("media").toString());
    // One region on its own: no Kafka (the demo conf's broker ports belong to ./lattice demo).
    conf.put("kafka", new JsonObject().put("enabled", false));
    conf.remove("wan");
    conf.mergeIn(overrides, true);
    VertxOptions options = new VertxOptions().setEventLoopPoolSize(2)
        .setMaxEventLoopExecuteTime(200).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
        .setBlockedThreadCheckInterval(100).setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS)
        .setWarningExceptionTime(200).setWarningExceptionTimeUnit(TimeUnit.MILLISECONDS);
    if (metrics) {
      options.setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)
          .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)));
    }
    Vertx vertx = Vertx.vertx(options);
    HazelcastInstance hazelcast = EmbeddedHazelcast.start(InProcessNode.class);
    NodeIdentity node = NodeIdentity.of(conf);
    Clock clock = Clock.systemUTC();
    Stores stores = TestVertx.await(Stores.open(vertx, conf, hazelcast, clock));
    // With Kafka on (conf kafka.bootstrapServers, kafka.remotes): the topics, as a region node creates them.
    MeshNode mesh = TestVertx.await(MeshNode.start(vertx, conf, node));
    String gateway = TestVertx.await(NodeAssembly.deployBackend(vertx, conf, node, stores, hazelcast, clock)
        .compose(lamport -> NodeAssembly.deployGateway(vertx, conf, node, stores, clock)));
    return new InProcessNode(vertx, hazelcast, stores, port, dir, gateway, mesh);
  }

  String httpUrl() {
    return "http://127.0.0.1:" + port;
  }

  String wsUrl() {
    return "ws://127.0.0.1:" + port + "/ws";
  }

  @Override
  public void close() {
    TestVertx.await(mesh.close());
    TestVertx.await(stores.close());
    TestVertx.await(vertx.close());
    hazelcast.shutdown();
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
