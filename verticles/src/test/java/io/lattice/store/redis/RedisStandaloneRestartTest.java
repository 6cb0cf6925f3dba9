package io.lattice.store.redis;

import io.lattice.model.crdt.ReceiptState;
import io.lattice.store.ReceiptStore.ReceiptKey;
import io.lattice.store.ReceiptStore.ReceiptUpdate;
import io.lattice.store.TestVertx;
import io.lattice.testinfra.RedisTestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

import static io.lattice.store.TestVertx.await;
import static io.lattice.store.TestVertx.awaitFailure;
import static org.assertj.core.api.Assertions.assertThat;

/** A standalone server killed and started again on the same port: the adapters reconnect by themselves. */
class RedisStandaloneRestartTest {

  private static final Duration TTL = Duration.ofSeconds(60);
  /** The channel tries a new connection at most every 200 ms while requests come; the rest is slack. */
  private static final long RECONNECT_BOUND_MS = 5_000;

  @RegisterExtension
  final RedisFixture redis = new RedisFixture();

  @Test
  void theAdaptersReconnectAfterTheServerRestartsOnTheSamePort() {
    RedisTestServer server = redis.privateStandalone();
    RedisStores stores = redis.open(RedisTestSupport.block(false, List.of(server.uri())), Clock.systemUTC());
    await(stores.sessions().register("alice", "node-1", TTL));

    server.kill();
    assertThat(awaitFailure(stores.sessions().lookup(List.of("alice")))).isNotNull();

    server.start();
    long startedAt = System.nanoTime();
    // The new server knows no script: the receipt merge runs by EVAL after NOSCRIPT.
    ReceiptUpdate read = new ReceiptUpdate(new ReceiptKey("m1", "bob"), ReceiptState.read(5));
    TestVertx.eventually("a script runs on the restarted server", () -> {
      try {
        await(stores.receipts().merge(List.of(read)));
        return true;
      } catch (RuntimeException e) {
        return false;
      }
    });
    long reconnectedMs = (System.nanoTime() - startedAt) / 1_000_000;
    assertThat(reconnectedMs).isLessThan(RECONNECT_BOUND_MS);
    assertThat(await(stores.receipts().get("m1"))).containsEntry("bob", ReceiptState.read(5));
    // The test server has no persistence: what it held is gone (see "Durability" in package-info).
    assertThat(await(stores.sessions().lookup(List.of("alice"))).get("alice")).isEmpty();
    await(stores.sessions().register("alice", "node-1", TTL));
    assertThat(await(stores.sessions().lookup(List.of("alice"))).get("alice")).containsExactly("node-1");
    System.out.printf("redis standalone restart: adapters served again %d ms after the server was up%n",
        reconnectedMs);
  }
}
