package io.lattice.store.redis;

import io.lattice.store.TestVertx;
import io.lattice.testinfra.RedisServers;
import io.lattice.testinfra.RedisTestCluster;
import io.lattice.testinfra.RedisTestServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import static io.lattice.store.TestVertx.await;

/**
 * What a Redis test that is not a port contract needs, as a field {@code @RegisterExtension final RedisFixture
 * redis = new RedisFixture();}: a Vert.x instance per test, clients and stores on the shared test servers (each
 * under a fresh key prefix, see {@link RedisTestSupport}) or on servers of the test's own, all closed after the
 * test: clients first, then the servers.
 */
final class RedisFixture implements BeforeEachCallback, AfterEachCallback {

  private Vertx vertx;
  private final List<RedisChannel> channels = new ArrayList<>();
  private final List<RedisStores> stores = new ArrayList<>();
  private final List<AutoCloseable> servers = new ArrayList<>();

  @Override
  public void beforeEach(ExtensionContext context) {
    vertx = TestVertx.create();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    List<Future<Void>> closing = new ArrayList<>();
    channels.forEach(c -> closing.add(c.close()));
    stores.forEach(s -> closing.add(s.close()));
    channels.clear();
    stores.clear();
    try {
      await(Future.join(closing));
    } finally {
      try {
        await(vertx.close());
      } finally {
        servers.forEach(RedisFixture::stop);
        servers.clear();
      }
    }
  }

  private static void stop(AutoCloseable server) {
    try {
      server.close();
    } catch (Exception e) {
      throw new IllegalStateException("cannot stop " + server, e);
    }
  }

  /** A cluster of the test's own, for a test that harms it; stopped after the test, once the clients closed. */
  RedisTestCluster privateCluster(long nodeTimeoutMs) {
    RedisTestCluster cluster = RedisServers.privateCluster(nodeTimeoutMs);
    servers.add(cluster);
    return cluster;
  }

  /** A standalone server of the test's own, for a test that restarts it; stopped after the test. */
  RedisTestServer privateStandalone() {
    RedisTestServer server = RedisServers.privateStandalone();
    servers.add(server);
    return server;
  }

  Vertx vertx() {
    return vertx;
  }

  /** A client of its own (its own pool and connection), as another node of the region would have. */
  RedisChannel client(boolean cluster) {
    return track(RedisTestSupport.client(vertx, cluster));
  }

  /** {@code n} clients of their own: many nodes of a region on the same keys. */
  List<RedisChannel> clients(boolean cluster, int n) {
    List<RedisChannel> clients = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      clients.add(client(cluster));
    }
    return clients;
  }

  /** A client with this {@code "redis"} block, e.g. on a server of the test's own. */
  RedisChannel client(JsonObject block) {
    return track(RedisChannel.create(vertx, RedisConfig.fromJson(block).toOptions()));
  }

  /** The stores opened with this {@code "redis"} block. */
  RedisStores open(JsonObject block, Clock clock) {
    RedisStores opened = await(RedisStores.open(vertx, block, clock));
    stores.add(opened);
    return opened;
  }

  /** The stores on the shared standalone server or cluster, under a fresh key prefix. */
  RedisStores open(boolean cluster, Clock clock) {
    return open(RedisTestSupport.block(cluster), clock);
  }

  private RedisChannel track(RedisChannel channel) {
    channels.add(channel);
    return channel;
  }
}
