package io.lattice.bridge;

import io.lattice.metrics.LatticeMetrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * What the bridge measures about cross-region replication (names in {@link LatticeMetrics}): delivery latency of
 * replicated messages, age of applied records, receipt convergence, and each link's consumer lag.
 *
 * <p>Latencies compare a wall-clock time stamped in another region (a message's createdAt, a Kafka record's
 * timestamp) with this node's clock: clock skew between regions shows up in them (negative values count as 0).
 */
final class BridgeMetrics {
  private final MeterRegistry registry = LatticeMetrics.registry();
  private final Tags tags;
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();

  BridgeMetrics(String region, String node) {
    tags = Tags.of("region", region, "node", node);
  }

  /** Registers a remote region's series up front, so that dashboards and alerts see zeros rather than nothing. */
  void expect(String sourceRegion) {
    delivered(sourceRegion, "live", -1, -1, false);
    delivered(sourceRegion, "durable", -1, -1, false);
    recordAge(sourceRegion);
    convergence(sourceRegion);
  }

  /** A replicated message delivered here for the first time; {@code path}: live or durable. */
  void delivered(String sourceRegion, String path, long createdAt, long now) {
    delivered(sourceRegion, path, createdAt, now, true);
  }

  private void delivered(String sourceRegion, String path, long createdAt, long now, boolean record) {
    Timer timer = timer(LatticeMetrics.CROSS_REGION_DELIVERY, "source region createdAt -> first delivery here",
        Tags.of("source_region", sourceRegion, "path", path));
    if (record) {
      timer.record(Math.max(0, now - createdAt), TimeUnit.MILLISECONDS);
    }
  }

  private Timer recordAge(String sourceRegion) {
    return timer(LatticeMetrics.REPLICATION_RECORD_AGE, "Kafka record timestamp -> applied here",
        Tags.of("source_region", sourceRegion));
  }

  private Timer convergence(String sourceRegion) {
    return timer(LatticeMetrics.RECEIPT_CONVERGENCE, "receipt state published by its origin region -> merged here",
        Tags.of("source_region", sourceRegion));
  }

  /** A replicated record applied here, {@code timestamp} being its Kafka (producer) timestamp. */
  void applied(String sourceRegion, long timestamp, long now) {
    if (timestamp > 0) {
      recordAge(sourceRegion).record(Math.max(0, now - timestamp), TimeUnit.MILLISECONDS);
    }
  }

  /** A receipt state from another region that changed the state here, published at {@code timestamp} there. */
  void receiptConverged(String sourceRegion, long timestamp, long now) {
    if (timestamp > 0) {
      convergence(sourceRegion).record(Math.max(0, now - timestamp), TimeUnit.MILLISECONDS);
    }
  }

  /**
   * The records a link's consumer has yet to read, summed over its partitions: Kafka's own per-partition
   * {@code records-lag} (high watermark minus position, updated with every fetch). Read from the consumer's metrics
   * map, which is safe from any thread, unlike the consumer itself (it is busy polling on its own thread).
   */
  Gauge lag(String sourceRegion, String path, Consumer<?, ?> consumer) {
    return Gauge.builder(LatticeMetrics.REPLICATION_LAG_RECORDS, consumer, BridgeMetrics::recordsLag)
        .description("records the bridge has yet to read from the source's cluster")
        .tags(tags).tag("source_region", sourceRegion).tag("path", path).strongReference(true).register(registry);
  }

  /** A link that stops takes its gauge with it (a redeployed bridge registers its new consumer's). */
  void remove(Gauge gauge) {
    registry.remove(gauge);
  }

  static double recordsLag(Consumer<?, ?> consumer) {
    double sum = 0;
    boolean any = false;
    for (Map.Entry<MetricName, ? extends Metric> e : consumer.metrics().entrySet()) {
      MetricName name = e.getKey();
      if (name.name().equals("records-lag") && name.group().equals("consumer-fetch-manager-metrics")
          && e.getValue().metricValue() instanceof Double value && !value.isNaN()) {
        sum += value;
        any = true;
      }
    }
    return any ? sum : Double.NaN;
  }

  private Timer timer(String name, String description, Tags extra) {
    return timers.computeIfAbsent(name + extra, k -> Timer.builder(name).description(description).tags(tags)
        .tags(extra).publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofMinutes(10)).register(registry));
  }
}
