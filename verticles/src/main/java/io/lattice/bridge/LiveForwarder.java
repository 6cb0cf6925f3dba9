package io.lattice.bridge;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Targeted live traffic pushed into other regions' clusters ({@code chat.cross_region_sync}): one producer per
 * remote region, created on first use.
 *
 * <p>Why push, when the durable path pulls: a pulling consumer waits for its fetch request to cross the WAN before
 * the response can come back, so a record produced just after a fetch left waits up to three one-way delays. A
 * produce request that crosses once costs one one-way delay; the destination's consumer is local to its own cluster.
 *
 * <p>Best effort by design, tuned for latency: {@code acks=1}, two quick retries, no idempotence, many requests in flight
 * (so a long fat link does not cap the rate at a few requests per round trip), a short {@code max.block.ms} (a cut
 * link fails sends in about a second instead of queueing them). A lost or reordered live record costs nothing but
 * latency: the destination applies messages idempotently, and the durable path ({@code chat.message_sent} pulled by
 * the destination's bridge) brings every message anyway.
 *
 * <p>Bounded: at most {@link #MAX_IN_FLIGHT} records per destination are outstanding, and after a failed send the
 * destination is skipped for {@link #PAUSE_AFTER_FAILURE_MS} (a dead or cut-off region would otherwise make every
 * send wait {@code max.block.ms} in the producer's queue). Skipped records are counted, never queued.
 *
 * <p>Threading: used on the owning verticle's event loop; sends complete on it.
 */
final class LiveForwarder {

  private final Vertx vertx;
  private final java.time.Clock clock;
  private final String region;
  private final Map<String, String> remotes;
  private final Map<String, String> overrides;
  static final int MAX_IN_FLIGHT = 2_000;
  static final long PAUSE_AFTER_FAILURE_MS = 1_000;

  private final Map<String, KafkaProducer<String, String>> producers = new LinkedHashMap<>();
  private final Map<String, Integer> inFlight = new HashMap<>();
  private final Map<String, Long> pausedUntil = new HashMap<>();
  private long skipped;

  /**
   * @param remotes   remote region name -> bootstrap servers of its cluster (through the WAN link in the demo)
   * @param overrides producer settings (security etc.) replacing the defaults below
   */
  LiveForwarder(Vertx vertx, String region, Map<String, String> remotes, Map<String, String> overrides,
                java.time.Clock clock) {
    this.vertx = vertx;
    this.clock = clock;
    this.region = region;
    this.remotes = Map.copyOf(remotes);
    this.overrides = Map.copyOf(overrides);
  }

  boolean knows(String destination) {
    return remotes.containsKey(destination);
  }

  /**
   * Creates every destination's producer and fetches the live topic's metadata now, so the first live record of a
   * destination does not wait for a metadata round trip over the WAN (which on a busy machine can exceed
   * {@code max.block.ms} and drop it). Failures are fine: a destination not up yet is retried on first use.
   */
  void warmUp() {
    for (String destination : remotes.keySet()) {
      producer(destination).partitionsFor(io.lattice.model.Topics.CROSS_REGION_SYNC);
    }
  }

  /** Records not sent because their destination was paused or saturated. */
  long skipped() {
    return skipped;
  }

  Future<Void> forward(ReplicationRecords.LiveEnvelope envelope) {
    String destination = envelope.destinationRegion();
    KafkaProducer<String, String> producer = producer(destination);
    if (producer == null) {
      return Future.failedFuture("no cluster configured for region " + destination);
    }
    long now = clock.millis();
    if (pausedUntil.getOrDefault(destination, 0L) > now || inFlight.getOrDefault(destination, 0) >= MAX_IN_FLIGHT) {
      skipped++;
      return Future.failedFuture("live traffic to " + destination + " paused");
    }
    ReplicationRecords.Outgoing out = ReplicationRecords.live(envelope);
    KafkaProducerRecord<String, String> record = KafkaProducerRecord.create(out.topic(), out.key(),
        out.value().encode());
    record.addHeader(ReplicationRecords.SOURCE_HEADER, region);
    record.addHeader(ReplicationRecords.FORMAT_HEADER, ReplicationRecords.FORMAT_VERSION);
    inFlight.merge(destination, 1, Integer::sum);
    return producer.send(record).<Void>mapEmpty().onComplete(ar -> {
      inFlight.merge(destination, -1, Integer::sum);
      if (ar.failed()) {
        pausedUntil.put(destination, clock.millis() + PAUSE_AFTER_FAILURE_MS);
      }
    });
  }

  private KafkaProducer<String, String> producer(String destination) {
    KafkaProducer<String, String> producer = producers.get(destination);
    if (producer == null && remotes.containsKey(destination)) {
      producer = KafkaProducer.create(vertx, config(destination));
      // A failed send fails its future, which the caller handles. Without a handler vertx-kafka-client also reports
      // every failed record to the context as an unhandled exception: an ERROR line per record while a link is cut.
      producer.exceptionHandler(e -> { });
      producers.put(destination, producer);
    }
    return producer;
  }

  Map<String, String> config(String destination) {
    Map<String, String> c = new HashMap<>();
    c.put("bootstrap.servers", remotes.get(destination));
    c.put("client.id", "lattice-live-" + region + "-to-" + destination);
    c.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    c.put("value.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    c.put("acks", "1");
    c.put("enable.idempotence", "false");
    // A partition whose leadership just moved (a broker restart, a topic just created) answers
    // NOT_LEADER_OR_FOLLOWER once: two quick retries, not a 1 s pause of the destination.
    c.put("retries", "2");
    c.put("retry.backoff.ms", "20");
    c.put("linger.ms", "0");
    c.put("max.in.flight.requests.per.connection", "256");
    c.put("max.block.ms", "1000");
    c.put("request.timeout.ms", "5000");
    c.put("delivery.timeout.ms", "5000");
    c.put("metadata.max.age.ms", "10000");
    c.putAll(overrides);
    return c;
  }

  Future<Void> close() {
    List<Future<Void>> closing = producers.values().stream().map(KafkaProducer::close).toList();
    producers.clear();
    return Future.join(closing).mapEmpty();
  }
}
