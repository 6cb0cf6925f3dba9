package io.lattice;

import io.lattice.e2e.support.Frames;
import io.lattice.e2e.support.TestClient;
import io.lattice.metrics.LatticeMetrics;
import io.lattice.store.TestVertx;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.DoublePredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * /metrics of a two-region mesh in this JVM (us-east and eu-west, each with its own embedded Kafka broker, store and
 * Hazelcast, Prometheus on): chat across the regions moves every lattice_* metric, and every metric the Grafana
 * dashboard (docker/grafana/lattice-dashboard.json) queries is exposed.
 *
 * <p>The two nodes share the JVM's default Prometheus registry, so either node's /metrics shows both; every assertion
 * selects its region by tag.
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class MetricsEndpointTest {
  // A broker whose directory is deleted under it must not halt the test JVM (see BridgeVerticleTest).
  static {
    org.apache.kafka.common.utils.Exit.setHaltProcedure((status, message) -> {
      throw new IllegalStateException("Kafka asked to halt the JVM (" + status + "): " + message);
    });
  }

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})?\\s+(\\S+)$");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");
  private static final Pattern DASHBOARD_METRIC = Pattern.compile("\\b(?:lattice|jvm|process|system)_[a-z0-9_]+");

  private static TwoRegions mesh;
  private static InProcessNode us;
  private static InProcessNode eu;

  @BeforeAll
  static void start() throws Exception {
    // Five new connections a second on us-east: low enough for the test to meet admission control.
    mesh = TwoRegions.start("metrics", new JsonObject().put("gateway",
        new JsonObject().put("maxNewConnectionsPerSecond", 5)), true);
    us = mesh.us;
    eu = mesh.eu;
  }

  @AfterAll
  static void stop() {
    if (mesh != null) {
      mesh.close();
    }
  }

  @Test
  void chat_across_regions_moves_every_lattice_metric() {
    String alice = TestClient.uniqueUser("alice");
    String bob = TestClient.uniqueUser("bob");
    try (TestClient aliceClient = TestClient.connect(us.httpUrl(), us.wsUrl(), alice);
         TestClient bobClient = TestClient.connect(eu.httpUrl(), eu.wsUrl(), bob)) {
      String conversation = aliceClient.createDirect(bob);
      String first = aliceClient.sendAndAwaitAck(conversation, "hello from us-east").getString("messageId");
      bobClient.await(Frames.message(first), WAIT);
      String second = aliceClient.sendAndAwaitAck(conversation, "again").getString("messageId");
      bobClient.await(Frames.message(second), WAIT);
      bobClient.receipt(conversation, "read", first, second);
      aliceClient.await(Frames.receipt(second).and(Frames.of("read", f -> f.getLong("readAt", 0L) > 0)), WAIT);
      // A resumed session: a sync from a cursor.
      aliceClient.sync(conversation, aliceClient.sync(conversation, null, 1).cursor(), 10);

      Map<String, String> usTags = Map.of("region", "us-east");
      Map<String, String> euFromUs = Map.of("region", "eu-west", "source_region", "us-east");
      Map<String, String> usFromEu = Map.of("region", "us-east", "source_region", "eu-west");
      awaitMetric("lattice_sends_total", tags("region", "us-east", "result", "acked"), v -> v >= 2);
      awaitMetric("lattice_send_ack_latency_seconds_count", usTags, v -> v >= 2);
      awaitMetric("lattice_ws_connects_total", tags("region", "us-east", "transport", "ws"), v -> v >= 1);
      awaitMetric("lattice_ws_connections", usTags, v -> v >= 1);
      awaitMetric("lattice_sync_resumes_total", usTags, v -> v >= 1);
      // eu-west delivered us-east's messages (first copy: live or durable), us-east merged eu-west's read receipts.
      awaitMetric("lattice_cross_region_delivery_latency_seconds_count", euFromUs, v -> v >= 2);
      Map<String, String> allBuckets = new HashMap<>(euFromUs);
      allBuckets.put("le", "+Inf");
      awaitMetric("lattice_cross_region_delivery_latency_seconds_bucket", allBuckets, v -> v >= 2);
      awaitMetric("lattice_replication_record_age_seconds_count", euFromUs, v -> v >= 1);
      awaitMetric("lattice_receipt_convergence_seconds_count", usFromEu, v -> v >= 1);
      awaitMetric("lattice_replication_lag_records", euFromUs, v -> v >= 0);
      // us-east's router found bob in its region cache (filled by bob's replicated presence, or by the first
      // lookup); a user connected nowhere is not in it: a miss (a presence read), then a hit for 10 s.
      awaitMetric("lattice_router_cache_lookups_total", tags("region", "us-east", "result", "hit"), v -> v >= 1);
      Map<String, String> miss = tags("region", "us-east", "result", "miss");
      double missesBefore = metric(scrape(us), "lattice_router_cache_lookups_total", miss);
      String nowhere = aliceClient.createDirect(TestClient.uniqueUser("ghost"));
      aliceClient.sendAndAwaitAck(nowhere, "anyone there?");
      awaitMetric("lattice_router_cache_lookups_total", miss, v -> v >= missesBefore + 1);
      awaitMetric("lattice_event_loop_delay_seconds_count", usTags, v -> v >= 5);

      Map<String, String> badJson = tags("region", "us-east", "code", "bad_json");
      double errorsBefore = metric(scrape(us), "lattice_errors_total", badJson);
      aliceClient.sendText("not json");
      aliceClient.await(Frames.error("bad_json"));
      awaitMetric("lattice_errors_total", badJson, v -> v >= errorsBefore + 1);
    }
  }

  @Test
  void sockjs_connections_count_as_connections() throws Exception {
    String carol = TestClient.uniqueUser("carol");
    String token = TestClient.devToken(eu.httpUrl(), carol).token();
    double before = metric(scrape(eu), "lattice_ws_connections", Map.of("region", "eu-west"));
    // SockJS's xhr-streaming transport (what a browser behind a WebSocket-hostile proxy uses): the session opens
    // with the POST, and its first frames ("o", then our ready frame) stream back.
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpRequest open = HttpRequest.newBuilder(URI.create(eu.httpUrl() + "/sockjs/000/" + carol.substring(6)
        + "/xhr_streaming?token=" + token)).POST(HttpRequest.BodyPublishers.noBody()).build();
    HttpResponse<InputStream> streaming = http.sendAsync(open, HttpResponse.BodyHandlers.ofInputStream())
        .get(30, TimeUnit.SECONDS);
    try (InputStream body = streaming.body()) {
      assertThat(streaming.statusCode()).isEqualTo(200);
      BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
      String line;
      do {
        line = lines.readLine();
        assertThat(line).as("a ready frame on the stream").isNotNull();
      } while (!line.contains("ready"));
      assertThat(line).contains(carol);
      awaitMetric("lattice_ws_connects_total", tags("region", "eu-west", "transport", "sockjs"), v -> v >= 1);
      awaitMetric("lattice_ws_connections", Map.of("region", "eu-west"), v -> v >= before + 1);
    }
  }

  // Last: it empties us-east's admission bucket (5/s), which would refuse the other tests' upgrades for a while.
  @Test
  @org.junit.jupiter.api.Order(Integer.MAX_VALUE)
  void reconnects_and_admission_refusals_are_counted() {
    String dave = TestClient.uniqueUser("dave");
    String token = TestClient.devToken(us.httpUrl(), dave).token();
    Map<String, String> drained = tags("region", "us-east", "reason", "draining");
    double downtimeBefore = metric(scrape(us), "lattice_reconnect_downtime_seconds_sum", drained);
    try (TestClient back = TestClient.connectWithBearerHeader(us.httpUrl(),
        us.wsUrl() + "?resume=draining&downMs=1500", dave, token)) {
      assertThat(back.ready().getString("userId")).isEqualTo(dave);
      awaitMetric("lattice_ws_reconnects_total", drained, v -> v >= 1);
      awaitMetric("lattice_reconnect_downtime_seconds_sum", drained, v -> v >= downtimeBefore + 1.5);
    }
    // us-east admits five new connections a second: a burst of upgrades meets a 503.
    int refused = 0;
    for (int i = 0; i < 50 && refused == 0; i++) {
      if (TestClient.upgradeStatus(us.wsUrl() + "?token=" + token, Map.of()) == 503) {
        refused++;
      }
    }
    assertThat(refused).as("a 503 within 50 rapid upgrades").isEqualTo(1);
    awaitMetric("lattice_admission_refusals_total", tags("region", "us-east", "reason", "admission_rate"),
        v -> v >= 1);
  }

  @Test
  void every_metric_the_dashboard_queries_is_exposed() throws Exception {
    Path dashboard = Path.of(System.getProperty("lattice.root", ".."), "docker/grafana/lattice-dashboard.json");
    JsonObject json = new JsonObject(Files.readString(dashboard));
    TreeSet<String> used = new TreeSet<>();
    collectExpressions(json, used);
    assertThat(used).as("metrics queried by the dashboard").isNotEmpty();
    String text = scrape(us);
    TreeSet<String> exposed = new TreeSet<>();
    for (String line : text.split("\n")) {
      Matcher m = SAMPLE.matcher(line);
      if (!line.startsWith("#") && m.matches()) {
        exposed.add(m.group(1));
      }
    }
    assertThat(exposed).as("series in /metrics").containsAll(used);
    // And every metric of LatticeMetrics is on the dashboard.
    for (String name : LatticeMetrics.NAMES) {
      assertThat(used.stream().anyMatch(u -> u.startsWith(name))).as(name + " on the dashboard").isTrue();
    }
  }

  /** Every lattice_*, jvm_*, process_* and system_* name in the dashboard's queries and template variables. */
  private static void collectExpressions(Object node, TreeSet<String> used) {
    if (node instanceof JsonObject object) {
      for (Map.Entry<String, Object> e : object) {
        if ((e.getKey().equals("expr") || e.getKey().equals("query")) && e.getValue() instanceof String expr) {
          Matcher m = DASHBOARD_METRIC.matcher(expr);
          while (m.find()) {
            used.add(m.group());
          }
        } else {
          collectExpressions(e.getValue(), used);
        }
      }
    } else if (node instanceof JsonArray array) {
      array.forEach(v -> collectExpressions(v, used));
    }
  }

  private static Map<String, String> tags(String... keyValues) {
    Map<String, String> tags = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      tags.put(keyValues[i], keyValues[i + 1]);
    }
    return tags;
  }

  private static String scrape(InProcessNode node) {
    TestClient.HttpResult r = TestClient.http(node.httpUrl(), "GET", "/metrics", null, null);
    assertThat(r.status()).as("GET /metrics").isEqualTo(200);
    return r.body();
  }

  /** Polls us-east's /metrics until the sum of the matching series satisfies {@code ok}; fails with the last value. */
  private static void awaitMetric(String name, Map<String, String> tags, DoublePredicate ok) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    double value;
    while (true) {
      value = metric(scrape(us), name, tags);
      if (ok.test(value)) {
        return;
      }
      if (System.nanoTime() > deadline) {
        break;
      }
      try {
        Thread.sleep(100); // polling interval of the condition, not a synchronization
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    StringBuilder series = new StringBuilder();
    for (String line : scrape(us).split("\n")) {
      if (line.startsWith(name)) {
        series.append('\n').append(line);
      }
    }
    throw new AssertionError(name + tags + " = " + value + " after " + WAIT.toSeconds() + " s; series:" + series);
  }

  /** The sum of the samples of {@code name} whose labels include {@code tags}; NaN when there are none. */
  static double metric(String text, String name, Map<String, String> tags) {
    double sum = 0;
    boolean any = false;
    for (String line : text.split("\n")) {
      Matcher m = SAMPLE.matcher(line);
      if (line.startsWith("#") || !m.matches() || !m.group(1).equals(name)) {
        continue;
      }
      Map<String, String> labels = new HashMap<>();
      Matcher l = LABEL.matcher(m.group(3) == null ? "" : m.group(3));
      while (l.find()) {
        labels.put(l.group(1), l.group(2));
      }
      if (labels.entrySet().containsAll(tags.entrySet())) {
        sum += Double.parseDouble(m.group(4));
        any = true;
      }
    }
    return any ? sum : Double.NaN;
  }
}
