package io.lattice.store.redis;

import io.lattice.model.crdt.PresenceSlot;
import io.lattice.model.crdt.PresenceState;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import static io.lattice.store.TestVertx.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The presence scripts run concurrently by many clients (as the nodes of a region would) on one user: no report,
 * refresh, removal or remote slot is lost, and every change gets its own version.
 */
class PresenceScriptsTest {

  private static final long NOW = 1_900_000_000_000L;
  private static final long TTL = 30_000;
  private static final String HERE = "us-east";

  @RegisterExtension
  final RedisFixture redis = new RedisFixture();
  private final String key = RedisTestSupport.keys().presence("alice");
  private List<RedisChannel> clients;

  private void connect(boolean cluster) {
    clients = redis.clients(cluster, 8);
  }

  private RedisChannel client(int i) {
    return clients.get(i % clients.size());
  }

  private List<PresenceState> reportAll(int nodes, long count, long expiresAt) {
    PresenceReportScript report = new PresenceReportScript();
    List<Future<PresenceState>> runs = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      runs.add(report.report(client(i), key, HERE, "node-" + i, count, expiresAt, NOW));
    }
    await(Future.all(runs));
    return runs.stream().map(Future::result).toList();
  }

  @ParameterizedTest(name = "cluster={0}")
  @ValueSource(booleans = {false, true})
  void concurrentReportsAreAllCountedWithDistinctVersions(boolean cluster) {
    connect(cluster);
    List<PresenceState> states = reportAll(100, 2, NOW + TTL);

    Set<Long> versions = states.stream().map(s -> s.slots().get(HERE).version()).collect(Collectors.toSet());
    assertThat(versions).hasSize(100);
    PresenceState now = await(new PresenceGetScript().get(client(0), key, NOW));
    assertThat(now.slots().get(HERE)).isEqualTo(new PresenceSlot(200, NOW + 99, NOW + TTL));
    long pttl = await(client(0).send(Request.cmd(Command.PTTL).arg(key))).toLong();
    assertThat(pttl).isBetween(TTL, TTL + RedisSupport.EXPIRY_GRACE_MS);
  }

  @ParameterizedTest(name = "cluster={0}")
  @ValueSource(booleans = {false, true})
  void concurrentRefreshesAreAllApplied(boolean cluster) {
    connect(cluster);
    reportAll(50, 1, NOW + TTL);
    PresenceRefreshScript refresh = new PresenceRefreshScript();
    List<Future<PresenceState>> runs = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      runs.add(refresh.refresh(client(i), key, HERE, "node-" + i, NOW + 2 * TTL + i, NOW + 1));
    }
    await(Future.all(runs));

    // Were any refresh lost, its node would expire at NOW + TTL and the count would drop.
    PresenceState later = await(new PresenceGetScript().get(client(0), key, NOW + TTL + 1));
    assertThat(later.slots().get(HERE).count()).isEqualTo(50);
    assertThat(later.slots().get(HERE).expiresAt()).isEqualTo(NOW + 2 * TTL + 49);
  }

  @ParameterizedTest(name = "cluster={0}")
  @ValueSource(booleans = {false, true})
  void concurrentRemovalsAreAllApplied(boolean cluster) {
    connect(cluster);
    reportAll(60, 1, NOW + TTL);
    PresenceRemoveNodeScript remove = new PresenceRemoveNodeScript();
    List<Future<PresenceState>> runs = new ArrayList<>();
    for (int i = 0; i < 59; i++) {
      runs.add(remove.removeNode(client(i), key, HERE, "node-" + i, NOW + 1));
    }
    await(Future.all(runs));

    assertThat(runs).allSatisfy(run -> assertThat(run.result()).isNotNull()); // each one changed the slot
    PresenceState left = await(new PresenceGetScript().get(client(0), key, NOW + 1));
    assertThat(left.slots().get(HERE).count()).isEqualTo(1);
    assertThat(await(remove.removeNode(client(0), key, HERE, "node-0", NOW + 1))).isNull();
  }

  @ParameterizedTest(name = "cluster={0}")
  @ValueSource(booleans = {false, true})
  void concurrentRemoteMergesKeepTheNewestSlotPerRegion(boolean cluster) {
    connect(cluster);
    reportAll(1, 1, NOW + TTL);
    PresenceMergeRemoteScript merge = new PresenceMergeRemoteScript();
    Random random = new Random(3);
    PresenceSlot newestEu = null;
    PresenceSlot newestAp = null;
    List<Future<PresenceState>> runs = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      PresenceSlot eu = new PresenceSlot(random.nextInt(5), random.nextInt(1_000_000), NOW + random.nextInt(100_000));
      PresenceSlot ap = new PresenceSlot(random.nextInt(5), random.nextInt(1_000_000), NOW + random.nextInt(100_000));
      newestEu = newestEu == null ? eu : PresenceSlot.newer(newestEu, eu);
      newestAp = newestAp == null ? ap : PresenceSlot.newer(newestAp, ap);
      // A remote state naming this region too: its slot here must never be overwritten.
      PresenceState remote = new PresenceState(java.util.Map.of("eu-west", eu, "ap-northeast", ap,
          HERE, new PresenceSlot(9, Long.MAX_VALUE / 4, NOW + TTL)));
      runs.add(merge.merge(client(i), key, remote, NOW));
    }
    await(Future.all(runs));

    PresenceState merged = await(new PresenceGetScript().get(client(0), key, NOW));
    assertThat(merged.slots()).containsEntry("eu-west", newestEu).containsEntry("ap-northeast", newestAp)
        .containsEntry(HERE, new PresenceSlot(1, NOW, NOW + TTL));
  }

  @ParameterizedTest(name = "cluster={0}")
  @ValueSource(booleans = {false, true})
  void concurrentReadsAfterAnExpiryBumpTheVersionOnce(boolean cluster) {
    connect(cluster);
    PresenceReportScript report = new PresenceReportScript();
    await(report.report(client(0), key, HERE, "node-1", 1, NOW + TTL, NOW));
    PresenceState both = await(report.report(client(1), key, HERE, "node-2", 1, NOW + 3 * TTL, NOW));
    PresenceGetScript get = new PresenceGetScript();
    List<Future<PresenceState>> reads = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      reads.add(get.get(client(i), key, NOW + TTL + 1));
    }
    await(Future.all(reads));

    Set<PresenceState> seen = reads.stream().map(Future::result).collect(Collectors.toSet());
    assertThat(seen).hasSize(1);
    PresenceSlot slot = seen.iterator().next().slots().get(HERE);
    assertThat(slot.count()).isEqualTo(1);
    assertThat(slot.version()).isEqualTo(Math.max(both.slots().get(HERE).version() + 1, NOW + TTL + 1));
  }
}
