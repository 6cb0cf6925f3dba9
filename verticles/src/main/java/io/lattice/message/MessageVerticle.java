package io.lattice.message;

import io.lattice.NodeIdentity;
import io.lattice.bus.BusErrors;
import io.lattice.bus.KeyedSequencer;
import io.lattice.bus.TokenBucket;
import io.lattice.model.Addresses;
import io.lattice.model.CanonicalOrder;
import io.lattice.model.Conversation;
import io.lattice.model.Ids;
import io.lattice.model.LamportClock;
import io.lattice.model.Message;
import io.lattice.model.SyncCursor;
import io.lattice.model.protocol.ErrorCode;
import io.lattice.model.protocol.ProtocolException;
import io.lattice.model.protocol.ServerFrames;
import io.lattice.store.ConversationStore;
import io.lattice.store.MessageStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Persists sends, acknowledges them once durable, and hands delivery to the router; serves sync, history and
 * message lookups. Owns the MessageStore. Conversation commands live in {@link ConversationService}, which this
 * verticle also owns.
 *
 * <p>Threading: everything runs on this verticle's event loop; stores complete on it.
 */
public final class MessageVerticle extends VerticleBase {
  private static final int MAX_HISTORY_LIMIT = 200;

  private final NodeIdentity node;
  private final MessageStore messages;
  private final ConversationService conversations;
  private final LamportClock lamport;
  private final Clock clock;
  private final Map<String, TokenBucket> groupBuckets = new HashMap<>();
  /**
   * A sender's sends in one conversation run one at a time, so acks, Lamport timestamps and sequence numbers follow
   * the order the client sent in (a cache miss on one send must not let a later one overtake it).
   */
  private final KeyedSequencer sends = new KeyedSequencer();
  private final DeliveryQueue deliveries = new DeliveryQueue(this::route);
  /** Messages other regions originated, delivered to this region's connections only (their region does the rest). */
  private final DeliveryQueue replicatedDeliveries = new DeliveryQueue(this::routeHere);
  private double groupRate;
  private double groupBurst;
  private Republisher republisher;

  public MessageVerticle(NodeIdentity node, MessageStore messages, ConversationStore conversations,
                         LamportClock lamport, Clock clock) {
    this.node = node;
    this.messages = messages;
    this.conversations = new ConversationService(node, conversations, clock);
    this.lamport = lamport;
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    groupRate = config().getDouble("groupRatePerSecond", 10.0);
    groupBurst = config().getDouble("groupBurst", 20.0);
    var bus = vertx.eventBus();
    conversations.start(vertx);
    vertx.setPeriodic(60_000, id -> forgetIdleBuckets());
    republisher = new Republisher(vertx, messages, node.region(), clock, config().getLong("republishAfterMs", 10_000L),
        config().getLong("republishWindowMs", 3_600_000L));
    republisher.start(config().getLong("republishIntervalMs", 5_000L), config().getLong("confirmBatchMs", 100L));
    return Future.all(List.of(
        bus.localConsumer(Addresses.MESSAGE_SEND, BusErrors.handler(this::send)).completion(),
        bus.localConsumer(Addresses.MESSAGE_SYNC, BusErrors.handler(this::sync)).completion(),
        bus.localConsumer(Addresses.MESSAGE_HISTORY, BusErrors.handler(this::history)).completion(),
        bus.localConsumer(Addresses.MESSAGE_LOOKUP, BusErrors.handler(this::lookup)).completion(),
        bus.<JsonObject>localConsumer(Addresses.REPLICATED_MESSAGE, m -> replicated(m.body())).completion(),
        bus.<Long>consumer(Addresses.LAMPORT_OBSERVED, m -> lamport.witness(m.body())).completion(),
        messages.maxLamport().onSuccess(lamport::advanceTo)));
  }

  private Future<JsonObject> send(JsonObject request) {
    String key = request.getString("conversationId") + '\n' + request.getString("userId");
    return sends.submit(key, () -> persist(request));
  }

  private Future<JsonObject> persist(JsonObject request) {
    String userId = request.getString("userId");
    String conversationId = request.getString("conversationId");
    return conversations.requireParticipant(conversationId, userId).compose(conversation -> {
      checkGroupRate(conversation);
      String messageId = Ids.messageId(userId, request.getString("clientMsgId"));
      var candidate = new MessageStore.NewMessage(messageId, conversationId, userId, request.getString("content"),
          request.getString("mediaUrl"), clock.millis(), lamport.tick(), node.region());
      return messages.append(candidate).compose(result -> {
        lamport.witness(result.message().lamport());
        if (result.created()) {
          deliver(conversation, result.message());
        }
        JsonObject stored = result.message().toJson();
        if (!node.region().equals(result.message().sourceRegion())) {
          // A send retried here after its first region stored it, replicated it and died before acknowledging it:
          // the stored message came through replication, so it is in its own region's log already, and this
          // region's log must not carry it (RegionPublisher refuses it). Refusing the send made the client retry
          // it forever.
          return Future.succeededFuture(stored.copy().put("created", false));
        }
        // Acknowledged only once in the region's replication log too (a retry publishes again: applies are
        // idempotent), so an acknowledged message always reaches the other regions.
        return vertx.eventBus().request(Addresses.REPLICATE_MESSAGE, stored).map(replicated -> {
          republisher.confirmed(result.message());
          return stored.copy().put("created", result.created());
        });
      });
    });
  }

