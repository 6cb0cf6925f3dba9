package io.lattice.bridge;

import io.lattice.model.Conversation;
import io.lattice.model.Message;
import io.lattice.model.crdt.PresenceSlot;
import io.lattice.store.ReceiptStore.ReceiptUpdate;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import io.vertx.kafka.client.producer.RecordMetadata;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Publishes what this region originated to this region's own Kafka cluster (never to another region's): messages,
 * conversation snapshots, receipt batches, presence slots (formats in {@link ReplicationRecords}).
 *
 * <p>One idempotent producer ({@code acks=all}, {@code enable.idempotence=true}): a returned future succeeds once the
 * broker acknowledged the record, and the producer's own retries never duplicate or reorder records of a partition.
 * A failed future means the record may or may not be stored; publishing it again is safe, since every record kind
 * is applied idempotently by the bridges.
 *
 * <p>Refuses (failed future, nothing sent) anything whose source region is not this region: a region republishing
 * replicated data would loop it between regions.
 *
 * <p>Threading: futures complete on the context that created the publisher; nothing blocks an event loop (the Kafka
 * producer's send is asynchronous; {@link #close()} runs on a worker thread in vertx-kafka-client).
 */
public final class RegionPublisher {

  private final String region;
  private final KafkaProducer<String, String> producer;

  /**
   * @param bootstrapServers this region's own cluster
   * @param overrides producer settings replacing the defaults (security settings etc.); may be empty
   */
  public RegionPublisher(Vertx vertx, String region, String bootstrapServers, Map<String, String> overrides) {
    this.region = region;
    this.producer = KafkaProducer.create(vertx, config(region, bootstrapServers, overrides));
    // Failures reach the callers through the returned futures; without a handler vertx-kafka-client would also log
    // each failed record as an unhandled exception of the context.
    this.producer.exceptionHandler(e -> { });
  }

  public RegionPublisher(Vertx vertx, String region, String bootstrapServers) {
    this(vertx, region, bootstrapServers, Map.of());
  }

  static Map<String, String> config(String region, String bootstrapServers, Map<String, String> overrides) {
    Map<String, String> config = new HashMap<>();
    config.put("bootstrap.servers", bootstrapServers);
    config.put("client.id", "lattice-publisher-" + region);
    config.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    config.put("value.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    config.put("acks", "all");
    config.put("enable.idempotence", "true");
    config.put("max.in.flight.requests.per.connection", "5");
    config.put("linger.ms", "0");
    config.putAll(overrides);
    // Not overridable: without them an acknowledged record could be lost or duplicated.
    config.put("acks", "all");
    config.put("enable.idempotence", "true");
    return config;
  }

  public String region() {
    return region;
  }

  /** A message this region persisted (its seq and Lamport as stored here). */
  public Future<RecordMetadata> publishMessage(Message message) {
    if (!region.equals(message.sourceRegion())) {
      return refuse("message " + message.messageId() + " originated in " + message.sourceRegion());
    }
    return send(ReplicationRecords::message, message);
  }

  /** A conversation snapshot after its creation or a member change here; {@code version} grows with each change. */
  public Future<RecordMetadata> publishConversation(Conversation conversation, long version) {
    return send(c -> ReplicationRecords.conversation(c, version, region), conversation);
  }

  /** Receipt states merged in this region, in one record (nobody named to notify). */
  public Future<RecordMetadata> publishReceipts(List<ReceiptUpdate> updates) {
    return publishReceiptNotices(updates.stream().map(ReplicationRecords.ReceiptNotice::of).toList());
  }

  /** Receipt states merged in this region with their conversation and sender, in one record. */
  public Future<RecordMetadata> publishReceiptNotices(List<ReplicationRecords.ReceiptNotice> notices) {
    return send(n -> ReplicationRecords.receipts(n, region), notices);
  }

  /** This region's own presence slot of a user. */
  public Future<RecordMetadata> publishPresence(String userId, PresenceSlot slot) {
    return send(s -> ReplicationRecords.presence(userId, region, s), slot);
  }

  /** Flushes and closes the producer. */
  public Future<Void> close() {
    return producer.close();
  }

  private <T> Future<RecordMetadata> send(java.util.function.Function<T, ReplicationRecords.Outgoing> encode,
                                          T item) {
    ReplicationRecords.Outgoing out;
    try {
      out = encode.apply(item);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    KafkaProducerRecord<String, String> record = KafkaProducerRecord.create(out.topic(), out.key(),
        out.value().encode());
    record.addHeader(ReplicationRecords.SOURCE_HEADER, out.sourceRegion());
    record.addHeader(ReplicationRecords.FORMAT_HEADER, ReplicationRecords.FORMAT_VERSION);
    return producer.send(record);
  }

  private static Future<RecordMetadata> refuse(String why) {
    return Future.failedFuture(new IllegalArgumentException("not published: " + why));
  }
}
