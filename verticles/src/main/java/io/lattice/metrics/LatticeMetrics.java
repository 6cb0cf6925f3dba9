package io.lattice.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.micrometer.backends.BackendRegistries;

import java.util.List;

/**
 * Lattice's own Prometheus metrics: the one list of their names (what each means and what to alert on is in
 * docs/operations.md, "Metrics and alerts"), and the registry they live in. Every meter is tagged {@code region} and,
 * where a node measures it, {@code node}. Names are Micrometer names; Prometheus adds {@code _total} to counters and
 * {@code _seconds_bucket|_count|_sum|_max} to timers.
 */
public final class LatticeMetrics {
  /** Gauge: live client connections (WebSocket and SockJS) on the node. */
  public static final String WS_CONNECTIONS = "lattice_ws_connections";
  /** Counter: connections opened, by {@code transport} (ws, sockjs). */
  public static final String WS_CONNECTS = "lattice_ws_connects";
  /** Counter: connections of clients that came back (the client names why it left), by {@code reason}. */
  public static final String WS_RECONNECTS = "lattice_ws_reconnects";
  /** Timer: how long a reconnecting client was without a connection (client-reported), by {@code reason}. */
  public static final String RECONNECT_DOWNTIME = "lattice_reconnect_downtime";
  /** Counter: connections resuming an earlier session (their first sync carries a cursor). */
  public static final String SYNC_RESUMES = "lattice_sync_resumes";
  /** Counter: upgrades refused with 503, by {@code reason} (draining, overloaded, admission_rate). */
  public static final String ADMISSION_REFUSALS = "lattice_admission_refusals";
  /** Counter: reconnect frames sent to connected clients, by {@code reason} (draining, overloaded). */
  public static final String RECONNECTS_REQUESTED = "lattice_reconnects_requested";
  /** Counter: sends, by {@code result} (acked, rate_limited, or the error code). */
  public static final String SENDS = "lattice_sends";
  /** Timer: send received -> ack written. */
  public static final String SEND_ACK_LATENCY = "lattice_send_ack_latency";
  /** Counter: error frames and responses, by {@code code}. */
  public static final String ERRORS = "lattice_errors";
  /** Timer: a message's createdAt in its source region -> first delivery here, by {@code source_region}, {@code path}. */
  public static final String CROSS_REGION_DELIVERY = "lattice_cross_region_delivery_latency";
  /** Gauge: records the bridge has yet to read from a remote region's cluster, by {@code source_region}. */
  public static final String REPLICATION_LAG_RECORDS = "lattice_replication_lag_records";
  /** Timer: age of replicated records when applied here (Kafka timestamp -> applied), by {@code source_region}. */
  public static final String REPLICATION_RECORD_AGE = "lattice_replication_record_age";
  /** Timer: a receipt state published by its origin region -> merged here (when it changed something). */
  public static final String RECEIPT_CONVERGENCE = "lattice_receipt_convergence";
  /** Counter: region lookups of the session router answered from its cache, by {@code result} (hit, miss). */
  public static final String ROUTER_CACHE_LOOKUPS = "lattice_router_cache_lookups";
  /** Timer: lateness of a periodic task on each event loop, by {@code loop}. */
  public static final String EVENT_LOOP_DELAY = "lattice_event_loop_delay";

  /** Every name above, for tests and tools. */
  public static final List<String> NAMES = List.of(WS_CONNECTIONS, WS_CONNECTS, WS_RECONNECTS, RECONNECT_DOWNTIME,
      SYNC_RESUMES, ADMISSION_REFUSALS, RECONNECTS_REQUESTED, SENDS, SEND_ACK_LATENCY, ERRORS, CROSS_REGION_DELIVERY,
      REPLICATION_LAG_RECORDS, REPLICATION_RECORD_AGE, RECEIPT_CONVERGENCE, ROUTER_CACHE_LOOKUPS, EVENT_LOOP_DELAY);

  private static final MeterRegistry FALLBACK = new SimpleMeterRegistry();

  private LatticeMetrics() {
  }

  /**
   * The registry /metrics scrapes (Vert.x's default Micrometer backend); without one (metrics disabled, as in most
   * unit tests) a process-wide in-memory registry, so the code that records never has to check.
   */
  public static MeterRegistry registry() {
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    return registry != null ? registry : FALLBACK;
  }
}
