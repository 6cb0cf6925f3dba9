package io.lattice.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.HdrHistogram.Recorder;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Everything a run measures: latencies in microseconds (HdrHistogram {@link Recorder}s, written from any thread,
 * folded into a per-second series and a whole-run histogram by {@link #tick}), counters and gauges, also sampled
 * every second. Thread-safe.
 */
final class Stats {
  static final long HIGHEST_US = 120_000_000L; // 2 minutes

  final long startNanos = System.nanoTime();
  private final Map<String, Latency> latencies = new ConcurrentSkipListMap<>();
  private final Map<String, LongAdder> counters = new ConcurrentSkipListMap<>();
  private final Map<String, LongSupplier> gauges = new ConcurrentSkipListMap<>();
  private final JsonArray counterSeries = new JsonArray();
  private final Map<String, Long> lastCounters = new ConcurrentHashMap<>();
  private final double warmupSeconds;
  private volatile long steadyFromNanos = Long.MAX_VALUE;

  Stats() {
    this(0);
  }

  /**
   * {@code warmupSeconds} > 0: latencies of what was sent in the first seconds of the load are also left out of a
   * second, "steady" summary (a freshly started JVM compiles its hot paths then, and a scenario's first seconds carry
   * its set-up's garbage), so a report shows the run with and without them.
   */
  Stats(double warmupSeconds) {
    this.warmupSeconds = warmupSeconds;
  }

  /** The load loop began now: the steady summary takes what is sent from the end of the warm-up on. */
  void loadStarted(long startNanos) {
    if (warmupSeconds > 0 && steadyFromNanos == Long.MAX_VALUE) {
      steadyFromNanos = startNanos + (long) (warmupSeconds * 1e9);
    }
  }

  static final class Latency {
    final Recorder recorder = new Recorder(HIGHEST_US, 3);
    final Histogram total = new Histogram(HIGHEST_US, 3);
    /** Only what was sent after the warm-up (see {@link #loadStarted}). */
    final Recorder steadyRecorder = new Recorder(HIGHEST_US, 3);
    final Histogram steady = new Histogram(HIGHEST_US, 3);
    final JsonArray series = new JsonArray();
    private Histogram interval;

    /** The histogram of the last tick only (the max scenario judges each step by it). */
    synchronized Histogram lastInterval() {
      return interval == null ? new Histogram(HIGHEST_US, 3) : interval.copy();
    }

    synchronized Histogram totalCopy() {
      return total.copy();
    }
  }

  /** Seconds since the start of the run. */
  double now() {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  void record(String name, long nanos) {
    Latency l = latencies.computeIfAbsent(name, n -> new Latency());
    long micros = Math.max(0, Math.min(HIGHEST_US, nanos / 1_000));
    l.recorder.recordValue(micros);
    if (System.nanoTime() - nanos >= steadyFromNanos) {
      l.steadyRecorder.recordValue(micros);
    }
  }

  void count(String name) {
    add(name, 1);
  }

  void add(String name, long n) {
    counters.computeIfAbsent(name, k -> new LongAdder()).add(n);
  }

  long get(String name) {
    LongAdder a = counters.get(name);
    return a == null ? 0 : a.sum();
  }

  void gauge(String name, LongSupplier value) {
    gauges.put(name, value);
  }

  Latency latency(String name) {
    return latencies.computeIfAbsent(name, n -> new Latency());
  }

  /** Folds the last second into the series (called once a second by one thread). */
  synchronized void tick() {
    double t = Math.round(now() * 10) / 10.0;
    latencies.forEach((name, l) -> {
      synchronized (l) {
        Histogram h = l.recorder.getIntervalHistogram();
        l.interval = h;
        l.total.add(h);
        l.steady.add(l.steadyRecorder.getIntervalHistogram());
        l.series.add(new JsonObject().put("t", t).put("count", h.getTotalCount())
            .put("p50", ms(h.getValueAtPercentile(50))).put("p90", ms(h.getValueAtPercentile(90)))
            .put("p99", ms(h.getValueAtPercentile(99))).put("max", ms(h.getMaxValue())));
      }
    });
    JsonObject row = new JsonObject().put("t", t);
    counters.forEach((name, adder) -> {
      long v = adder.sum();
      long prev = lastCounters.getOrDefault(name, 0L);
      lastCounters.put(name, v);
      row.put(name, v).put(name + "/s", v - prev);
    });
    gauges.forEach((name, g) -> row.put(name, g.getAsLong()));
    counterSeries.add(row);
  }

  static double ms(long micros) {
    return Math.round(micros / 10.0) / 100.0;
  }

  static JsonObject summary(Histogram h) {
    JsonObject s = new JsonObject().put("count", h.getTotalCount());
    if (h.getTotalCount() == 0) {
      return s;
    }
    s.put("p50", ms(h.getValueAtPercentile(50))).put("p90", ms(h.getValueAtPercentile(90)))
        .put("p99", ms(h.getValueAtPercentile(99))).put("p999", ms(h.getValueAtPercentile(99.9)))
        .put("max", ms(h.getMaxValue())).put("mean", Math.round(h.getMean() / 10.0) / 100.0);
    // For the histogram chart: counts in logarithmic buckets (upper bound in ms).
    JsonArray buckets = new JsonArray();
    for (HistogramIterationValue v : h.logarithmicBucketValues(100, 1.5)) {
      if (v.getCountAddedInThisIterationStep() > 0) {
        buckets.add(new JsonArray(List.of(ms(v.getValueIteratedTo()), v.getCountAddedInThisIterationStep())));
      }
    }
    s.put("buckets", buckets);
    JsonArray spectrum = new JsonArray();
    for (double p : new double[] {0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 95, 97, 98, 99, 99.5, 99.9, 99.95,
        99.99, 100}) {
      spectrum.add(new JsonArray(List.of(p, ms(h.getValueAtPercentile(p)))));
    }
    s.put("percentiles", spectrum);
    return s;
  }

  JsonObject toJson() {
    JsonObject lat = new JsonObject();
    latencies.forEach((name, l) -> {
      synchronized (l) {
        JsonObject summary = summary(l.total).put("series", l.series.copy());
        if (warmupSeconds > 0) {
          summary.put("steady", summary(l.steady).put("warmupSeconds", warmupSeconds));
        }
        lat.put(name, summary);
      }
    });
    JsonObject totals = new JsonObject();
    counters.forEach((name, a) -> totals.put(name, a.sum()));
    return new JsonObject().put("latencies", lat).put("counters", totals).put("series", counterSeries.copy());
  }
}
