package io.lattice.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * {@code ./lattice bench SCENARIO [options]}: see {@link #USAGE}. {@link #run(String...)} is the library entry
 * point (the smoke test calls it): it returns the whole result, the JSON the report holds, and throws on bad options.
 */
public final class BenchMain {
  static final String USAGE = """
      usage: ./lattice bench SCENARIO [options]
        direct       --pairs 100 --rate 1000 --duration 30 --placement both|within|across
        group        --members 500 --rate 20 --duration 30 [--groups auto] [--senders 50] [--group-rate-limit 10]
        receipts     --pairs 50 --rate 50 --duration 20 --placement both [--read-delay-ms 0]
        max          --pairs 200 --start 500 --step 500 --step-seconds 10 --ceiling 20000 --p99-ms 50 --placement within
        connections  --connections 18000 [--processes auto] [--per-process 6000] [--sources 8] [--region NAME]
                     [--hold 10] [--server-pid PID]
        failover     runs ./lattice chaos region-kill [--chaos-args "..."] and reports the checker's verdict
      common: --targets http://127.0.0.1:8081,http://127.0.0.1:8082,http://127.0.0.1:8083 (the demo)
              --report DIR (HTML + JSON)  --allow-remote (targets other than 127.0.0.0/8 and localhost)
              --max-messages N  --drain SECONDS  --connect-parallel 50  --scrape-ms 2000  --timeout 120
      """;

  private BenchMain() {
  }

  public static void main(String[] argv) {
    try {
      JsonObject result = run(argv);
      System.exit(result.getBoolean("ok", true) ? 0 : 1);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.print(USAGE);
      System.exit(2);
    } catch (RuntimeException e) {
      System.err.println("bench failed: " + e);
      e.printStackTrace();
      System.exit(1);
    }
  }

  /** Runs one scenario; prints the summary; writes the report when {@code --report DIR} is given. */
  public static JsonObject run(String... argv) {
    Args args = new Args(argv);
    String scenario = args.scenario;
    if (scenario.equals("help") || args.flag("help")) {
      System.out.print(USAGE);
      return new JsonObject().put("scenario", "help");
    }
    if (scenario.equals("connections-worker")) {
      return Connections.worker(args);
    }
    List<String> targets = Arrays.stream(args.string("targets", String.join(",", Fleet.DEMO_TARGETS)).split(","))
        .map(String::trim).filter(s -> !s.isEmpty()).map(s -> s.endsWith("/") ? s.substring(0, s.length() - 1) : s)
        .toList();
    boolean allowRemote = args.flag("allow-remote");
    String reportDir = args.string("report", null);
    Duration timeout = Duration.ofSeconds(args.integer("timeout", 120));
    long scrapeMs = args.integer("scrape-ms", 2000);
    Stats stats = new Stats(args.decimal("warmup", 0));
    JsonObject out = new JsonObject().put("scenario", scenario).put("startedAt", Instant.now().toString())
        .put("options", new JsonObject(new java.util.LinkedHashMap<>(args.given())))
        .put("host", new JsonObject().put("cores", Runtime.getRuntime().availableProcessors())
            .put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"))
            .put("java", System.getProperty("java.version")));
    if (!List.of("direct", "group", "receipts", "max", "connections", "failover").contains(scenario)) {
      throw new IllegalArgumentException("unknown scenario " + scenario);
    }
    JsonObject results;
    if (scenario.equals("failover")) {
      targets.forEach(t -> Fleet.checkLoopback(t, allowRemote));
      results = Failover.run(args);
      out.put("targets", new JsonArray());
    } else {
      System.out.println("lattice bench " + scenario + ": targets " + targets);
      try (Fleet fleet = new Fleet(targets, allowRemote, stats, timeout)) {
        out.put("targets", new JsonObject(new java.util.LinkedHashMap<>(fleet.regions)));
        Scraper scraper = new Scraper(fleet.vertx, fleet.http, fleet.regions, stats);
        scraper.start(scrapeMs);
        long ticker = fleet.vertx.setPeriodic(1000, t -> stats.tick());
        try {
          results = switch (scenario) {
            case "direct" -> Scenarios.direct(fleet, stats, args);
            case "group" -> Scenarios.group(fleet, stats, args);
            case "receipts" -> Scenarios.receipts(fleet, stats, args);
            case "max" -> Scenarios.max(fleet, stats, args);
            case "connections" -> Connections.run(fleet, stats, scraper, args);
            default -> throw new IllegalArgumentException("unknown scenario " + scenario);
          };
        } finally {
          fleet.vertx.cancelTimer(ticker);
          scraper.stop();
          stats.tick();
        }
        out.put("server", scraper.toJson());
      }
    }
    out.put("results", results).put("finishedAt", Instant.now().toString());
    out.mergeIn(stats.toJson());
    List<String> unused = args.unused();
    if (!unused.isEmpty()) {
      out.put("unusedOptions", new JsonArray(unused));
      System.out.println("note: options not used by " + scenario + ": " + unused);
    }
    out.put("ok", results.getBoolean("ok", true));
    System.out.print(Report.summary(out));
    if (reportDir != null) {
      Path dir = Report.write(Path.of(reportDir), out);
      System.out.println("report: " + dir.resolve("index.html").toAbsolutePath() + " (raw numbers: report.json)");
    }
    return out;
  }
}
