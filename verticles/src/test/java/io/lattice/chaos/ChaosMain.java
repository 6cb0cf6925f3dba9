package io.lattice.chaos;

import io.lattice.e2e.support.MeshCluster;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ./lattice chaos SCENARIO [--users N] [--interval-ms MS] [--fault-seconds S]}: starts its own three-region
 * mesh (the demo topology on free ports, separate processes, data in a temp dir), runs steady chat load from N
 * clients of the Java library spread over the regions, injects the fault, lets the mesh heal, and prints the history
 * checker's report. Exit code 0 when the verdict is OK, 1 otherwise. Scenarios: {@code region-kill} (kill -9 of
 * us-east for S seconds, then restart) and {@code wan-cut} (the us-east <-> eu-west link cut for S seconds).
 * Bounded: the load stops by itself after the fault and a settling period.
 */
public final class ChaosMain {

  private ChaosMain() {
  }

  public static void main(String[] args) {
    String scenario = args.length > 0 ? args[0] : "region-kill";
    int users = intArg(args, "--users", 12);
    long intervalMs = intArg(args, "--interval-ms", 300);
    int faultSeconds = intArg(args, "--fault-seconds", scenario.equals("wan-cut") ? 30 : 20);
    if (!scenario.equals("region-kill") && !scenario.equals("wan-cut")) {
      System.err.println("unknown scenario " + scenario + " (region-kill, wan-cut)");
      System.exit(2);
    }
    System.out.printf("chaos %s: %d users, one message every %d ms each, fault for %d s; starting a 3-region mesh...%n",
        scenario, users, intervalMs, faultSeconds);
    Vertx vertx = Vertx.vertx(new VertxOptions().setWorkerPoolSize(4));
    boolean ok;
    try (MeshCluster mesh = MeshCluster.builder().name("chaos").start()) {
      ok = run(mesh, vertx, scenario, users, intervalMs, faultSeconds);
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
    Duration t = Duration.ofSeconds(120);
    try (ChatLoad load = new ChatLoad(vertx, history, urls, Scenario.clientOptions(List.copyOf(urls.values())))) {
      List<ChatLoad.User> users = new ArrayList<>();
      for (int i = 0; i < userCount; i++) {
        ChatLoad.User user = new ChatLoad.User("chaos-" + i, MeshCluster.REGIONS.get(i % MeshCluster.REGIONS.size()));
        load.connect(user, t);
        users.add(user);
      }
      // Pairs across regions: user i talks to user i+1 (the next region over).
      for (int i = 0; i + 1 < users.size(); i += 2) {
        load.conversation(users.get(i), List.of(users.get(i + 1)), t);
      }
      load.followAll(t);
      System.out.printf("%d clients connected, %d conversations; load starts%n", users.size(), users.size() / 2);
      load.startSending(Duration.ofMillis(intervalMs), Integer.MAX_VALUE);
      waitFor(history, 5_000);
      if (scenario.equals("region-kill")) {
        System.out.println("kill -9 us-east");
        mesh.kill("us-east");
        waitFor(history, faultSeconds * 1000L);
        System.out.println("restarting us-east");
        mesh.restart("us-east");
      } else {
        System.out.println("cutting us-east <-> eu-west");
        mesh.cut("us-east", "eu-west");
        waitFor(history, faultSeconds * 1000L);
        System.out.println("healing us-east <-> eu-west");
        mesh.restore("us-east", "eu-west");
      }
      waitFor(history, 10_000);
      System.out.println("load stops; waiting for acks and convergence (up to 2 min)");
      return Scenario.finish("chaos " + scenario, load, history, t).clean();
    }
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
