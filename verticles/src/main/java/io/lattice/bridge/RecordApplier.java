package io.lattice.bridge;

import io.lattice.model.Addresses;
import io.lattice.model.Conversation;
import io.lattice.model.Message;
import io.lattice.model.Topics;
import io.lattice.store.ConversationStore;
import io.lattice.store.MessageStore;
import io.lattice.store.PresenceStore;
import io.lattice.store.ReceiptStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.lattice.model.crdt.PresenceState;
import io.lattice.model.protocol.ServerFrames;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.producer.KafkaHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.HashSet;
import java.time.Clock;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Applies one replicated record to this region's stores, idempotently: upsert by message id, conversation create
 * then member reconciliation, CRDT merges for receipts and presence. Records from this region and malformed ones are
 * skipped (counted). A message stored for the first time is published locally on
 * {@link Addresses#REPLICATED_MESSAGE}. The poll/commit loop around it is {@link BridgeVerticle}'s.
 *
 * <p>Threading: used on the bridge verticle's event loop; the counters are read from any thread.
 */
final class RecordApplier {
  private static final Logger LOG = LoggerFactory.getLogger(BridgeVerticle.class);

  private final Vertx vertx;
  private final String localRegion;
  private final MessageStore messages;
  private final ConversationStore conversations;
  private final ReceiptStore receipts;
  private final PresenceStore presence;
  private final Clock clock;
  private final DeliveryClaims claims;
  private final BridgeMetrics metrics;
  /** Highest Lamport timestamp applied since {@link #takeMaxLamport()} was last called. */
  private long maxLamport;
  /** Whether each (user, remote region) slot counted the user online when last applied: presence events on change only. */
  private final Map<String, Boolean> remoteOnline = lru(100_000);
  /** Highest snapshot version applied per conversation (in memory: replays after a restart are in order anyway). */
  private final Map<String, Long> conversationVersions = lru(100_000);
  /** Conversations known to exist here: a live record of one of them skips the store's create (a write). */
  private final Map<String, Boolean> knownConversations = lru(100_000);
  final AtomicLong applied = new AtomicLong();
  final AtomicLong skipped = new AtomicLong();
  final AtomicLong notified = new AtomicLong();

  RecordApplier(Vertx vertx, String localRegion, MessageStore messages, ConversationStore conversations,
                ReceiptStore receipts, PresenceStore presence, DeliveryClaims claims, BridgeMetrics metrics,
                Clock clock) {
    this.vertx = vertx;
    this.metrics = metrics;
    this.claims = claims;
    this.clock = clock;
    this.localRegion = localRegion;
    this.messages = messages;
    this.conversations = conversations;
    this.receipts = receipts;
    this.presence = presence;
  }

  /** Applies records one after the other; stops at the first failure. */
  Future<Void> applyAll(String remote, Iterator<KafkaConsumerRecord<String, String>> it) {
    while (it.hasNext()) {
      Future<Void> f = apply(remote, it.next());
      if (!f.isComplete()) {
        return f.compose(v -> applyAll(remote, it));
      }
      if (f.failed()) {
        return f;
      }
    }
    return Future.succeededFuture();
  }

  private Future<Void> apply(String remote, KafkaConsumerRecord<String, String> record) {
    if (record.value() == null) {
      return skip(remote, record, "no value");
    }
    JsonObject value;
    try {
      value = new JsonObject(record.value());
    } catch (DecodeException e) {
      return skip(remote, record, "not JSON");
    }
    String source = ReplicationRecords.sourceRegion(value);
    if (source == null) {
      source = header(record, ReplicationRecords.SOURCE_HEADER);
    }
    if (localRegion.equals(source)) {
      return skip(remote, record, "originated in this region");
    }
    Future<Void> applying;
    try {
      applying = switch (record.topic()) {
        case Topics.MESSAGE_SENT -> applyMessage(ReplicationRecords.decodeMessage(value), "durable");
        case Topics.CONVERSATION_SNAPSHOT -> applyConversation(ReplicationRecords.decodeConversation(value));
        case Topics.DELIVERY_RECEIPT -> applyReceipts(ReplicationRecords.decodeReceipts(value), record.timestamp());
        case Topics.PRESENCE_STATE -> applyPresence(ReplicationRecords.decodePresence(value));
        case Topics.CROSS_REGION_SYNC -> {
          ReplicationRecords.LiveEnvelope envelope = ReplicationRecords.decodeLive(value);
          yield localRegion.equals(envelope.destinationRegion()) ? applyLive(envelope)
              : skip(remote, record, "live record for " + envelope.destinationRegion());
        }
        default -> null;
      };
    } catch (IllegalArgumentException e) {
      return skip(remote, record, e.getMessage());
    }
    if (applying == null) {
      return skip(remote, record, "unknown topic");
    }
    String from = source != null ? source : remote;
    return applying.onSuccess(v -> {
      applied.incrementAndGet();
      metrics.applied(from, record.timestamp(), clock.millis());
    });
  }

  /** The highest Lamport timestamp applied since the last call (0 if none), for the clocks of the region. */
  long takeMaxLamport() {
    long max = maxLamport;
    maxLamport = 0;
    return max;
  }

  private void observe(long lamport) {
    maxLamport = Math.max(maxLamport, lamport);
  }

  /**
   * Stores the message (idempotent), then delivers it here if this copy is the first to claim it: not "if the store
   * created it", since a multi-DC store may have replicated it already. A version that moves the message (see
   * {@link MessageStore}) is delivered again.
   */
  private Future<Void> applyMessage(Message message, String path) {
    observe(message.lamport());
    return messages.upsert(message).compose(result -> claims.claim(message.messageId()).map(first -> {
      // moved: a second version of a message delivered here before, which now wins (smaller canonical position);
      // delivered again so that clients holding the first one settle on it, as the stores did.
      if (first || result.moved()) {
        if (first) {
          metrics.delivered(message.sourceRegion(), path, message.createdAt(), clock.millis());
        }
        notified.incrementAndGet();
        vertx.eventBus().publish(Addresses.REPLICATED_MESSAGE, result.message().toJson(),
            new DeliveryOptions().setLocalOnly(true));
      }
      return null;
    }));
  }

  /**
   * Creates the conversation if missing, then sets its members to the snapshot's. A snapshot older than one
   * already applied (same conversation) is ignored.
   */
  private Future<Void> applyConversation(ReplicationRecords.ConversationSnapshot snapshot) {
    Conversation incoming = snapshot.conversation();
    String id = incoming.conversationId();
    Long seen = conversationVersions.get(id);
    if (seen != null && snapshot.version() < seen) {
      return Future.succeededFuture();
    }
    return conversations.create(incoming).compose(stored -> {
      Set<String> add = new HashSet<>(incoming.participants());
      add.removeAll(stored.participants());
      Set<String> remove = new HashSet<>(stored.participants());
      remove.removeAll(incoming.participants());
      if (add.isEmpty() && remove.isEmpty()) {
        return Future.succeededFuture();
      }
      return conversations.updateMembers(id, add, remove)
          .onSuccess(updated -> vertx.eventBus().publish(Addresses.CONVERSATION_CHANGED, id)).mapEmpty();
    }).onSuccess(v -> conversationVersions.merge(id, snapshot.version(), Math::max)).mapEmpty();
  }

  /** Merges the states; tells the sender (and the recipient's other devices) connected here about each change. */
  private Future<Void> applyReceipts(ReplicationRecords.ReceiptBatch batch, long publishedAt) {
    Map<ReceiptStore.ReceiptKey, ReplicationRecords.ReceiptNotice> byKey = new HashMap<>();
    for (ReplicationRecords.ReceiptNotice n : batch.notices()) {
      byKey.put(n.update().key(), n);
      observe(Math.max(n.update().state().deliveredAt(), n.update().state().readAt()));
    }
    return receipts.merge(batch.updates()).map(merged -> {
      long now = clock.millis();
      for (ReceiptStore.Merged m : merged) {
        if (m.changed()) {
          metrics.receiptConverged(batch.sourceRegion(), publishedAt, now);
        }
        ReplicationRecords.ReceiptNotice notice = byKey.get(m.key());
        if (m.changed() && notice != null && notice.senderId() != null) {
          JsonObject frame = ServerFrames.receipt(m.key().messageId(), notice.conversationId(),
              m.key().recipientId(), m.state());
          deliverHere(new JsonArray().add(notice.senderId()).add(m.key().recipientId()), new JsonArray().add(frame));
        }
      }
      return null;
    });
  }

  private Future<Void> applyPresence(ReplicationRecords.PresenceUpdate update) {
    return presence.mergeRemote(Map.of(update.userId(), update.state())).map(merged -> {
      long now = clock.millis();
      PresenceState state = merged.get(update.userId());
      if (state == null) {
        return null;
      }
      boolean online = update.slot().liveCount(now) > 0;
      Boolean before = remoteOnline.put(update.userId() + '\n' + update.sourceRegion(), online);
      if (before == null || before != online) {
        vertx.eventBus().publish(Addresses.PRESENCE_CHANGED,
            ServerFrames.presence(update.userId(), state.online(now), state.liveRegions(now)));
      }
      return null;
    });
  }

  /**
   * Targeted live traffic: the conversation (created if unknown here, never changed: member changes come with
   * snapshots), then each message upserted in order (a new one is delivered here through
   * {@link Addresses#REPLICATED_MESSAGE}); or frames delivered to the users connected here.
   */
  private Future<Void> applyLive(ReplicationRecords.LiveEnvelope envelope) {
    if (!envelope.carriesMessages()) {
      deliverHere(new JsonArray(List.copyOf(envelope.userIds())), envelope.frames());
      return Future.succeededFuture();
    }
    Conversation conversation = envelope.conversation();
    Future<?> known = conversation == null || knownConversations.containsKey(conversation.conversationId())
        ? Future.succeededFuture()
        : conversations.create(conversation).onSuccess(c -> knownConversations.put(c.conversationId(), true));
    Future<Void> chain = known.mapEmpty();
    for (Message message : envelope.messages()) {
      chain = chain.compose(v -> applyMessage(message, "live"));
    }
    return chain;
  }

  private void deliverHere(JsonArray userIds, JsonArray frames) {
    vertx.eventBus().send(Addresses.ROUTER_DELIVER, new JsonObject().put("userIds", userIds).put("frames", frames)
        .put("localOnly", true));
  }

  private Future<Void> skip(String remote, KafkaConsumerRecord<String, String> record, String why) {
    skipped.incrementAndGet();
    if (why != null && why.startsWith("originated")) {
      LOG.debug("Bridge {} <- {}: skipped {}-{}@{}: {}", localRegion, remote, record.topic(),
          record.partition(), record.offset(), why);
    } else {
      LOG.error("Bridge {} <- {}: skipped malformed record {}-{}@{}: {}", localRegion, remote,
          record.topic(), record.partition(), record.offset(), why);
    }
    return Future.succeededFuture();
  }

  /**
   * Bounded memory. An evicted presence entry costs one redundant presence event; an evicted conversation version
   * lets an older snapshot of that conversation through only if it arrives after 100,000 other conversations'
   * snapshots (partition order makes that a replay after a restart, which the newer snapshot behind it corrects).
   */
  private static <V> Map<String, V> lru(int max) {
    return new java.util.LinkedHashMap<>(1024, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
        return size() > max;
      }
    };
  }

  private static String header(KafkaConsumerRecord<String, String> record, String name) {
    for (KafkaHeader h : record.headers()) {
      if (h.key().equals(name)) {
        return h.value().toString();
      }
    }
    return null;
  }
}
