package io.lattice.bench;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Scrapes each region's Prometheus {@code /metrics} every few seconds and keeps, generically: every {@code lattice_*}
 * series (histogram buckets left out: their {@code _sum} and {@code _count} stay), {@code jvm_memory_used_bytes}
 * summed over the heap pools ({@code jvm_heap_used_bytes}), {@code process_*} and {@code system_cpu_usage},
 * the Vert.x connection gauges, and the event-loop/worker pool figures when present. At most {@link #MAX_SERIES}
 * series per region.
 */
final class Scraper {
  static final int MAX_SERIES = 150;

  private final Vertx vertx;
  private final HttpClient http;
  private final Map<String, String> regions;
  private final Stats stats;
  /** region -> series name -> [[t, value]...] */
  private final Map<String, Map<String, JsonArray>> data = new TreeMap<>();
  private final Map<String, Integer> failures = new TreeMap<>();
  private final Map<String, ProcessProbe> probes = new TreeMap<>();
  private long timer = -1;

  Scraper(Vertx vertx, HttpClient http, Map<String, String> regions, Stats stats) {
    this.vertx = vertx;
    this.http = http;
    this.regions = regions;
    this.stats = stats;
  }

  void start(long intervalMs) {
    regions.forEach((region, url) -> {
      ProcessProbe probe = ProcessProbe.of(url);
      if (probe != null) {
        probes.put(region, probe);
        probe.sample();
      }
    });
    scrapeAll();
    timer = vertx.setPeriodic(intervalMs, t -> scrapeAll());
  }

  void stop() {
    vertx.cancelTimer(timer);
  }

  ProcessProbe probe(String region) {
    return probes.get(region);
  }

  private void scrapeAll() {
    probes.forEach((region, probe) -> {
      double t = Math.round(stats.now() * 10) / 10.0;
      vertx.executeBlocking(probe::sample, false).onSuccess(values -> record(region, t, values));
    });
    regions.forEach((region, url) -> {
      double t = Math.round(stats.now() * 10) / 10.0;
      http.request(new RequestOptions().setAbsoluteURI(url + "/metrics").setIdleTimeout(5_000).setConnectTimeout(3_000))
          .compose(r -> r.send().compose(resp -> resp.body()))
          .onSuccess(body -> record(region, t, parse(body.toString())))
          .onFailure(e -> {
            synchronized (this) {
              failures.merge(region, 1, Integer::sum);
            }
          });
    });
  }

  /** One scrape in the report's form: kept series only, name{labels} -> value. */
  static Map<String, Double> parse(String text) {
    Map<String, Double> out = new LinkedHashMap<>();
    double heap = 0;
    boolean sawHeap = false;
    for (String line : text.split("\n")) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      if (space < 0) {
        continue;
      }
      String key = line.substring(0, space).trim();
      double value;
      try {
        value = Double.parseDouble(line.substring(space + 1).trim());
      } catch (NumberFormatException e) {
        continue;
      }
      // A trailing timestamp: "name{..} value ts".
      int brace = key.indexOf('{');
      String name = brace < 0 ? key : key.substring(0, brace);
      if (name.contains(" ")) {
        continue;
      }
      if (name.equals("jvm_memory_used_bytes")) {
        if (key.contains("area=\"heap\"")) {
          heap += value;
          sawHeap = true;
        }
        continue;
      }
      if (name.endsWith("_bucket")) {
        continue;
      }
      if (name.startsWith("lattice_") || name.startsWith("process_") || name.equals("system_cpu_usage")
          || name.startsWith("vertx_http_server_active") || name.startsWith("vertx_eventbus_pending")
          || name.equals("vertx_pool_queue_pending") || name.equals("vertx_pool_in_use") || name.equals("jvm_threads_live_threads")
          || name.startsWith("jvm_gc_pause_seconds_sum") || name.startsWith("kafka_consumer_fetch_manager_records_lag")) {
        out.put(key, value);
      }
    }
    if (sawHeap) {
      out.put("jvm_heap_used_bytes", heap);
    }
    return out;
  }

  private synchronized void record(String region, double t, Map<String, Double> values) {
    Map<String, JsonArray> series = data.computeIfAbsent(region, r -> new TreeMap<>());
    values.forEach((key, value) -> {
      JsonArray points = series.get(key);
      if (points == null) {
        if (series.size() >= MAX_SERIES) {
          return;
        }
        points = new JsonArray();
        series.put(key, points);
      }
      points.add(new JsonArray().add(t).add(value));
    });
  }

  /** The last value of a series of a region, or NaN. */
  synchronized double last(String region, String key) {
    JsonArray points = data.getOrDefault(region, Map.of()).get(key);
    return points == null || points.isEmpty() ? Double.NaN : points.getJsonArray(points.size() - 1).getDouble(1);
  }

  synchronized JsonObject toJson() {
    JsonObject out = new JsonObject();
    data.forEach((region, series) -> {
      JsonObject r = new JsonObject();
      series.forEach((k, v) -> r.put(k, v.copy()));
      out.put(region, r);
    });
    JsonObject pids = new JsonObject();
    probes.forEach((region, probe) -> pids.put(region, probe.pid()));
    return new JsonObject().put("regions", out).put("scrapeFailures", new JsonObject(new LinkedHashMap<>(failures)))
        .put("localPids", pids).put("note", "host_process_* series: read from /proc/PID of the local process "
            + "listening on the region's port (RSS and threads, which /metrics does not have)");
  }
}
