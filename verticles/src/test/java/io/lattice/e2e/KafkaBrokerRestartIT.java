package io.lattice.e2e;

import io.lattice.chaos.ChatLoad;
import io.lattice.chaos.History;
import io.lattice.chaos.HistoryChecker;
import io.lattice.chaos.Scenario;
import io.lattice.e2e.support.MeshCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.lattice.chaos.Scenario.awaitRunTime;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fault scenario 4 of the reliability work: us-east's Kafka broker (a separate process here, as in production) is
 * killed with -9 under load and restarted 15 s later on the same log. While it is down us-east can store sends but
 * not acknowledge them (an ack waits for the region's log), so its users' sends stay un-acknowledged and the client
 * library retries them; nothing that was acknowledged may be lost, and everything converges once the broker is back.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class KafkaBrokerRestartIT {
  private static final Duration T = Duration.ofSeconds(60);
  private static Scenario.MeshRun run;

  @BeforeAll
  static void start() {
    run = Scenario.MeshRun.start(MeshCluster.builder().name("KafkaBrokerRestartIT").externalBrokers());
  }

  @AfterAll
  static void stop() {
    if (run != null) {
      run.close();
    }
  }

  @Test
  void aRestartedBrokerLosesNothingAcknowledged() {
    History history = new History();
    try (ChatLoad load = run.load(history)) {
      List<ChatLoad.User> users = new ArrayList<>();
      String id = Long.toString(System.nanoTime() % 1_000_000, 36);
      for (int i = 0; i < 9; i++) {
        ChatLoad.User user = new ChatLoad.User("k" + id + "-" + i, MeshCluster.REGIONS.get(i % 3));
        load.connect(user, T);
        users.add(user);
      }
      for (int i = 0; i < 9; i++) {
        load.conversation(users.get(i), List.of(users.get((i + 1) % 9)), T); // a ring across the regions
      }
      load.followAll(T);
      load.startSending(Duration.ofMillis(300), 1_000);
      awaitRunTime(history, history.now() + 5_000);
      int ackedBefore = history.acks().size();
      run.mesh().killBroker("us-east");
      awaitRunTime(history, history.now() + 15_000);
      run.mesh().restartBroker("us-east");
      awaitRunTime(history, history.now() + 10_000);
      HistoryChecker.Report report = Scenario.finish("broker restart", load, history, Duration.ofSeconds(90));
      assertThat(report.acked()).isGreaterThan(ackedBefore + 100);
      report.assertClean();
    }
  }
}
