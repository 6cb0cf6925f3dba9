package io.lattice.chaos;

import io.lattice.client.ClientOptions;
import io.lattice.e2e.support.MeshCluster;
import io.vertx.core.Vertx;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** What every fault scenario shares: the deployment and client Vert.x it runs on, client options, waiting, verdict. */
public final class Scenario {

  /** A mesh of region processes and the Vert.x of the clients; closing stops both. */
  public record MeshRun(MeshCluster mesh, Vertx vertx) implements AutoCloseable {
    public static MeshRun start(MeshCluster.Builder builder) {
      return new MeshRun(builder.start(), Vertx.vertx());
    }

    /** Region name -> its first gateway's HTTP URL: the clients' seeds and each user's home. */
    public Map<String, String> regionUrls() {
      Map<String, String> urls = new LinkedHashMap<>();
      MeshCluster.REGIONS.forEach(r -> urls.put(r, mesh.region(r).httpUrl(0)));
      return urls;
    }

    public ChatLoad load(History history) {
      Map<String, String> urls = regionUrls();
      return new ChatLoad(vertx, history, urls, clientOptions(List.copyOf(urls.values())));
    }

    @Override
    public void close() {
      mesh.close();
      vertx.close().toCompletionStage().toCompletableFuture().join();
    }
  }

  private Scenario() {
  }

  /** Quicker than the library's defaults, so a scenario sees a few backoff rounds in seconds, not minutes. */
  public static ClientOptions clientOptions(List<String> seeds) {
    return ClientOptions.defaults(seeds).withBackoff(250, 4_000).withHeartbeat(2_000, 6_000);
  }

  /** Lets the load run until the run's clock reads {@code atMs} (the clients keep working on their own threads). */
  public static void awaitRunTime(History history, long atMs) {
    awaitTrue("run time " + atMs + " ms", Duration.ofMillis(Math.max(0, atMs - history.now()) + 5_000),
        () -> history.now() >= atMs);
  }

  public static void awaitTrue(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // polling clients and processes
    }
  }

  /** Stops the load, waits for every ack and for convergence, prints and returns the checker's report. */
  public static HistoryChecker.Report finish(String name, ChatLoad load, History history, Duration converge) {
    load.stopSending();
    load.awaitAcks(Duration.ofSeconds(60));
    load.awaitConvergence(converge);
    HistoryChecker.Report report = HistoryChecker.check(history, load.timelines());
    System.out.println(name + " report:\n" + report);
    return report;
  }
}
