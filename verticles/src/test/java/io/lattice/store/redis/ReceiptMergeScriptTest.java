package io.lattice.store.redis;

import io.lattice.model.crdt.ReceiptState;
import io.lattice.store.ReceiptStore.ReceiptKey;
import io.lattice.store.ReceiptStore.ReceiptUpdate;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.lattice.store.TestVertx.await;
import static org.assertj.core.api.Assertions.assertThat;

/** {@link ReceiptMergeScript} run concurrently by many clients (as many region nodes would) on one message. */
class ReceiptMergeScriptTest {

  private static final long NOW = 1_900_000_000_000L;
  private static final long RETENTION = 7L * 24 * 3600 * 1000;

  @RegisterExtension
  final RedisFixture redis = new RedisFixture();

  @ParameterizedTest(name = "cluster={0}")
  @ValueSource(booleans = {false, true})
  void concurrentMergesFromManyClientsNeverLoseAField(boolean cluster) {
    ReceiptMergeScript script = new ReceiptMergeScript();
    String key = RedisTestSupport.keys().receipts("m1");
    List<String> recipients = List.of("a", "b", "c", "d");
    List<RedisChannel> clients = redis.clients(cluster, 8);
    Random random = new Random(7);
    Map<String, ReceiptState> expected = new HashMap<>();
    List<List<ReceiptUpdate>> batches = new ArrayList<>();
    for (int b = 0; b < 400; b++) {
      List<ReceiptUpdate> batch = new ArrayList<>();
      for (int u = 0; u < 3; u++) {
        String recipient = recipients.get(random.nextInt(recipients.size()));
        ReceiptState state = new ReceiptState(random.nextInt(1000), random.nextInt(1000), random.nextInt(1000));
        batch.add(new ReceiptUpdate(new ReceiptKey("m1", recipient), state));
        expected.merge(recipient, state, ReceiptState::merge);
      }
      batches.add(batch);
    }
    List<Future<List<ReceiptMergeScript.Result>>> runs = new ArrayList<>();
    for (int b = 0; b < batches.size(); b++) {
      runs.add(script.merge(clients.get(b % clients.size()), key, batches.get(b), NOW, NOW - RETENTION, RETENTION));
    }
    await(Future.all(runs));

    for (int b = 0; b < batches.size(); b++) {
      List<ReceiptMergeScript.Result> results = runs.get(b).result();
      assertThat(results).hasSize(batches.get(b).size());
      for (int u = 0; u < results.size(); u++) {
        assertThat(results.get(u).state().covers(batches.get(b).get(u).state())).isTrue();
      }
    }
    Map<String, String> stored = RedisSupport.hashEntries(
        await(clients.get(0).send(Request.cmd(Command.HGETALL).arg(key))));
    Map<String, ReceiptState> states = new HashMap<>();
    stored.forEach((recipient, value) -> {
      String[] f = value.split(":");
      assertThat(Long.parseLong(f[3])).isEqualTo(NOW);
      states.put(recipient, new ReceiptState(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2])));
    });
    assertThat(states).isEqualTo(expected);
    long pttl = await(clients.get(0).send(Request.cmd(Command.PTTL).arg(key))).toLong();
    assertThat(pttl).isBetween(RETENTION - 60_000, RETENTION);
  }

  @ParameterizedTest(name = "cluster={0}")
  @ValueSource(booleans = {false, true})
  void aFieldPastTheCutoffCountsAsAbsentAndACoveredUpdateWritesNothing(boolean cluster) {
    ReceiptMergeScript script = new ReceiptMergeScript();
    RedisChannel client = redis.client(cluster);
    String key = RedisTestSupport.keys().receipts("m2");
    ReceiptUpdate read9 = new ReceiptUpdate(new ReceiptKey("m2", "bob"), ReceiptState.read(9));
    await(script.merge(client, key, List.of(read9), NOW, NOW - RETENTION, RETENTION));

    // Covered: unchanged, and the stored updatedAt stays (the retention is not extended).
    List<ReceiptMergeScript.Result> again = await(script.merge(client, key, List.of(read9), NOW + 5, NOW + 5 - RETENTION,
        RETENTION));
    assertThat(again).containsExactly(new ReceiptMergeScript.Result(ReceiptState.read(9), false));
    assertThat(await(client.send(Request.cmd(Command.HGET).arg(key).arg("bob"))).toString()).isEqualTo("0:0:9:" + NOW);

    // Past the cutoff: the update starts from empty.
    long later = NOW + RETENTION + 1;
    ReceiptUpdate delivered = new ReceiptUpdate(new ReceiptKey("m2", "bob"), ReceiptState.delivered(4));
    assertThat(await(script.merge(client, key, List.of(delivered), later, later - RETENTION, RETENTION)))
        .containsExactly(new ReceiptMergeScript.Result(ReceiptState.delivered(4), true));
  }
}