  private void checkGroupRate(Conversation conversation) {
    if (conversation.type() != Conversation.Type.group) {
      return;
    }
    long now = clock.millis();
    TokenBucket bucket = groupBuckets.computeIfAbsent(conversation.conversationId(),
        id -> new TokenBucket(groupRate, groupBurst, now));
    long wait = bucket.tryTake(now);
    if (wait > 0) {
      throw new ProtocolException(ErrorCode.RATE_LIMITED, "group send rate exceeded", wait);
    }
  }

  private void forgetIdleBuckets() {
    long now = clock.millis();
    groupBuckets.values().removeIf(bucket -> bucket.idle(now));
  }

  /** Live delivery to every participant's connections; offline recipients go to the notification verticle. */
  private void deliver(Conversation conversation, Message message) {
    deliveries.add(conversation, message);
  }

  private Future<Void> route(Conversation conversation, List<Message> batch) {
    JsonArray frames = new JsonArray();
    batch.forEach(m -> frames.add(ServerFrames.message(m)));
    JsonArray stored = new JsonArray();
    batch.forEach(m -> stored.add(m.toJson()));
    JsonObject deliver = new JsonObject()
        .put("userIds", new JsonArray(List.copyOf(conversation.participants())))
        .put("frames", frames).put("messages", stored).put("conversation", conversation.toJson());
    return vertx.eventBus().<JsonObject>request(Addresses.ROUTER_DELIVER, deliver).map(reply -> {
      JsonArray offline = reply.body().getJsonArray("offline", new JsonArray());
      for (Message message : batch) {
        JsonArray recipients = offline.copy();
        recipients.remove(message.senderId());
        if (!recipients.isEmpty()) {
          vertx.eventBus().send(Addresses.NOTIFY_OFFLINE, new JsonObject().put("userIds", recipients)
              .put("message", message.toJson()));
        }
      }
      return null;
    });
  }

  /** A message another region originated, stored here for the first time by the bridge. */
  private void replicated(JsonObject json) {
    Message message = Message.fromJson(json);
    lamport.witness(message.lamport());
    conversations.find(message.conversationId())
        .onSuccess(conversation -> replicatedDeliveries.add(conversation, message));
    // Unknown conversation (its snapshot has not arrived): nobody here can be shown to be a participant yet; the
    // message is stored and the participants' sync finds it.
  }

  private Future<Void> routeHere(Conversation conversation, List<Message> batch) {
    JsonArray frames = new JsonArray();
    batch.forEach(m -> frames.add(ServerFrames.message(m)));
    return vertx.eventBus().request(Addresses.ROUTER_DELIVER, new JsonObject()
        .put("userIds", new JsonArray(List.copyOf(conversation.participants())))
        .put("frames", frames).put("localOnly", true)).mapEmpty();
  }

  private Future<JsonObject> sync(JsonObject request) {
    SyncCursor cursor;
    try {
      cursor = SyncCursor.decode(request.getString("cursor"));
    } catch (IllegalArgumentException e) {
      throw new ProtocolException(ErrorCode.BAD_FIELD, "cursor is not one this server issued");
    }
    String conversationId = request.getString("conversationId");
    return conversations.requireParticipant(conversationId, request.getString("userId"))
        .compose(c -> messages.sync(conversationId, cursor, request.getInteger("limit", 100)))
        .map(page -> ServerFrames.syncResult(conversationId, page.messages(), page.cursor().encode(),
            page.hasMore()));
  }

  private Future<JsonObject> history(JsonObject request) {
    CanonicalOrder.Position before = null;
    String beforeText = request.getString("before");
    if (beforeText != null && !beforeText.isEmpty()) {
      try {
        before = CanonicalOrder.Position.decode(beforeText);
      } catch (IllegalArgumentException e) {
        throw new ProtocolException(ErrorCode.BAD_FIELD, "before is not a position this server issued");
      }
    }
    int limit = Math.max(1, Math.min(MAX_HISTORY_LIMIT, request.getInteger("limit", 50)));
    String conversationId = request.getString("conversationId");
    CanonicalOrder.Position from = before;
    return conversations.requireParticipant(conversationId, request.getString("userId"))
        .compose(c -> messages.history(conversationId, from, limit))
        .map(page -> {
          JsonArray array = new JsonArray();
          page.forEach(m -> array.add(m.toJson()));
          String next = page.size() < limit ? null : page.get(page.size() - 1).position().encode();
          return new JsonObject().put("messages", array).put("before", next);
        });
  }

  /** The messages of one conversation among the given ids (others are silently left out). */
  private Future<JsonObject> lookup(JsonObject request) {
    String conversationId = request.getString("conversationId");
    if (conversationId == null) {
      return lookupByMessage(request);
    }
    Set<String> ids = new HashSet<>();
    request.getJsonArray("messageIds", new JsonArray()).forEach(id -> ids.add((String) id));
    return conversations.requireParticipant(conversationId, request.getString("userId"))
        .compose(c -> messages.getAll(ids))
        .map(all -> {
          JsonArray found = new JsonArray();
          all.stream().filter(msg -> msg.conversationId().equals(conversationId))
              .forEach(msg -> found.add(msg.toJson()));
          return new JsonObject().put("messages", found);
        });
  }

  /** One message by id alone: its own conversation is the one the caller must belong to. */
  private Future<JsonObject> lookupByMessage(JsonObject request) {
    String messageId = request.getJsonArray("messageIds", new JsonArray()).getString(0);
    return messages.get(messageId).compose(found -> {
      Message message = found.orElseThrow(() -> new ProtocolException(ErrorCode.NOT_FOUND, "no such message"));
      return conversations.requireParticipant(message.conversationId(), request.getString("userId"))
          .map(c -> new JsonObject().put("messages", new JsonArray().add(message.toJson())));
    });
  }

  @Override
  public Future<?> stop() {
    return sends.drained();
  }
}
