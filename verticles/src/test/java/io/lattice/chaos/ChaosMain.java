package io.lattice.chaos;

import io.lattice.client.ConnectionState;
import io.lattice.e2e.support.MeshCluster;
import io.lattice.e2e.support.RegionCluster;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ./lattice chaos SCENARIO [--users N] [--interval-ms MS] [--fault-seconds S] [--admission N]}: starts its
 * own three-region mesh (the demo topology on free ports, separate processes, data in a temp dir), runs steady chat
 * load from N clients of the Java library spread over the regions (user i talks to user i+1, in the next region),
 * injects the fault, lets the mesh heal, and prints the history checker's report. Exit code 0 when the verdict is
 * OK, 1 otherwise. Bounded: the load stops by itself after the fault and a settling period.
 *
 * <p>Scenarios: {@code region-kill} (kill -9 of us-east for S s, then restart), {@code node-kill} (two nodes per
 * region; kill -9 of us-east's first node for S s), {@code wan-cut} (us-east <-> eu-west cut for S s),
 * {@code broker-restart} (us-east's Kafka broker, a separate process, kill -9 for S s), {@code rolling-restart}
 * (two nodes per region; every node in turn stopped with SIGTERM, which drains it, and started again) and
 * {@code herd} (us-east killed: its whole population lands on the others through their admission control,
 * {@code --admission} new connections per second per node; us-east restarts S s after the last one landed).
 */
public final class ChaosMain {
  private static final List<String> SCENARIOS = List.of("region-kill", "node-kill", "wan-cut", "broker-restart",
      "rolling-restart", "herd");

  private ChaosMain() {
  }

  public static void main(String[] args) {
    String scenario = args.length > 0 ? args[0] : "region-kill";
    if (!SCENARIOS.contains(scenario)) {
      System.err.println("unknown scenario " + scenario + " " + SCENARIOS);
      System.exit(2);
    }
    int users = intArg(args, "--users", scenario.equals("herd") ? 150 : 12);
    long intervalMs = intArg(args, "--interval-ms", scenario.equals("herd") ? 3_000 : 300);
    int faultSeconds = intArg(args, "--fault-seconds", scenario.equals("wan-cut") ? 30 : 20);
    int admission = intArg(args, "--admission", 5_000);
    System.out.printf("chaos %s: %d users, one message every %d ms each, fault for %d s; starting a 3-region mesh...%n",
        scenario, users, intervalMs, faultSeconds);
    MeshCluster.Builder mesh = MeshCluster.builder().name("chaos")
        .env("GATEWAY__MAX_NEW_CONNECTIONS_PER_SECOND", admission);
    if (scenario.equals("node-kill") || scenario.equals("rolling-restart")) {
      mesh.nodes(2);
    }
    if (scenario.equals("broker-restart")) {
      mesh.externalBrokers();
    }
    Vertx vertx = Vertx.vertx(new VertxOptions().setWorkerPoolSize(4));
    boolean ok;
    try (MeshCluster started = mesh.start()) {
      ok = run(started, vertx, scenario, users, intervalMs, faultSeconds);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().join();
    }
    System.exit(ok ? 0 : 1);
  }

  private static boolean run(MeshCluster mesh, Vertx vertx, String scenario, int userCount, long intervalMs,
                             int faultSeconds) {
    History history = new History();
    Map<String, String> urls = new LinkedHashMap<>();
    MeshCluster.REGIONS.forEach(r -> urls.put(r, mesh.region(r).httpUrl(0)));
    Duration t = Duration.ofSeconds(Math.max(120, userCount / 10));
    try (ChatLoad load = new ChatLoad(vertx, history, urls, Scenario.clientOptions(List.copyOf(urls.values())))) {
      List<ChatLoad.User> users = new ArrayList<>();
      for (int i = 0; i < userCount; i++) {
        ChatLoad.User user = new ChatLoad.User("chaos-" + i, MeshCluster.REGIONS.get(i % MeshCluster.REGIONS.size()));
        load.connect(user, t);
        users.add(user);
      }
      for (int i = 0; i + 1 < users.size(); i += 2) {
        load.conversation(users.get(i), List.of(users.get(i + 1)), t);
      }
      load.followAll(t);
      System.out.printf("%d clients connected, %d conversations; load starts%n", users.size(), users.size() / 2);
      load.startSending(Duration.ofMillis(intervalMs), Integer.MAX_VALUE);
      waitFor(history, 5_000);
      long faultAt = history.now();
      inject(mesh, scenario, faultSeconds, history, load, users);
      waitFor(history, 10_000);
      System.out.printf("fault over after %d ms; load stops; waiting for acks and convergence%n",
          history.now() - faultAt);
      return Scenario.finish("chaos " + scenario, load, history, t).clean();
    }
  }

  private static void inject(MeshCluster mesh, String scenario, int faultSeconds, History history, ChatLoad load,
                             List<ChatLoad.User> users) {
    long faultMs = faultSeconds * 1000L;
    switch (scenario) {
      case "region-kill" -> {
        step("kill -9 us-east");
        mesh.kill("us-east");
        waitFor(history, faultMs);
        step("restarting us-east");
        mesh.restart("us-east");
      }
      case "node-kill" -> {
        step("kill -9 us-east n1");
        mesh.region("us-east").kill(0);
        waitFor(history, faultMs);
        step("restarting us-east n1");
        mesh.region("us-east").restart(0);
      }
      case "wan-cut" -> {
        step("cutting us-east <-> eu-west");
        mesh.cut("us-east", "eu-west");
        waitFor(history, faultMs);
        step("healing us-east <-> eu-west");
        mesh.restore("us-east", "eu-west");
      }
      case "broker-restart" -> {
        step("kill -9 us-east's Kafka broker");
        mesh.killBroker("us-east");
        waitFor(history, faultMs);
        step("restarting us-east's Kafka broker");
        mesh.restartBroker("us-east");
      }
      case "rolling-restart" -> {
        for (String region : MeshCluster.REGIONS) {
          RegionCluster cluster = mesh.region(region);
          for (int i = 0; i < cluster.size(); i++) {
            step("SIGTERM (drain) and restart of " + region + " n" + (i + 1));
            cluster.restart(i);
          }
        }
      }
      case "herd" -> {
        step("kill -9 us-east for good");
        long killedAt = history.now();
        mesh.kill("us-east");
        List<ChatLoad.User> herd = users.stream().filter(u -> u.homeRegion().equals("us-east")).toList();
        Scenario.awaitTrue("the whole herd connected elsewhere", Duration.ofSeconds(300), () -> herd.stream()
            .allMatch(u -> load.client(u.id()).state() == ConnectionState.CONNECTED
                && !"us-east".equals(load.client(u.id()).region())));
        Map<String, Long> landed = new LinkedHashMap<>();
        herd.forEach(u -> landed.merge(load.client(u.id()).region(), 1L, Long::sum));
        long refused = history.states().stream().filter(s -> s.at() >= killedAt && s.change().reason() != null
            && s.change().reason().contains("503")).count();
        step(String.format("%d clients back %d ms after the kill, landed %s, %d upgrades refused with 503",
            herd.size(), history.now() - killedAt, landed, refused));
        // What us-east acknowledged but had not replicated yet when it died reaches the others when it returns.
        waitFor(history, faultMs);
        step("restarting us-east");
        mesh.restart("us-east");
      }
      default -> throw new IllegalArgumentException(scenario);
    }
  }

  private static void step(String what) {
    System.out.println(java.time.LocalTime.now().withNano(0) + " " + what);
  }

  private static void waitFor(History history, long ms) {
    Scenario.awaitRunTime(history, history.now() + ms);
  }

  private static int intArg(String[] args, String name, int fallback) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return Integer.parseInt(args[i + 1]);
      }
    }
    return fallback;
  }
}
