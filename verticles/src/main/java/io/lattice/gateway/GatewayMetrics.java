package io.lattice.gateway;

import io.lattice.model.protocol.ErrorCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.micrometer.backends.BackendRegistries;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** The gateway's own Prometheus metrics (Vert.x's come from vertx-micrometer-metrics). */
final class GatewayMetrics {
  private final Timer ackLatency;
  private final Map<ErrorCode, Counter> errors = new EnumMap<>(ErrorCode.class);

  GatewayMetrics(String region, String node, Supplier<Number> connections) {
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    if (registry == null) {
      registry = new SimpleMeterRegistry();
    }
    ackLatency = Timer.builder("lattice_send_ack_latency").description("send received -> ack written")
        .tag("region", region).tag("node", node).publishPercentileHistogram().register(registry);
    Gauge.builder("lattice_ws_connections", connections).description("live client connections")
        .tag("region", region).tag("node", node).register(registry);
    for (ErrorCode code : ErrorCode.values()) {
      errors.put(code, Counter.builder("lattice_errors").description("error frames and responses by code")
          .tag("region", region).tag("node", node).tag("code", code.wire()).register(registry));
    }
  }

  void acked(long nanos) {
    ackLatency.record(nanos, TimeUnit.NANOSECONDS);
  }

  void error(ErrorCode code) {
    errors.get(code).increment();
  }
}
