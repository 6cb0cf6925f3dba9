package io.lattice.e2e;

import io.lattice.chaos.ChatLoad;
import io.lattice.chaos.History;
import io.lattice.chaos.HistoryChecker;
import io.lattice.chaos.Scenario;
import io.lattice.client.ConnectionState;
import io.lattice.e2e.support.MeshCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
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
 * Fault scenario 6 at test-suite size: a region's whole population loses it at once and comes down on the other two,
 * whose admission control is set low (5 new connections per second per node) so that it must hold: the herd gets
 * 503 + Retry-After, backs off with full jitter, spreads over both surviving regions, and every client ends connected
 * with nothing lost. 150 clients here (50 per region); {@code ./lattice chaos} takes more.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class ThunderingHerdIT {
  private static final int PER_REGION = 50;
  private static final Duration T = Duration.ofSeconds(120);
  private static Scenario.MeshRun run;

  @BeforeAll
  static void start() {
    run = Scenario.MeshRun.start(MeshCluster.builder().name("ThunderingHerdIT")
        .env("GATEWAY__MAX_NEW_CONNECTIONS_PER_SECOND", 5));
  }

  @AfterAll
  static void stop() {
    if (run != null) {
      run.close();
    }
  }

  @Test
  void aRegionsWholePopulationFailsOverThroughAdmissionControl() {
    History history = new History();
    try (ChatLoad load = run.load(history)) {
      List<ChatLoad.User> users = new ArrayList<>();
      String id = Long.toString(System.nanoTime() % 1_000_000, 36);
      for (int i = 0; i < PER_REGION * 3; i++) {
        ChatLoad.User user = new ChatLoad.User("h" + id + "-" + i, MeshCluster.REGIONS.get(i % 3));
        load.connect(user, T);
        users.add(user);
      }
      for (int i = 0; i + 1 < users.size(); i += 2) {
        load.conversation(users.get(i), List.of(users.get(i + 1)), T);
      }
      load.followAll(T);
      load.startSending(Duration.ofSeconds(3), 1_000);
      awaitRunTime(history, history.now() + 5_000);
      long killedAt = history.now();
      run.mesh().kill("us-east");
      List<ChatLoad.User> herd = users.stream().filter(u -> u.homeRegion().equals("us-east")).toList();
      awaitTrue("the whole herd connected elsewhere", T, () -> herd.stream().allMatch(u ->
          load.client(u.id()).state() == ConnectionState.CONNECTED && !"us-east".equals(load.client(u.id()).region())));
      long allBackAt = history.now();
      awaitRunTime(history, history.now() + 5_000);
      HistoryChecker.Report report = Scenario.finish("thundering herd", load, history, Duration.ofSeconds(90));
      long refused = history.states().stream().filter(s -> s.at() >= killedAt
          && s.change().reason() != null && s.change().reason().contains("503")).count();
      Map<String, Long> landed = new LinkedHashMap<>();
      herd.forEach(u -> landed.merge(load.client(u.id()).region(), 1L, Long::sum));
      System.out.printf("thundering herd: %d clients back in %d ms after the kill, landed %s, %d attempts refused "
          + "with 503%n", herd.size(), allBackAt - killedAt, landed, refused);
      assertThat(refused).as("admission control refused part of the herd").isPositive();
      report.assertClean();
    }
  }
}
