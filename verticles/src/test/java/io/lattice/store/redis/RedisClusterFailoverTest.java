package io.lattice.store.redis;

import io.lattice.model.crdt.ReceiptState;
import io.lattice.store.ReceiptStore;
import io.lattice.store.ReceiptStore.ReceiptKey;
import io.lattice.store.ReceiptStore.ReceiptUpdate;
import io.lattice.store.TestVertx;
import io.lattice.testinfra.RedisTestCluster;
import io.vertx.core.Future;
import io.vertx.redis.client.impl.ZModem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import static io.lattice.store.TestVertx.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A master of a cluster of the test's own is killed ({@code kill -9}) while the adapters serve traffic: the other
 * masters' slots keep working throughout, the dead master's slots work again once its replica is promoted, and no
 * receipt the dead master had replicated is lost.
 */
class RedisClusterFailoverTest {

  /** Short, so the failover starts ~2 s after the kill; longer than a GC pause or a busy test machine's hiccup. */
  private static final long NODE_TIMEOUT_MS = 2_000;
  /** Node timeout + failure agreement + election: about 4 s here; the rest is slack for a loaded machine. */
  private static final long PROMOTION_BOUND_MS = 30_000;
  /** After the promotion, the client's slot map refreshes within a second; the rest is slack for a loaded machine. */
  private static final long RECOVERY_BOUND_MS = 10_000;
  private static final int MESSAGES = 300;

  @RegisterExtension
  final RedisFixture redis = new RedisFixture();

  @Test
  void theDeadMastersSlotsMoveToItsReplicaAndTheOtherSlotsKeepWorking() {
    RedisTestCluster cluster = redis.privateCluster(NODE_TIMEOUT_MS);
    RedisStores stores = redis.open(RedisTestSupport.block(true, cluster.masterUris()), Clock.systemUTC());
    ReceiptStore receipts = stores.receipts();
    RedisKeys keys = new RedisKeys(stores.config().keyPrefix());
    int victim = cluster.masterPorts().get(0);
    int[] owners = cluster.slotOwners();
    List<String> onVictim = new ArrayList<>();
    List<String> elsewhere = new ArrayList<>();
    for (int i = 0; i < MESSAGES; i++) {
      String id = "msg-" + i;
      // The client's own slot function: the one that routes the requests.
      (owners[ZModem.generate(keys.receipts(id))] == victim ? onVictim : elsewhere).add(id);
    }
    assertThat(onVictim).isNotEmpty();
    assertThat(elsewhere).isNotEmpty();

    List<ReceiptUpdate> acked = new ArrayList<>();
    for (int i = 0; i < MESSAGES; i++) {
      acked.add(new ReceiptUpdate(new ReceiptKey("msg-" + i, "bob"), ReceiptState.read(100 + i)));
    }
    await(receipts.merge(acked));
    // Replication is asynchronous: a write the master acked may not have reached its replica yet. Wait until it
    // did, so that every acked receipt must survive the failover.
    int replica = awaitReplicaCaughtUp(cluster, victim);

    // Writes racing the kill: one acked but not yet replicated is lost, as Redis allows; counted, not asserted.
    List<Future<?>> racing = new ArrayList<>();
    for (String id : onVictim) {
      racing.add(receipts.merge(List.of(new ReceiptUpdate(new ReceiptKey(id, "erin"), ReceiptState.read(1)))));
    }
    long killedAt = System.nanoTime();
    cluster.kill(victim);

    // Until the replica is promoted: every request on the other masters' slots succeeds.
    int served = 0;
    long slowestMs = 0;
    long promotionDeadline = killedAt + PROMOTION_BOUND_MS * 1_000_000;
    while (!cluster.cli(replica, "role").startsWith("master")) {
      assertThat(System.nanoTime()).as("replica promoted within %d ms", PROMOTION_BOUND_MS)
          .isLessThan(promotionDeadline);
      long start = System.nanoTime();
      String id = elsewhere.get(served % elsewhere.size());
      await(receipts.merge(List.of(new ReceiptUpdate(new ReceiptKey(id, "carol"), ReceiptState.delivered(served + 1)))));
      slowestMs = Math.max(slowestMs, (System.nanoTime() - start) / 1_000_000);
      served++;
    }
    long promotedMs = (System.nanoTime() - killedAt) / 1_000_000;
    TestVertx.eventually("every live node sees the promoted replica as a master and the cluster ok",
        () -> cluster.livePorts().stream().allMatch(p -> cluster.cli(p, "cluster", "info").contains("cluster_state:ok")
            && cluster.cli(p, "cluster", "nodes").lines().anyMatch(l -> l.contains(":" + replica + "@")
            && l.contains("master"))));

    // The dead master's slots: served again by the promoted replica within the bound.
    long promotedAt = System.nanoTime();
    String probe = onVictim.get(0);
    eventuallyWithin(RECOVERY_BOUND_MS, "a write on the dead master's slots succeeds", () ->
        receipts.merge(List.of(new ReceiptUpdate(new ReceiptKey(probe, "dave"), ReceiptState.delivered(1)))));
    long recoveredMs = (System.nanoTime() - killedAt) / 1_000_000;
    long afterPromotionMs = (System.nanoTime() - promotedAt) / 1_000_000;

    // Nothing acked (and replicated) before the kill is lost, on either side of the failover.
    for (ReceiptUpdate update : acked) {
      Map<String, ReceiptState> states = await(receipts.get(update.key().messageId()));
      assertThat(states.get("bob")).as(update.key().messageId()).isEqualTo(update.state());
    }
    await(Future.join(racing).otherwiseEmpty());
    int racingAcked = 0;
    int racingLost = 0;
    for (int i = 0; i < racing.size(); i++) {
      if (racing.get(i).succeeded()) {
        racingAcked++;
        racingLost += await(receipts.get(onVictim.get(i))).containsKey("erin") ? 0 : 1;
      }
    }
    System.out.printf("redis failover: promoted %d ms after the kill, dead master's slots served %d ms after the kill "
            + "(%d ms after the promotion was seen); %d requests on other slots meanwhile, slowest %d ms; "
            + "writes racing the kill: %d of %d acked, %d of those lost%n",
        promotedMs, recoveredMs, afterPromotionMs, served, slowestMs, racingAcked, racing.size(), racingLost);
    assertThat(served).isPositive();
  }

  /** The master's replica, once its replication offset reached the master's. */
  private static int awaitReplicaCaughtUp(RedisTestCluster cluster, int master) {
    String info = cluster.cli(master, "info", "replication");
    long masterOffset = Long.parseLong(field(info, "master_repl_offset"));
    int replica = Integer.parseInt(field(info, "slave0").replaceAll(".*port=(\\d+).*", "$1"));
    TestVertx.eventually("the replica on " + replica + " reached offset " + masterOffset, () ->
        Long.parseLong(field(cluster.cli(replica, "info", "replication"), "slave_repl_offset")) >= masterOffset);
    return replica;
  }

  private static String field(String info, String name) {
    return info.lines().filter(l -> l.startsWith(name + ":")).findFirst().orElseThrow()
        .substring(name.length() + 1).trim();
  }

  /** Retries {@code call} every 20 ms until it succeeds; fails after {@code boundMs}. */
  private static void eventuallyWithin(long boundMs, String what, Supplier<Future<?>> call) {
    long deadline = System.nanoTime() + boundMs * 1_000_000;
    while (true) {
      try {
        await(call.get());
        return;
      } catch (RuntimeException e) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("not within " + boundMs + " ms: " + what, e);
        }
        LockSupport.parkNanos(20_000_000L);
      }
    }
  }
}
