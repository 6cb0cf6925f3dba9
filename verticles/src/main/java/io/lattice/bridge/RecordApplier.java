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
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.producer.KafkaHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
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
  /** Highest snapshot version applied per conversation (in memory: replays after a restart are in order anyway). */
  private final Map<String, Long> conversationVersions = new HashMap<>();
  final AtomicLong applied = new AtomicLong();
  final AtomicLong skipped = new AtomicLong();
  final AtomicLong notified = new AtomicLong();

  RecordApplier(Vertx vertx, String localRegion, MessageStore messages, ConversationStore conversations,
                ReceiptStore receipts, PresenceStore presence) {
    this.vertx = vertx;
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
        case Topics.MESSAGE_SENT -> applyMessage(ReplicationRecords.decodeMessage(value));
        case Topics.CONVERSATION_SNAPSHOT -> applyConversation(ReplicationRecords.decodeConversation(value));
        case Topics.DELIVERY_RECEIPT -> receipts.merge(ReplicationRecords.decodeReceipts(value).updates())
            .mapEmpty();
        case Topics.PRESENCE_STATE -> {
          ReplicationRecords.PresenceUpdate update = ReplicationRecords.decodePresence(value);
          yield presence.mergeRemote(Map.of(update.userId(), update.state())).mapEmpty();
        }
        default -> null;
      };
    } catch (IllegalArgumentException e) {
      return skip(remote, record, e.getMessage());
    }
    if (applying == null) {
      return skip(remote, record, "unknown topic");
    }
    return applying.onSuccess(v -> applied.incrementAndGet());
  }

  private Future<Void> applyMessage(Message message) {
    return messages.upsert(message).map(result -> {
      if (result.created()) {
        notified.incrementAndGet();
        vertx.eventBus().publish(Addresses.REPLICATED_MESSAGE, result.message().toJson(),
            new DeliveryOptions().setLocalOnly(true));
      }
      return null;
    });
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
      return conversations.updateMembers(id, add, remove).mapEmpty();
    }).onSuccess(v -> conversationVersions.merge(id, snapshot.version(), Math::max)).mapEmpty();
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

  private static String header(KafkaConsumerRecord<String, String> record, String name) {
    for (KafkaHeader h : record.headers()) {
      if (h.key().equals(name)) {
        return h.value().toString();
      }
    }
    return null;
  }
}
