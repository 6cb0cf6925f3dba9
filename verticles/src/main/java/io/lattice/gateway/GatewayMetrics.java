package io.lattice.gateway;

import io.lattice.metrics.LatticeMetrics;
import io.lattice.model.protocol.ErrorCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The gateway's own Prometheus metrics (Vert.x's come from vertx-micrometer-metrics); names in {@link LatticeMetrics}.
 * Tag values come from fixed sets (error codes, known reasons), never from clients, so a client cannot grow the
 * number of series.
 */
final class GatewayMetrics {
  /** Why a client says it reconnected ({@code ?resume=} on the upgrade); anything else counts as {@code lost}. */
  static final Set<String> RECONNECT_REASONS = Set.of("draining", "overloaded", "lost");

  private final MeterRegistry registry;
  private final Tags tags;
  private final Timer ackLatency;
  private final Gauge connectionsGauge;
  private final Map<ErrorCode, Counter> errors = new EnumMap<>(ErrorCode.class);
  private final Map<ErrorCode, Counter> refusedSends = new EnumMap<>(ErrorCode.class);
  private final Counter acked;
  private final Counter resumes;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<String, Timer> downtime = new ConcurrentHashMap<>();

  GatewayMetrics(String region, String node, Supplier<Number> connections) {
    registry = LatticeMetrics.registry();
    tags = Tags.of("region", region, "node", node);
    ackLatency = Timer.builder(LatticeMetrics.SEND_ACK_LATENCY).description("send received -> ack written")
        .tags(tags).publishPercentileHistogram().register(registry);
    connectionsGauge = Gauge.builder(LatticeMetrics.WS_CONNECTIONS, connections)
        .description("live client connections (ws and sockjs)").tags(tags).register(registry);
    for (ErrorCode code : ErrorCode.values()) {
      errors.put(code, Counter.builder(LatticeMetrics.ERRORS).description("error frames and responses by code")
          .tags(tags).tag("code", code.wire()).register(registry));
      refusedSends.put(code, sendCounter(code.wire()));
    }
    acked = sendCounter("acked");
    resumes = Counter.builder(LatticeMetrics.SYNC_RESUMES)
        .description("connections whose first sync resumes from a cursor (an earlier session, here or elsewhere)")
        .tags(tags).register(registry);
    // Registered up front so that dashboards and alerts see zeros rather than missing series.
    for (String transport : Set.of("ws", "sockjs")) {
      counter(LatticeMetrics.WS_CONNECTS, "transport", transport);
    }
    for (String reason : RECONNECT_REASONS) {
      counter(LatticeMetrics.WS_RECONNECTS, "reason", reason);
      downtimeTimer(reason);
    }
    for (String reason : Set.of("draining", "overloaded", "admission_rate")) {
      counter(LatticeMetrics.ADMISSION_REFUSALS, "reason", reason);
    }
    for (String reason : Set.of("draining", "overloaded")) {
      counter(LatticeMetrics.RECONNECTS_REQUESTED, "reason", reason);
    }
  }

  private Counter sendCounter(String result) {
    return Counter.builder(LatticeMetrics.SENDS).description("sends by result (acked, or the error code)")
        .tags(tags).tag("result", result).register(registry);
  }

  private Counter counter(String name, String tag, String value) {
    return counters.computeIfAbsent(name + '\n' + value, k -> Counter.builder(name).tags(tags).tag(tag, value)
        .register(registry));
  }

  private Timer downtimeTimer(String reason) {
    return downtime.computeIfAbsent(reason, r -> Timer.builder(LatticeMetrics.RECONNECT_DOWNTIME)
        .description("client-reported time without a connection before this reconnect")
        .tags(tags).tag("reason", r).publishPercentileHistogram().maximumExpectedValue(Duration.ofMinutes(5))
        .register(registry));
  }

  /**
   * A gauge reads the gateway that registered it: a gateway redeployed in the same process (tests, a restart of the
   * verticle) must take its gauge away for its successor's to count. Counters and timers simply carry on.
   */
  void close() {
    registry.remove(connectionsGauge);
  }

  void acked(long nanos) {
    ackLatency.record(nanos, TimeUnit.NANOSECONDS);
    acked.increment();
  }

  /** A send answered with an error frame instead of an ack. */
  void sendRefused(ErrorCode code) {
    refusedSends.get(code).increment();
  }

  void error(ErrorCode code) {
    errors.get(code).increment();
  }

  void connected(String transport) {
    counter(LatticeMetrics.WS_CONNECTS, "transport", transport).increment();
  }

  /**
   * A client that says it is coming back ({@code reason}: why it left) after {@code downMillis} without a
   * connection (negative: not told).
   */
  void reconnected(String reason, long downMillis) {
    String known = RECONNECT_REASONS.contains(reason) ? reason : "lost";
    counter(LatticeMetrics.WS_RECONNECTS, "reason", known).increment();
    if (downMillis >= 0) {
      downtimeTimer(known).record(downMillis, TimeUnit.MILLISECONDS);
    }
  }

  void resumed() {
    resumes.increment();
  }

  void refused(String reason) {
    counter(LatticeMetrics.ADMISSION_REFUSALS, "reason", reason).increment();
  }

  void reconnectRequested(String reason) {
    counter(LatticeMetrics.RECONNECTS_REQUESTED, "reason", reason).increment();
  }
}
