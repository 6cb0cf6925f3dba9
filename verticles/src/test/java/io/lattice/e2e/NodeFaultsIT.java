package io.lattice.e2e;

import io.lattice.chaos.ChatLoad;
import io.lattice.chaos.History;
import io.lattice.chaos.HistoryChecker;
import io.lattice.chaos.Scenario;
import io.lattice.client.ConnectionState;
import io.lattice.e2e.support.RegionCluster;
import io.lattice.e2e.support.TestClient;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.lattice.chaos.Scenario.awaitRunTime;
import static io.lattice.chaos.Scenario.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fault scenarios 2 and 5 of the reliability work on one region of two nodes, under steady load from the Java
 * client library (8 users spread over both nodes, as a load balancer would): a node killed with -9 (its users move to
 * the other node, what was routed to it meanwhile comes back by sync), and a rolling restart's step, a node drained
 * by the operator command {@code POST /admin/drain} (reconnect frames, in-flight sends finished, exit 0). The
 * region lists both nodes in {@code /api/regions} ({@code nodes}), which is how the client finds the other one.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class NodeFaultsIT {
  private static final Duration T = Duration.ofSeconds(60);
  private static final String ADMIN_TOKEN = "node-faults-admin-token-0123456789";
  private static RegionCluster region;
  private static Vertx vertx;

  @BeforeAll
  static void start() {
    region = RegionCluster.builder().name("NodeFaultsIT").nodes(2).listNodesInRegions("us-east")
        .env("GATEWAY__ADMIN_TOKEN", ADMIN_TOKEN).rateLimit(100, 200).start();
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    if (region != null) {
      region.close();
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().join();
    }
  }

  private static ChatLoad load(History history) {
    List<String> seeds = List.of(region.httpUrl(0), region.httpUrl(1));
    return new ChatLoad(vertx, history, Map.of("us-east", region.httpUrl(0)), Scenario.clientOptions(seeds));
  }

  /** Eight users in four pairs plus one group of four; returns them. */
  private static List<ChatLoad.User> setUp(ChatLoad load) {
    String run = Long.toString(System.nanoTime() % 1_000_000, 36);
    List<ChatLoad.User> users = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      ChatLoad.User user = new ChatLoad.User("n" + run + "-" + i, "us-east");
      load.connect(user, T);
      users.add(user);
    }
    for (int i = 0; i < 8; i += 2) {
      load.conversation(users.get(i), List.of(users.get(i + 1)), T);
    }
    load.conversation(users.get(0), List.of(users.get(3), users.get(5), users.get(7)), T);
    load.followAll(T);
    return users;
  }

  private static long onNode(ChatLoad load, List<ChatLoad.User> users, int port) {
    return users.stream().filter(u -> load.client(u.id()).state() == ConnectionState.CONNECTED
        && load.client(u.id()).endpoint() != null
        && java.net.URI.create(load.client(u.id()).endpoint().httpUrl()).getPort() == port).count();
  }

  @Test
  @Order(1)
  void aKilledNodesUsersMoveToTheOtherNodeAndNothingIsLost() {
    History history = new History();
    try (ChatLoad load = load(history)) {
      List<ChatLoad.User> users = setUp(load);
      assertThat(onNode(load, users, region.gatewayPort(0))).as("users on n1 (spread like a balancer)")
          .isPositive();
      load.startSending(Duration.ofMillis(200), 1_000);
      awaitRunTime(history, history.now() + 4_000);
      region.kill(0);
      awaitTrue("everyone on n2", T, () -> onNode(load, users, region.gatewayPort(1)) == users.size());
      awaitRunTime(history, history.now() + 5_000);
      region.restart(0);
      awaitRunTime(history, history.now() + 3_000);
      HistoryChecker.Report report = Scenario.finish("node kill", load, history, Duration.ofSeconds(60));
      assertThat(report.reconnectMs()).as("n1's users reconnected").isNotEmpty();
      report.assertClean();
    }
  }

  @Test
  @Order(2)
  void aDrainedNodeHandsItsUsersOverAndExitsCleanly() {
    History history = new History();
    try (ChatLoad load = load(history)) {
      List<ChatLoad.User> users = setUp(load);
      load.startSending(Duration.ofMillis(200), 1_000);
      awaitRunTime(history, history.now() + 4_000);
      TestClient.HttpResult refused = TestClient.http(region.httpUrl(1), "POST", "/admin/drain", "wrong", null);
      assertThat(refused.status()).as(refused.toString()).isEqualTo(401);
      TestClient.HttpResult drain = TestClient.http(region.httpUrl(1), "POST", "/admin/drain", ADMIN_TOKEN, null);
      assertThat(drain.status()).as(drain.toString()).isEqualTo(202);
      awaitTrue("n2 exited", T, () -> !region.isAlive(1));
      awaitTrue("everyone on n1", T, () -> onNode(load, users, region.gatewayPort(0)) == users.size());
      awaitRunTime(history, history.now() + 3_000);
      region.restart(1);
      HistoryChecker.Report report = Scenario.finish("drain", load, history, Duration.ofSeconds(60));
      report.assertClean();
    }
  }
}
