package io.lattice.bridge;

import io.lattice.model.Addresses;
import io.lattice.model.LamportClock;
import io.lattice.model.Topics;
import io.lattice.store.ConversationStore;
import io.lattice.store.MessageStore;
import io.lattice.store.PresenceStore;
import io.lattice.store.ReceiptStore;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.KafkaConsumerRecords;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Pulls what the other regions originated from their own Kafka clusters (like MirrorMaker, one consumer per remote
 * region) and applies it to this region's stores idempotently; see {@code package-info.java} for the formats.
 *
 * <p>Per remote region, a poll loop: poll a batch (at most {@code maxPollRecords}), apply its records one at a time
 * in partition order (conversation snapshots first, then messages, receipts, presence: a message's conversation is
 * created before the message whenever both are in the batch, but a message whose conversation is unknown is stored
 * anyway), then remember the next offset of every partition of the batch, and commit what was applied once the last
 * commit is {@code commitIntervalMs} old (and at stop). Nothing is polled while a batch is being applied (the loop is
 * the backpressure). If any apply fails, the consumer seeks back to the first offset of the batch in each partition
 * and retries after an exponential backoff (100 ms to 10 s); the re-applied records are no-ops where they had
 * succeeded. A failed commit keeps its offsets for the next one. Records are therefore applied at least once (after a
 * crash or a rebalance, again from the last commit) and, by idempotence, take effect once.
 *
 * <p>Records whose source region is this region are ignored (a region never republishes what it received, but a
 * mis-wired publisher must not loop data back). A record whose value cannot be decoded is logged and skipped
 * (retrying cannot fix it and would stall the partition): see {@link #recordsSkipped()}.
 *
 * <p>A message is published locally on {@link Addresses#REPLICATED_MESSAGE} (delivered to this region's
 * connections) by the first of its copies to win its {@link DeliveryClaims claim}, once per message in the region.
 *
 * <p>Config (all optional): {@code pollTimeoutMs} (500), {@code maxPollRecords} (1000),
 * {@code commitIntervalMs} (5000: a remote link's commit is a WAN round trip during which nothing is fetched),
 * {@code retryBaseMs} (100),
 * {@code retryMaxMs} (10000), {@code consumer} (a JSON object of Kafka consumer settings overriding the defaults,
 * e.g. {@code session.timeout.ms} (10000 here), except group id, auto commit and deserializers).
 *
 * <p>Threading: everything runs on this verticle's event loop; the Kafka client polls and commits on its own thread
 * and the stores run on their own, so nothing blocks the event loop.
 */
public final class BridgeVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(BridgeVerticle.class);

  /** A remote region and its own Kafka cluster. */
  public record RemoteRegion(String name, String bootstrapServers) {
  }

  /** What one link consumes: a cluster, its topics, the consumer group. */
  private record Source(String name, String bootstrapServers, List<String> topics, String groupId, String path) {
  }

  private final String localRegion;
  private final List<RemoteRegion> remotes;
  private final MessageStore messages;
  private final ConversationStore conversations;
  private final ReceiptStore receipts;
  private final PresenceStore presence;
  private final Clock clock;
  private final LamportClock lamport;
  private final DeliveryClaims claims;
  private final String localBootstrapServers;
  private final List<Link> links = new ArrayList<>();
  private RecordApplier applier;
  private BridgeMetrics metrics;
  private volatile long lastAppliedAt;
  private long commitIntervalMs;
  private volatile long commits;
  private volatile long recordsSettled;
  private final String clientSuffix = Long.toHexString(System.nanoTime() & 0xffffff);

  public BridgeVerticle(String localRegion, List<RemoteRegion> remotes, MessageStore messages,
                        ConversationStore conversations, ReceiptStore receipts, PresenceStore presence, Clock clock) {
    this(localRegion, null, remotes, messages, conversations, receipts, presence, new LamportClock(),
        DeliveryClaims.inMemory(), clock);
  }

  /**
   * @param localBootstrapServers this region's own cluster, where other regions push targeted live traffic
   *                              ({@code chat.cross_region_sync}); null to not consume it
   * @param lamport               this node's clock, advanced past every timestamp applied
   * @param claims                which copy of a replicated message delivers it here (region-wide)
   */
  public BridgeVerticle(String localRegion, String localBootstrapServers, List<RemoteRegion> remotes,
                        MessageStore messages, ConversationStore conversations, ReceiptStore receipts,
                        PresenceStore presence, LamportClock lamport, DeliveryClaims claims, Clock clock) {
    this.claims = claims;
    this.localRegion = localRegion;
    this.localBootstrapServers = localBootstrapServers;
    this.lamport = lamport;
    this.remotes = List.copyOf(remotes);
    this.messages = messages;
    this.conversations = conversations;
    this.receipts = receipts;
    this.presence = presence;
    this.clock = clock;
    for (RemoteRegion remote : this.remotes) {
      if (remote.name().equals(localRegion)) {
        throw new IllegalArgumentException("a region does not bridge from itself: " + localRegion);
      }
    }
  }

  /** The consumer group of this region's bridges. */
  public static String groupId(String localRegion) {
    return "lattice-bridge-" + localRegion;
  }

  /** The consumer group of this region's live (cross-region sync) consumers on its own cluster. */
  public static String liveGroupId(String localRegion) {
    return "lattice-live-" + localRegion;
  }

  /** Records applied (including re-applied duplicates, excluding skipped ones) by this instance. */
  public long recordsApplied() {
    return applier == null ? 0 : applier.applied.get();
  }

  /** Offset commits made, all links together. */
  public long commits() {
    return commits;
  }

  /** Records of batches that were applied and then committed or left for a later commit (all links). */
  public long recordsSettled() {
    return recordsSettled;
  }

  /** Records skipped: malformed, or originated by this region. */
  public long recordsSkipped() {
    return applier == null ? 0 : applier.skipped.get();
  }

  /** Messages stored for the first time and notified on {@link Addresses#REPLICATED_MESSAGE}. */
  public long messagesNotified() {
    return applier == null ? 0 : applier.notified.get();
  }

  /** When (this verticle's clock) the last batch was applied; 0 if none yet. */
  public long lastAppliedAt() {
    return lastAppliedAt;
  }

  @Override
  public Future<?> start() {
    JsonObject config = config();
    Duration pollTimeout = Duration.ofMillis(config.getLong("pollTimeoutMs", 500L));
    long retryBase = config.getLong("retryBaseMs", 100L);
    long retryMax = config.getLong("retryMaxMs", 10_000L);
    Map<String, String> overrides = new HashMap<>();
    config.getJsonObject("consumer", new JsonObject()).forEach(e -> overrides.put(e.getKey(), String.valueOf(e.getValue())));
    int maxPollRecords = config.getInteger("maxPollRecords", 1000);
    commitIntervalMs = config.getLong("commitIntervalMs", 5_000L);
    metrics = new BridgeMetrics(localRegion, config.getString("node", "n1"));
    applier = new RecordApplier(vertx, localRegion, messages, conversations, receipts, presence, claims, metrics,
        clock);
    List<Source> sources = new ArrayList<>();
    for (RemoteRegion remote : remotes) {
      metrics.expect(remote.name());
      sources.add(new Source(remote.name(), remote.bootstrapServers(), ReplicationRecords.REPLICATED_TOPICS,
          groupId(localRegion), "durable"));
    }
    if (localBootstrapServers != null) {
      sources.add(new Source(localRegion + "(live)", localBootstrapServers, List.of(Topics.CROSS_REGION_SYNC),
          liveGroupId(localRegion), "live"));
    }
    List<Future<Void>> started = new ArrayList<>();
    for (Source source : sources) {
      Map<String, String> consumerConfig = consumerConfig(source, maxPollRecords, overrides);
      Link link = new Link(source, KafkaConsumer.create(vertx, consumerConfig), pollTimeout, retryBase, retryMax);
      links.add(link);
      started.add(link.start());
    }
    return Future.all(started);
  }

  @Override
  public Future<?> stop() {
    return Future.join(links.stream().map(Link::stop).toList());
  }

  private Map<String, String> consumerConfig(Source remote, int maxPollRecords, Map<String, String> overrides) {
    Map<String, String> c = new HashMap<>();
    c.put("bootstrap.servers", remote.bootstrapServers());
    c.put("client.id", remote.groupId() + "-" + clientSuffix + "-from-" + remote.name().replace("(live)", "-live"));
    c.put("auto.offset.reset", "earliest");
    c.put("max.poll.records", Integer.toString(maxPollRecords));
    c.put("isolation.level", "read_committed");
    // Topics created after the subscription (a remote region that starts later) are found within this delay.
    c.put("metadata.max.age.ms", "5000");
    c.put("fetch.max.wait.ms", "500");
    // A bridge killed with -9 stays a member of its groups until its session times out, and the group gives the
    // restarted bridge (a new member) no partition before that: with Kafka's default of 45 s a region restarted in
    // 20 s caught up only 45 s after the crash. 10 s bounds that; a longer WAN cut now also ends the session, and the
    // bridge simply rejoins after it (an uncommitted batch is applied again, idempotently).
    c.put("session.timeout.ms", "10000");
    c.put("heartbeat.interval.ms", "3000");
    c.putAll(overrides);
    c.put("group.id", remote.groupId());
    c.put("enable.auto.commit", "false");
    c.put("key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
    c.put("value.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
    return c;
  }

  /** The poll-apply-commit loop of one remote region. */
  private final class Link {
    private final Source remote;
    private final KafkaConsumer<String, String> consumer;
    private final Duration pollTimeout;
    private final long retryBase;
    private final long retryMax;
    private final Promise<Void> idle = Promise.promise();
    private final io.micrometer.core.instrument.Gauge lag;
    private boolean stopping;
    private boolean busy;
    private long retryTimer = -1;
    private int failures;
    private final Map<TopicPartition, OffsetAndMetadata> uncommitted = new HashMap<>();
    private long lastCommitAt;

    Link(Source remote, KafkaConsumer<String, String> consumer, Duration pollTimeout, long retryBase,
         long retryMax) {
      this.remote = remote;
      this.consumer = consumer;
      this.pollTimeout = pollTimeout;
      this.retryBase = retryBase;
      this.retryMax = retryMax;
      // The live link reads what every other region pushed here: its lag is not one source region's.
      lag = metrics.lag(remote.path().equals("live") ? "all" : remote.name(), remote.path(), consumer.unwrap());
      consumer.exceptionHandler(e -> LOG.warn("Bridge {} <- {}: consumer error", localRegion, remote.name(), e));
      // Offsets applied but not committed yet belong to the partition's next owner now: it starts from the last
      // commit and applies them again (idempotently); committing them later would only move its offsets backwards.
      consumer.partitionsRevokedHandler(revoked -> revoked.forEach(tp -> uncommitted.remove(tp)));
    }

    Future<Void> start() {
      return consumer.subscribe(new LinkedHashSet<>(remote.topics())).onSuccess(v -> {
        LOG.info("Bridge {} <- {} ({}) subscribed to {}", localRegion, remote.name(), remote.bootstrapServers(),
            remote.topics());
        cycle();
      });
    }

    /** Lets the batch in progress finish, commits what was applied (best effort), then closes the consumer. */
    Future<Void> stop() {
      stopping = true;
      if (!busy) {
        if (retryTimer >= 0) {
          vertx.cancelTimer(retryTimer);
          retryTimer = -1;
        }
        idle.tryComplete();
      }
      metrics.remove(lag);
      return idle.future().compose(v -> commitIfDue(true).otherwiseEmpty()).compose(v -> consumer.close())
          .onSuccess(v -> LOG.info("Bridge {} <- {} stopped", localRegion, remote.name()));
    }

    private void cycle() {
      retryTimer = -1;
      if (stopping) {
        busy = false;
        idle.tryComplete();
        return;
      }
      busy = true;
      consumer.poll(pollTimeout).onComplete(polled -> {
        if (polled.failed()) {
          retryLater(polled.cause(), Map.of());
          return;
        }
        KafkaConsumerRecords<String, String> records = polled.result();
        if (records.isEmpty()) {
          commitIfDue(false).onComplete(committed -> afterCommit(committed));
          return;
        }
        Map<TopicPartition, List<KafkaConsumerRecord<String, String>>> byPartition = byPartition(records);
        Map<TopicPartition, Long> firstOffsets = new HashMap<>();
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        byPartition.forEach((tp, list) -> {
          firstOffsets.put(tp, list.get(0).offset());
          next.put(tp, new OffsetAndMetadata(list.get(list.size() - 1).offset() + 1, ""));
        });
        List<KafkaConsumerRecord<String, String>> ordered = new ArrayList<>(records.size());
        byPartition.values().forEach(ordered::addAll);
        applier.applyAll(remote.name(), ordered.iterator()).onComplete(applied -> {
          if (applied.failed()) {
            retryLater(applied.cause(), firstOffsets);
            return;
          }
          failures = 0;
          uncommitted.putAll(next);
          observed(applier.takeMaxLamport());
          lastAppliedAt = clock.millis();
          commitIfDue(false).onComplete(committed -> {
            recordsSettled += records.size();
            afterCommit(committed);
          });
        });
      });
    }

    /**
     * Commits what was applied when the last commit is {@code commitIntervalMs} old (or when forced, at stop). A
     * remote link's commit is a round trip through the WAN on the consumer's only thread, and nothing is fetched
     * meanwhile: committing after every batch held back every record that arrived during it (docs/performance.md,
     * cross-region). Records applied since the last commit are applied again after a crash or a rebalance, which the
     * idempotent applies make harmless.
     */
    private Future<Void> commitIfDue(boolean force) {
      long now = clock.millis();
      if (uncommitted.isEmpty() || (!force && now - lastCommitAt < commitIntervalMs)) {
        return Future.succeededFuture();
      }
      Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>(uncommitted);
      return consumer.commit(offsets).<Void>map(committed -> {
        lastCommitAt = now;
        commits++;
        offsets.forEach(uncommitted::remove);
        return null;
      });
    }

    /** A failed commit keeps its offsets for the next one; the records are applied, so nothing is rewound. */
    private void afterCommit(AsyncResult<Void> committed) {
      if (committed.succeeded()) {
        cycle();
      } else {
        retryLater(committed.cause(), Map.of());
      }
    }

    /** Rewinds every partition of the failed batch to its first record, then polls again after a backoff. */
    private void retryLater(Throwable cause, Map<TopicPartition, Long> firstOffsets) {
      failures++;
      long delay = Math.min(retryMax, retryBase << Math.min(failures - 1, 16));
      LOG.warn("Bridge {} <- {}: batch failed (attempt {}), nothing committed, retrying in {} ms: {}", localRegion,
          remote.name(), failures, delay, cause.toString());
      List<Future<Void>> seeks = new ArrayList<>();
      firstOffsets.forEach((tp, offset) -> seeks.add(consumer.seek(tp, offset)
          .onFailure(e -> LOG.warn("Bridge {} <- {}: cannot seek {} back to {} ({}); the group's committed offset "
              + "applies after a rebalance", localRegion, remote.name(), tp, offset, e.toString()))));
      Future.join(seeks).onComplete(ignored -> {
        if (stopping) {
          busy = false;
          idle.tryComplete();
          return;
        }
        busy = false;
        retryTimer = vertx.setTimer(delay, id -> cycle());
      });
    }
  }

  /** Advances this node's clock and tells the region's other nodes (one event per batch, not per record). */
  private void observed(long maxLamport) {
    if (maxLamport > 0) {
      lamport.witness(maxLamport);
      vertx.eventBus().publish(Addresses.LAMPORT_OBSERVED, maxLamport);
    }
  }

  /** The batch's records per partition, in offset order, partitions ordered by {@link ReplicationRecords#REPLICATED_TOPICS}. */
  private static Map<TopicPartition, List<KafkaConsumerRecord<String, String>>> byPartition(
      KafkaConsumerRecords<String, String> records) {
    Map<TopicPartition, List<KafkaConsumerRecord<String, String>>> grouped = new HashMap<>();
    for (int i = 0; i < records.size(); i++) {
      KafkaConsumerRecord<String, String> r = records.recordAt(i);
      grouped.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), k -> new ArrayList<>()).add(r);
    }
    List<TopicPartition> order = new ArrayList<>(grouped.keySet());
    order.sort(Comparator.<TopicPartition>comparingInt(tp -> topicRank(tp.getTopic()))
        .thenComparing(TopicPartition::getTopic).thenComparingInt(TopicPartition::getPartition));
    Map<TopicPartition, List<KafkaConsumerRecord<String, String>>> result = new LinkedHashMap<>();
    for (TopicPartition tp : order) {
      List<KafkaConsumerRecord<String, String>> list = grouped.get(tp);
      list.sort(Comparator.comparingLong(KafkaConsumerRecord::offset));
      result.put(tp, list);
    }
    return result;
  }

  private static int topicRank(String topic) {
    int rank = ReplicationRecords.REPLICATED_TOPICS.indexOf(topic);
    return rank < 0 ? Integer.MAX_VALUE : rank;
  }
}
