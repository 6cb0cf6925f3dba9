package io.lattice.e2e;

import io.lattice.chaos.ChatLoad;
import io.lattice.chaos.History;
import io.lattice.chaos.HistoryChecker;
import io.lattice.chaos.Scenario;
import io.lattice.client.ConnectionState;
import io.lattice.e2e.support.MeshCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.lattice.chaos.Scenario.awaitRunTime;
import static io.lattice.chaos.Scenario.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fault scenarios of the reliability work on the three-region demo topology, under steady load from the Java client
 * library (12 users, one message every 300 ms each). Scenario 1: a whole region is killed with -9 for 20 s and
 * restarted. Its users fail over to the other regions by themselves (region list,
 * backoff, failover), resume their conversations and resend what was not acknowledged; the history checker then
 * holds the run to every promise (nothing acknowledged lost, exactly once, sender order, one canonical order,
 * receipts converged) and reports the reconnect and recovery times.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class FaultScenariosIT {
  private static final Duration T = Duration.ofSeconds(60);
  private static Scenario.MeshRun run;
  private static MeshCluster mesh;

  @BeforeAll
  static void start() {
    run = Scenario.MeshRun.start(MeshCluster.builder().name("FaultScenariosIT"));
    mesh = run.mesh();
  }

  @AfterAll
  static void stop() {
    if (run != null) {
      run.close();
    }
  }

  /** Four users per region; direct chats around the regions (us-eu, eu-ap, ap-us) and one 6-member group. */
  private static Map<String, List<ChatLoad.User>> setUp(ChatLoad load) {
    Map<String, List<ChatLoad.User>> byRegion = new LinkedHashMap<>();
    String id = Long.toString(System.nanoTime() % 1_000_000, 36);
    for (String region : MeshCluster.REGIONS) {
      List<ChatLoad.User> users = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        ChatLoad.User user = new ChatLoad.User("u" + id + "-" + region + "-" + i, region);
        load.connect(user, T);
        users.add(user);
      }
      byRegion.put(region, users);
    }
    List<ChatLoad.User> us = byRegion.get("us-east");
    List<ChatLoad.User> eu = byRegion.get("eu-west");
    List<ChatLoad.User> ap = byRegion.get("ap-northeast");
    for (int i = 0; i < 4; i++) {
      load.conversation(us.get(i), List.of(eu.get(i)), T);
      load.conversation(eu.get(i), List.of(ap.get(i)), T);
      load.conversation(ap.get(i), List.of(us.get(i)), T);
    }
    load.conversation(us.get(0), List.of(us.get(1), eu.get(0), eu.get(1), ap.get(0), ap.get(1)), T);
    load.followAll(T);
    return byRegion;
  }

  @Test
  @Order(1)
  void aKilledRegionsUsersFailOverAndNothingAcknowledgedIsLost() {
    History history = new History();
    try (ChatLoad load = run.load(history)) {
      List<ChatLoad.User> us = setUp(load).get("us-east");
      load.startSending(Duration.ofMillis(300), 1_000);
      awaitRunTime(history, history.now() + 5_000);
      long killedAt = history.now();
      mesh.kill("us-east");
      // Every us-east user ends up connected to another region by itself.
      for (ChatLoad.User user : us) {
        awaitTrue(user.id() + " failed over", T, () -> load.client(user.id()).state() == ConnectionState.CONNECTED
            && !"us-east".equals(load.client(user.id()).region()));
      }
      awaitRunTime(history, killedAt + 20_000);
      mesh.restart("us-east");
      awaitRunTime(history, history.now() + 10_000);
      HistoryChecker.Report report = Scenario.finish("region kill", load, history, Duration.ofSeconds(90));
      // How us-east's users got out: every state change after the kill (what the reconnect time is made of).
      history.states().stream().filter(s -> s.at() >= killedAt && s.user().contains("us-east"))
          .forEach(s -> System.out.printf("  %6d ms %s %s %s retry %d ms: %s%n", s.at() - killedAt, s.user(),
              s.change().state(), s.change().region(), s.change().retryInMs(), s.change().reason()));
      assertThat(report.acked()).as("sends acknowledged during the run").isGreaterThan(200);
      assertThat(report.reconnectMs()).as("us-east's users reconnected").hasSizeGreaterThanOrEqualTo(us.size());
      report.assertClean();
    }
  }

  /**
   * Fault scenario 3: the us-east <-> eu-west link is cut for 30 s under load. Nobody reconnects (every region
   * serves its own users); what crosses the cut waits in the Kafka logs and converges after the heal, and
   * ap-northeast keeps hearing from both sides throughout.
   */
  @Test
  @Order(2)
  void aCutRegionPairLosesNothingAndConvergesAfterTheHeal() {
    History history = new History();
    try (ChatLoad load = run.load(history)) {
      setUp(load);
      load.startSending(Duration.ofMillis(300), 1_000);
      awaitRunTime(history, history.now() + 5_000);
      mesh.cut("us-east", "eu-west");
      try {
        awaitRunTime(history, history.now() + 30_000);
      } finally {
        mesh.restore("us-east", "eu-west");
      }
      awaitRunTime(history, history.now() + 5_000);
      HistoryChecker.Report report = Scenario.finish("WAN cut", load, history, Duration.ofSeconds(90));
      assertThat(report.acked()).as("sends acknowledged during the run").isGreaterThan(200);
      assertThat(report.reconnectMs()).as("nobody had to reconnect").isEmpty();
      report.assertClean();
    }
  }
}
