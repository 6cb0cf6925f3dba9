package io.lattice.store.redis;

import io.lattice.model.crdt.ReceiptState;
import io.lattice.store.ReceiptStore;
import io.lattice.store.ReceiptStore.ReceiptKey;
import io.lattice.store.ReceiptStore.ReceiptUpdate;
import io.lattice.testinfra.RedisTestCluster;
import io.vertx.redis.client.impl.ZModem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Clock;
import java.util.List;

import static io.lattice.store.TestVertx.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A slot moved from one master to another while the adapters use it, as {@code redis-cli --cluster reshard} does
 * it, step by step: during the migration a key the source no longer has is answered with {@code ASK}, after it
 * every key of the slot with {@code MOVED}; the adapters follow both. On a cluster of the test's own.
 */
class RedisClusterReshardTest {

  @RegisterExtension
  final RedisFixture redis = new RedisFixture();

  @Test
  void requestsFollowAskDuringAMigrationAndMovedAfterIt() {
    RedisTestCluster cluster = redis.privateCluster(5_000);
    RedisStores stores = redis.open(RedisTestSupport.block(true, cluster.masterUris()), Clock.systemUTC());
    ReceiptStore receipts = stores.receipts();
    RedisKeys keys = new RedisKeys(stores.config().keyPrefix());
    String moved = "msg-moved";
    String keyMoved = keys.receipts(moved);
    int slot = ZModem.generate(keyMoved);
    // A second message in the same slot, first written while the slot is migrating.
    String late = null;
    for (int i = 0; late == null; i++) {
      if (ZModem.generate(keys.receipts("msg-late-" + i)) == slot) {
        late = "msg-late-" + i;
      }
    }
    int source = cluster.slotOwners()[slot];
    int target = cluster.masterPorts().stream().filter(p -> p != source).findFirst().orElseThrow();
    String sourceId = cluster.cli(source, "cluster", "myid").trim();
    String targetId = cluster.cli(target, "cluster", "myid").trim();
    await(receipts.merge(List.of(update(moved, ReceiptState.delivered(3)))));

    assertThat(cluster.cli(target, "cluster", "setslot", String.valueOf(slot), "importing", sourceId)).contains("OK");
    assertThat(cluster.cli(source, "cluster", "setslot", String.valueOf(slot), "migrating", targetId)).contains("OK");
    // The source lacks the new key: ASK, to the target. The script runs there (EVAL if it lacks the script).
    await(receipts.merge(List.of(update(late, ReceiptState.delivered(4)))));
    assertThat(await(receipts.get(late))).containsEntry("bob", ReceiptState.delivered(4));
    // The source still has the old key and serves it.
    await(receipts.merge(List.of(update(moved, ReceiptState.read(5)))));

    assertThat(cluster.cli(source, "migrate", "127.0.0.1", String.valueOf(target), "", "0", "5000", "keys",
        keyMoved)).contains("OK");
    for (int master : cluster.masterPorts()) {
      cluster.cli(master, "cluster", "setslot", String.valueOf(slot), "node", targetId);
    }
    assertThat(cluster.cli(target, "exists", keyMoved, keys.receipts(late)).trim()).isEqualTo("2");

    // Unless its periodic refresh came first, the client's slot map still names the source: MOVED, which it
    // follows (and refreshes its map).
    assertThat(await(receipts.get(moved))).containsEntry("bob", new ReceiptState(0, 3, 5));
    await(receipts.merge(List.of(update(moved, ReceiptState.read(6)))));
    assertThat(await(receipts.get(moved))).containsEntry("bob", new ReceiptState(0, 3, 6));
    assertThat(await(receipts.get(late))).containsEntry("bob", ReceiptState.delivered(4));
  }

  private static ReceiptUpdate update(String messageId, ReceiptState state) {
    return new ReceiptUpdate(new ReceiptKey(messageId, "bob"), state);
  }
}
