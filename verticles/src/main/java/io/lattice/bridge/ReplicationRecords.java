package io.lattice.bridge;

import io.lattice.kafka.KafkaTopics;
import io.lattice.model.Conversation;
import io.lattice.model.Message;
import io.lattice.model.Topics;
import io.lattice.model.crdt.PresenceSlot;
import io.lattice.model.crdt.PresenceState;
import io.lattice.model.crdt.ReceiptState;
import io.lattice.store.ReceiptStore.ReceiptKey;
import io.lattice.store.ReceiptStore.ReceiptUpdate;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The Kafka records that replicate a region's data to the other regions: topic, key and JSON value of each kind, and
 * their decoding. Formats are documented in {@code package-info.java}. Every record also carries the header
 * {@value #SOURCE_HEADER} (the originating region), and every value names its source region too.
 */
public final class ReplicationRecords {

  /** Record header naming the region that originated the record. */
  public static final String SOURCE_HEADER = "lattice-source-region";
  /** Version of the value formats, in the header {@value #FORMAT_HEADER}. */
  public static final String FORMAT_HEADER = "lattice-format";
  public static final String FORMAT_VERSION = "1";

  /** The topics a region publishes and its bridges consume, in the order a bridge applies a batch. */
  public static final List<String> REPLICATED_TOPICS = List.of(Topics.CONVERSATION_SNAPSHOT, Topics.MESSAGE_SENT,
      Topics.DELIVERY_RECEIPT, Topics.PRESENCE_STATE);

  private ReplicationRecords() {
  }

  /** One record to produce: topic, key, value. */
  public record Outgoing(String topic, String key, JsonObject value, String sourceRegion) {
  }

  /** A conversation as its source region last saw it; {@code version} grows with every member change there. */
  public record ConversationSnapshot(Conversation conversation, long version, String sourceRegion) {
  }

  /**
   * A merged receipt state with what a region needs to tell the sender: the conversation and the sender (null in
   * records that do not name them; such a receipt is merged but nobody is notified).
   */
  public record ReceiptNotice(ReceiptUpdate update, String conversationId, String senderId) {
    public static ReceiptNotice of(ReceiptUpdate update) {
      return new ReceiptNotice(update, null, null);
    }
  }

  /** Receipt CRDT states merged in the source region, many in one record. */
  public record ReceiptBatch(String batchId, String sourceRegion, List<ReceiptNotice> notices) {
    public List<ReceiptUpdate> updates() {
      return notices.stream().map(ReceiptNotice::update).toList();
    }
  }

  /**
   * Targeted live traffic for one destination region ({@link Topics#CROSS_REGION_SYNC}): either new messages of one
   * conversation (with the conversation, so the destination knows its members before its snapshot arrives) or
   * frames (receipts, typing) for users connected there. {@code userIds} are the users the source region believes
   * are connected in the destination region.
   */
  public record LiveEnvelope(String destinationRegion, String sourceRegion, List<String> userIds,
                             Conversation conversation, List<Message> messages, JsonArray frames) {
    public boolean carriesMessages() {
      return !messages.isEmpty();
    }
  }

  /** The source region's own presence slot for one user. */
  public record PresenceUpdate(String userId, String sourceRegion, PresenceSlot slot) {
    public PresenceState state() {
      return PresenceState.of(sourceRegion, slot);
    }
  }

  /** The topic specs of every replicated topic, for {@link KafkaTopics#ensure}. */
  public static List<KafkaTopics.Spec> topicSpecs(int partitions, short replicationFactor) {
    return REPLICATED_TOPICS.stream()
        .map(t -> new KafkaTopics.Spec(t, partitions, replicationFactor, Map.of()))
        .toList();
  }

  // ---- encoding

  /** Topic {@link Topics#MESSAGE_SENT}, key conversationId, value {@link Message#toJson()}. */
  public static Outgoing message(Message message) {
    requireNonBlank(message.messageId(), "messageId");
    requireNonBlank(message.conversationId(), "conversationId");
    requireNonBlank(message.sourceRegion(), "sourceRegion");
    return new Outgoing(Topics.MESSAGE_SENT, message.conversationId(), message.toJson(), message.sourceRegion());
  }

  /**
   * Topic {@link Topics#CONVERSATION_SNAPSHOT}, key conversationId, value {@link Conversation#toJson()} plus
   * {@code version} and {@code sourceRegion}.
   */
  public static Outgoing conversation(Conversation conversation, long version, String sourceRegion) {
    requireNonBlank(conversation.conversationId(), "conversationId");
    requireNonBlank(sourceRegion, "sourceRegion");
    JsonObject value = conversation.toJson().put("version", version).put("sourceRegion", sourceRegion);
    return new Outgoing(Topics.CONVERSATION_SNAPSHOT, conversation.conversationId(), value, sourceRegion);
  }

  /**
   * Topic {@link Topics#DELIVERY_RECEIPT}, key the first update's messageId, value
   * {@code {"batchId","sourceRegion","receipts":[{"messageId","recipientId","sentAt","deliveredAt","readAt"}]}}.
   */
  public static Outgoing receipts(List<ReceiptNotice> notices, String sourceRegion) {
    if (notices.isEmpty()) {
      throw new IllegalArgumentException("empty receipt batch");
    }
    requireNonBlank(sourceRegion, "sourceRegion");
    JsonArray receipts = new JsonArray();
    for (ReceiptNotice n : notices) {
      ReceiptUpdate u = n.update();
      receipts.add(new JsonObject()
          .put("messageId", u.key().messageId())
          .put("recipientId", u.key().recipientId())
          .put("conversationId", n.conversationId())
          .put("senderId", n.senderId())
          .put("sentAt", u.state().sentAt())
          .put("deliveredAt", u.state().deliveredAt())
          .put("readAt", u.state().readAt()));
    }
    JsonObject value = new JsonObject().put("batchId", UUID.randomUUID().toString())
        .put("sourceRegion", sourceRegion).put("receipts", receipts);
    return new Outgoing(Topics.DELIVERY_RECEIPT, notices.get(0).update().key().messageId(), value, sourceRegion);
  }

  /**
   * Topic {@link Topics#CROSS_REGION_SYNC}, key the conversation id (or the first user id for frames), value
   * {@code {"destinationRegion","sourceRegion","userIds":[..],"conversation":{..}|null,"messages":[..],
   * "frames":[..],"seq","lamport"}}; {@code seq} and {@code lamport} are those of the last message (0 for frames).
   */
  public static Outgoing live(LiveEnvelope e) {
    requireNonBlank(e.destinationRegion(), "destinationRegion");
    requireNonBlank(e.sourceRegion(), "sourceRegion");
    JsonArray messages = new JsonArray();
    e.messages().forEach(m -> messages.add(m.toJson()));
    Message last = e.messages().isEmpty() ? null : e.messages().get(e.messages().size() - 1);
    JsonObject value = new JsonObject().put("destinationRegion", e.destinationRegion())
        .put("sourceRegion", e.sourceRegion()).put("userIds", new JsonArray(List.copyOf(e.userIds())))
        .put("conversation", e.conversation() == null ? null : e.conversation().toJson())
        .put("messages", messages).put("frames", e.frames() == null ? new JsonArray() : e.frames())
        .put("seq", last == null ? 0 : last.seq()).put("lamport", last == null ? 0 : last.lamport());
    String key = last != null ? last.conversationId()
        : e.userIds().isEmpty() ? e.destinationRegion() : e.userIds().get(0);
    return new Outgoing(Topics.CROSS_REGION_SYNC, key, value, e.sourceRegion());
  }

  /**
   * Topic {@link Topics#PRESENCE_STATE}, key userId, value
   * {@code {"userId","sourceRegion","state":{"<sourceRegion>":{"count","version","expiresAt"}}}}: the publishing
   * region's own slot only (it never republishes other regions' slots).
   */
  public static Outgoing presence(String userId, String sourceRegion, PresenceSlot slot) {
    requireNonBlank(userId, "userId");
    requireNonBlank(sourceRegion, "sourceRegion");
    JsonObject value = new JsonObject().put("userId", userId).put("sourceRegion", sourceRegion)
        .put("state", PresenceState.of(sourceRegion, slot).toJson());
    return new Outgoing(Topics.PRESENCE_STATE, userId, value, sourceRegion);
  }

  // ---- decoding (each throws IllegalArgumentException on a malformed value)

  /** The source region named by a value, or null. */
  public static String sourceRegion(JsonObject value) {
    return value.getString("sourceRegion");
  }

  public static Message decodeMessage(JsonObject value) {
    try {
      Message m = Message.fromJson(value);
      requireNonBlank(m.messageId(), "messageId");
      requireNonBlank(m.conversationId(), "conversationId");
      requireNonBlank(m.sourceRegion(), "sourceRegion");
      if (m.seq() <= 0) {
        throw new IllegalArgumentException("message " + m.messageId() + " has no seq");
      }
      return m;
    } catch (ClassCastException e) {
      throw new IllegalArgumentException("malformed message: " + e.getMessage(), e);
    }
  }

  public static ConversationSnapshot decodeConversation(JsonObject value) {
    try {
      Conversation c = Conversation.fromJson(value);
      requireNonBlank(c.conversationId(), "conversationId");
      String source = sourceRegion(value);
      requireNonBlank(source, "sourceRegion");
      return new ConversationSnapshot(c, value.getLong("version", 0L), source);
    } catch (ClassCastException | NullPointerException e) {
      throw new IllegalArgumentException("malformed conversation snapshot: " + e, e);
    }
  }

  public static ReceiptBatch decodeReceipts(JsonObject value) {
    try {
      String source = sourceRegion(value);
      requireNonBlank(source, "sourceRegion");
      JsonArray receipts = value.getJsonArray("receipts");
      if (receipts == null) {
        throw new IllegalArgumentException("receipt batch without receipts");
      }
      List<ReceiptNotice> notices = new ArrayList<>(receipts.size());
      for (int i = 0; i < receipts.size(); i++) {
        JsonObject r = receipts.getJsonObject(i);
        String messageId = r.getString("messageId");
        String recipientId = r.getString("recipientId");
        requireNonBlank(messageId, "messageId");
        requireNonBlank(recipientId, "recipientId");
        notices.add(new ReceiptNotice(new ReceiptUpdate(new ReceiptKey(messageId, recipientId),
            ReceiptState.fromJson(r)), r.getString("conversationId"), r.getString("senderId")));
      }
      return new ReceiptBatch(value.getString("batchId"), source, notices);
    } catch (ClassCastException e) {
      throw new IllegalArgumentException("malformed receipt batch: " + e, e);
    }
  }

  /** Only the source region's slot is kept: a region speaks for its own slot only. */
  public static PresenceUpdate decodePresence(JsonObject value) {
    try {
      String userId = value.getString("userId");
      String source = sourceRegion(value);
      requireNonBlank(userId, "userId");
      requireNonBlank(source, "sourceRegion");
      JsonObject state = value.getJsonObject("state");
      JsonObject slot = state == null ? null : state.getJsonObject(source);
      if (slot == null) {
        throw new IllegalArgumentException("presence of " + userId + " without the slot of " + source);
      }
      return new PresenceUpdate(userId, source, PresenceSlot.fromJson(slot));
    } catch (ClassCastException e) {
      throw new IllegalArgumentException("malformed presence: " + e, e);
    }
  }

  public static LiveEnvelope decodeLive(JsonObject value) {
    try {
      String destination = value.getString("destinationRegion");
      String source = sourceRegion(value);
      requireNonBlank(destination, "destinationRegion");
      requireNonBlank(source, "sourceRegion");
      List<String> users = new ArrayList<>();
      JsonArray userIds = value.getJsonArray("userIds", new JsonArray());
      for (int i = 0; i < userIds.size(); i++) {
        users.add(userIds.getString(i));
      }
      JsonObject conversationJson = value.getJsonObject("conversation");
      Conversation conversation = conversationJson == null ? null : Conversation.fromJson(conversationJson);
      List<Message> messages = new ArrayList<>();
      JsonArray array = value.getJsonArray("messages", new JsonArray());
      for (int i = 0; i < array.size(); i++) {
        Message m = decodeMessage(array.getJsonObject(i));
        if (!source.equals(m.sourceRegion())) {
          throw new IllegalArgumentException("live message " + m.messageId() + " not from " + source);
        }
        messages.add(m);
      }
      return new LiveEnvelope(destination, source, users, conversation, messages,
          value.getJsonArray("frames", new JsonArray()));
    } catch (ClassCastException | NullPointerException e) {
      throw new IllegalArgumentException("malformed live envelope: " + e, e);
    }
  }

  private static void requireNonBlank(String value, String field) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("missing " + field);
    }
  }
}
