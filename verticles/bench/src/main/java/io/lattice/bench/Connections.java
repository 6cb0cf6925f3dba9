package io.lattice.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code connections}: N idle WebSockets to one region node, opened by several forked copies of the bench (each
 * process has 20,000 open files here) from several 127.0.0.x source addresses (each (source, destination) pair has
 * ~28,000 ephemeral ports), then the server's heap and RSS per connection and the connect rate.
 *
 * <p>The connections are plain WebSockets (a dev token each, the {@code ready} frame awaited, a ping every 15 s),
 * not {@code LatticeClient}s: an idle session costs the server the same, and the client library does not expose a
 * source address. Heap: {@code jcmd PID GC.class_histogram} before and after (live bytes after a full GC, in total and
 * per class: /metrics cannot say which classes grew); RSS: {@code /proc/PID/status} VmRSS. Both need the server on
 * this host (its pid is found from the listening port).
 *
 * <p>Workers ({@code connections-worker}) print {@code PROGRESS n}, then {@code DONE connected failed millis} on
 * stdout, keep the sockets open until their stdin closes, then close them and exit.
 */
final class Connections {
  private Connections() {
  }

  static JsonObject run(Fleet fleet, Stats stats, Scraper scraper, Args args) {
    int total = args.integer("connections", 18_000);
    int perProcess = args.integer("per-process", 6_000);
    int processes = args.integer("processes", (int) Math.ceil(total / (double) perProcess));
    int sources = args.integer("sources", 8);
    int parallel = args.integer("connect-parallel", 200);
    double holdS = args.decimal("hold", 10);
    String region = args.string("region", fleet.regionNames().get(0));
    String url = fleet.regions.get(region);
    if (url == null) {
      throw new IllegalArgumentException("no target region " + region + " (targets: " + fleet.regions + ")");
    }
    ProcessProbe probe = scraper.probe(region);
    // A previous run's sockets are still being closed for a while after it ends: measuring the baseline then made
    // per-connection figures swing from -2.6 KB to +38 KB between identical runs.
    int settled = settledConnections(fleet, url);
    Map<String, long[]> classesBefore = probe == null ? Map.of() : probe.classHistogram();
    long heapBefore = classesBefore.containsKey("Total") ? classesBefore.get("Total")[1]
        : probe == null ? -1 : probe.heapUsed(true);
    double rssBefore = probe == null ? Double.NaN : probe.sample().getOrDefault("host_process_rss_bytes", Double.NaN);
    int serverBefore = settled;
    System.out.printf("connections: %d to %s (%s) from %d processes x %d source addresses; server pid %s, heap %s, "
        + "RSS %s%n", total, region, url, processes, sources, probe == null ? "unknown" : probe.pid(),
        mib(heapBefore), mib(rssBefore));

    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classpath = System.getProperty("java.class.path");
    List<Process> workers = new ArrayList<>();
    Map<Integer, Integer> progress = new ConcurrentHashMap<>();
    Map<Integer, JsonObject> done = new ConcurrentHashMap<>();
    AtomicInteger failedWorkers = new AtomicInteger();
    stats.gauge("server connections (bench)", () -> progress.values().stream().mapToInt(Integer::intValue).sum());
    long t0 = System.nanoTime();
    try {
      for (int w = 0; w < processes; w++) {
        int count = Math.min(perProcess, total - w * perProcess);
        if (count <= 0) {
          break;
        }
        List<String> cmd = List.of(javaBin, "-Xmx" + args.string("worker-heap", "768m"), "-cp", classpath,
            BenchMain.class.getName(), "connections-worker", "--url", url, "--count", String.valueOf(count),
            "--first", String.valueOf(w * perProcess), "--run", fleet.runId, "--sources", String.valueOf(sources),
            "--source-offset", String.valueOf(w * sources), "--connect-parallel", String.valueOf(parallel));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        workers.add(p);
        int id = w;
        Thread reader = new Thread(() -> {
          try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
              String[] f = line.trim().split(" ");
              if (f[0].equals("PROGRESS")) {
                progress.put(id, Integer.parseInt(f[1]));
              } else if (f[0].equals("DONE")) {
                progress.put(id, Integer.parseInt(f[1]));
                done.put(id, new JsonObject().put("connected", Integer.parseInt(f[1]))
                    .put("failed", Integer.parseInt(f[2])).put("ms", Long.parseLong(f[3]))
                    .put("attemptsWithoutReady", f.length > 4 ? Integer.parseInt(f[4]) : 0));
              } else {
                System.out.println("  worker " + id + ": " + line);
              }
            }
          } catch (Exception e) {
            failedWorkers.incrementAndGet();
          }
        }, "bench-worker-" + w);
        reader.setDaemon(true);
        reader.start();
      }
      int n = workers.size();
      long limitS = args.integer("connect-timeout", 600);
      boolean all = Fleet.pollUntil(java.time.Duration.ofSeconds(limitS), () -> done.size() == n
          || workers.stream().anyMatch(p -> !p.isAlive()));
      double connectSeconds = (System.nanoTime() - t0) / 1e9;
      int connected = done.values().stream().mapToInt(j -> j.getInteger("connected")).sum();
      int failed = done.values().stream().mapToInt(j -> j.getInteger("failed")).sum();
      System.out.printf("connections: %d open, %d failed in %.1f s (%.0f/s)%n", connected, failed, connectSeconds,
          connected / connectSeconds);
      // Idle for a while (the heartbeat period matters to what the server holds per connection), then measure.
      Fleet.pollUntil(java.time.Duration.ofMillis((long) (holdS * 1000)), () -> false);
      int serverAfter = fleet.getJson(url + "/health").getInteger("connections", -1);
      Map<String, long[]> classesAfter = probe == null ? Map.of() : probe.classHistogram();
      long heapAfter = classesAfter.containsKey("Total") ? classesAfter.get("Total")[1]
          : probe == null ? -1 : probe.heapUsed(true);
      double rssAfter = probe == null ? Double.NaN
          : probe.sample().getOrDefault("host_process_rss_bytes", Double.NaN);
      int held = Math.max(1, serverAfter - serverBefore);
      JsonObject out = new JsonObject().put("region", region).put("requested", total).put("processes", n)
          .put("sourceAddresses", sources * n).put("connected", connected).put("failed", failed)
          .put("allWorkersDone", all && done.size() == n).put("connectSeconds", Math.round(connectSeconds * 10) / 10.0)
          .put("connectRatePerSecond", Math.round(connected / connectSeconds))
          .put("serverConnectionsBefore", serverBefore).put("serverConnectionsAfter", serverAfter)
          .put("serverPid", probe == null ? null : probe.pid())
          .put("heapBeforeBytes", heapBefore).put("heapAfterBytes", heapAfter)
          .put("rssBeforeBytes", rssBefore).put("rssAfterBytes", rssAfter)
          .put("method", "heap: jcmd PID GC.class_histogram (live objects after a full GC); RSS: /proc/PID/status VmRSS; "
              + "connections held: the server's /health 'connections' after minus before")
          .put("workers", new JsonArray(new ArrayList<>(done.values())));
      if (heapBefore > 0 && heapAfter > 0) {
        out.put("heapPerConnectionBytes", Math.round((heapAfter - heapBefore) / (double) held));
      }
      if (!Double.isNaN(rssBefore) && !Double.isNaN(rssAfter)) {
        out.put("rssPerConnectionBytes", Math.round((rssAfter - rssBefore) / held));
      }
      if (!classesBefore.isEmpty() && !classesAfter.isEmpty()) {
        out.put("heapPerConnectionByClass", perConnectionByClass(classesBefore, classesAfter, held));
      }
      out.put("ok", failed == 0 && connected == total);
      return out;
    } catch (java.io.IOException e) {
      throw new IllegalStateException("could not fork a connections worker: " + e, e);
    } finally {
      for (Process p : workers) {
        try {
          OutputStream in = p.getOutputStream();
          in.close(); // the worker closes its sockets and exits
        } catch (java.io.IOException ignored) {
          // gone already
        }
      }
      for (Process p : workers) {
        try {
          if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  /** Where the bytes go: the 25 classes whose live bytes grew most, per held connection, largest first. */
  private static JsonArray perConnectionByClass(Map<String, long[]> before, Map<String, long[]> after, int held) {
    List<JsonObject> rows = new ArrayList<>();
    after.forEach((name, a) -> {
      if (name.equals("Total")) {
        return;
      }
      long[] b = before.getOrDefault(name, new long[2]);
      long bytes = a[1] - b[1];
      if (bytes > 0) {
        rows.add(new JsonObject().put("class", name).put("bytes", Math.round(bytes / (double) held))
            .put("instances", Math.round((a[0] - b[0]) * 100.0 / held) / 100.0));
      }
    });
    rows.sort((x, y) -> Long.compare(y.getLong("bytes"), x.getLong("bytes")));
    return new JsonArray(new ArrayList<>(rows.subList(0, Math.min(25, rows.size()))));
  }

  private static String mib(double bytes) {
    return bytes < 0 || Double.isNaN(bytes) ? "unknown" : String.format("%.1f MiB", bytes / 1048576.0);
  }

  /** One forked process: opens its share of the connections, reports, holds them until stdin closes. */
  static JsonObject worker(Args args) {
    String url = args.string("url", null);
    int count = args.integer("count", 1000);
    int first = args.integer("first", 0);
    String run = args.string("run", "x");
    int sources = args.integer("sources", 8);
    int offset = args.integer("source-offset", 0);
    int parallel = args.integer("connect-parallel", 200);
    long readyTimeoutMs = args.integer("ready-timeout-ms", 20_000);
    int retries = args.integer("retries", 3);
    AtomicInteger stuck = new AtomicInteger();
    URI uri = URI.create(url);
    String ws = "ws://" + uri.getHost() + ":" + uri.getPort() + "/ws";
    Vertx vertx = Vertx.vertx();
    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(Math.min(parallel, 50)));
    List<WebSocketClient> clients = new ArrayList<>();
    for (int s = 0; s < sources; s++) {
      // 127.0.0.2 ... : a fresh ephemeral port range per source address.
      String source = "127.0." + (((offset + s) / 250) % 250) + "." + (2 + (offset + s) % 250);
      // maxConnections: a WebSocketClient holds at most 50 WebSockets per server by default and queues further
      // connects until one closes; those never got a ready frame (the "stall" of the first bench runs).
      clients.add(vertx.createWebSocketClient(new WebSocketClientOptions().setLocalAddress(source)
          .setConnectTimeout(30_000).setMaxFrameSize(1 << 16).setMaxConnections(Math.max(1, count))));
    }
    List<WebSocket> open = new ArrayList<>();
    AtomicInteger connected = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    AtomicInteger next = new AtomicInteger();
    long t0 = System.nanoTime();
    // A ping every 15 s from the start: the server drops a connection that stays silent past its heartbeat.
    long pinger = vertx.setPeriodic(15_000, t -> {
      synchronized (open) {
        open.forEach(s -> {
          if (!s.isClosed()) {
            s.writeTextMessage("{\"type\":\"ping\"}");
          }
        });
      }
    });
    Promise<Void> all = Promise.promise();
    Runnable[] launch = new Runnable[1];
    launch[0] = () -> {
      int i = next.getAndIncrement();
      if (i >= count) {
        return;
      }
      String user = "c" + run + "-" + (first + i);
      WebSocketClient client = clients.get(i % clients.size());
      attempt(vertx, http, client, url, ws, user, readyTimeoutMs, retries, stuck).onComplete(ar -> {
            if (ar.succeeded()) {
              synchronized (open) {
                open.add(ar.result());
              }
              int c = connected.incrementAndGet();
              if (c % 500 == 0) {
                System.out.println("PROGRESS " + c);
              }
            } else {
              if (failed.incrementAndGet() <= 5) {
                System.err.println("connect failed: " + ar.cause());
              }
            }
            if (connected.get() + failed.get() == count) {
              all.tryComplete();
            }
            launch[0].run();
          });
    };
    vertx.runOnContext(v -> {
      for (int p = 0; p < Math.min(parallel, count); p++) {
        launch[0].run();
      }
    });
    try {
      all.future().toCompletionStage().toCompletableFuture().get(30, TimeUnit.MINUTES);
    } catch (Exception e) {
      System.err.println("worker: " + e);
    }
    long ms = (System.nanoTime() - t0) / 1_000_000;
    if (stuck.get() > 0) {
      System.err.println("worker: " + stuck.get() + " attempts got no ready frame within " + readyTimeoutMs
          + " ms (retried)");
    }
    System.out.println("DONE " + connected.get() + " " + failed.get() + " " + ms + " " + stuck.get());
    System.out.flush();
    try {
      while (System.in.read() >= 0) {
        // hold until the parent closes our stdin
      }
    } catch (java.io.IOException ignored) {
      // parent gone
    }
    vertx.cancelTimer(pinger);
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // exiting anyway
    }
    System.exit(0);
    return new JsonObject();
  }

  /** The node's connection count once it has not changed for 2 s (at most 60 s). */
  private static int settledConnections(Fleet fleet, String url) {
    int last = fleet.getJson(url + "/health").getInteger("connections", -1);
    int stable = 0;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (stable < 4 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      int now = fleet.getJson(url + "/health").getInteger("connections", -1);
      stable = now == last ? stable + 1 : 0;
      last = now;
    }
    return last;
  }

  /** Token, upgrade, ready frame within the limit; a stuck or failed attempt is closed and tried again. */
  private static Future<WebSocket> attempt(Vertx vertx, HttpClient http, WebSocketClient client, String url, String ws,
                                           String user, long readyTimeoutMs, int retriesLeft, AtomicInteger stuck) {
    Promise<WebSocket> result = Promise.promise();
    WebSocket[] socket = new WebSocket[1];
    long timer = vertx.setTimer(readyTimeoutMs, t -> {
      if (result.tryFail("no ready frame within " + readyTimeoutMs + " ms")) {
        stuck.incrementAndGet();
        if (socket[0] != null) {
          socket[0].close();
        }
      }
    });
    token(http, url, user).compose(token -> client.connect(new WebSocketConnectOptions()
            .setAbsoluteURI(ws + "?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8))))
        .onSuccess(s -> {
          socket[0] = s;
          if (result.future().isComplete()) {
            s.close();
            return;
          }
          s.textMessageHandler(text -> result.tryComplete(s));
          s.closeHandler(v -> result.tryFail("closed before ready"));
        })
        .onFailure(result::tryFail);
    return result.future().onComplete(ar -> vertx.cancelTimer(timer)).recover(e -> retriesLeft > 0
        ? attempt(vertx, http, client, url, ws, user, readyTimeoutMs, retriesLeft - 1, stuck)
        : Future.failedFuture(e));
  }

  private static Future<String> token(HttpClient http, String url, String user) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url + "/api/dev/token")
        .setIdleTimeout(30_000).putHeader("content-type", "application/json");
    return http.request(options).compose(r -> r.send(new JsonObject().put("userId", user).encode()))
        .compose(r -> r.body().compose(b -> r.statusCode() == 200
            ? Future.succeededFuture(b.toJsonObject().getString("token"))
            : Future.failedFuture("dev token: HTTP " + r.statusCode())));
  }
}
