package io.lattice.bridge;

import io.lattice.bus.BusErrors;
import io.lattice.model.Addresses;
import io.lattice.model.Conversation;
import io.lattice.model.Message;
import io.lattice.model.crdt.PresenceSlot;
import io.lattice.model.crdt.ReceiptState;
import io.lattice.store.ReceiptStore.ReceiptKey;
import io.lattice.store.ReceiptStore.ReceiptUpdate;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The outbound half of the mesh on every node: publishes what this region originates to its own Kafka cluster
 * ({@link RegionPublisher}) and pushes targeted live traffic into other regions' clusters ({@link LiveForwarder}).
 * Other verticles reach it only through the {@code REPLICATE_*} and {@code MESH_FORWARD} addresses.
 *
 * <p>Durable records (messages, conversation snapshots, receipts) are request/reply: the reply comes once the
 * region's broker acknowledged the record, and callers acknowledge their own clients only then. Receipts are
 * batched: requests arriving within {@code receiptBatchMs} (2 ms) go out as one record of at most
 * {@code receiptBatchMax} (200) receipts. Presence and live forwards are fire and forget (soft state, best effort).
 *
 * <p>With {@code enabled: false} (a single-region deployment) every request succeeds at once and nothing is sent.
 *
 * <p>Config: {@code enabled}, {@code bootstrapServers} (this region's cluster), {@code producer} (settings passed
 * through), {@code remotes} ([{"region","bootstrapServers"}]: where live traffic for each region goes),
 * {@code live} (producer settings for live traffic), {@code receiptBatchMs}, {@code receiptBatchMax}.
 */
public final class ReplicationVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicationVerticle.class);

  private final String region;
  private RegionPublisher publisher;
  private LiveForwarder live;
  private final List<PendingReceipts> receiptBatch = new ArrayList<>();
  private int receiptBatchSize;
  private long receiptTimer = -1;
  private long receiptBatchMs;
  private int receiptBatchMax;
  private final AtomicLong forwarded = new AtomicLong();
  private final AtomicLong forwardFailures = new AtomicLong();

  private record PendingReceipts(List<ReplicationRecords.ReceiptNotice> notices, Promise<JsonObject> done) {
  }

  private final java.time.Clock clock;

  public ReplicationVerticle(String region, java.time.Clock clock) {
    this.region = region;
    this.clock = clock;
  }

  public long forwarded() {
    return forwarded.get();
  }

  public long forwardFailures() {
    return forwardFailures.get();
  }

  @Override
  public Future<?> start() {
    JsonObject conf = config();
    var bus = vertx.eventBus();
    if (!conf.getBoolean("enabled", false)) {
      JsonObject ok = new JsonObject();
      return Future.all(List.of(
          bus.localConsumer(Addresses.REPLICATE_MESSAGE, m -> m.reply(ok)).completion(),
          bus.localConsumer(Addresses.REPLICATE_CONVERSATION, m -> m.reply(ok)).completion(),
          bus.localConsumer(Addresses.REPLICATE_RECEIPTS, m -> m.reply(ok)).completion(),
          bus.localConsumer(Addresses.REPLICATE_PRESENCE, m -> { }).completion(),
          bus.localConsumer(Addresses.MESH_FORWARD, m -> { }).completion()));
    }
    receiptBatchMs = conf.getLong("receiptBatchMs", 2L);
    receiptBatchMax = conf.getInteger("receiptBatchMax", 200);
    publisher = new RegionPublisher(vertx, region, conf.getString("bootstrapServers"),
        strings(conf.getJsonObject("producer")));
    Map<String, String> remotes = new HashMap<>();
    for (Object r : conf.getJsonArray("remotes", new JsonArray())) {
      JsonObject remote = (JsonObject) r;
      remotes.put(remote.getString("region"), remote.getString("bootstrapServers"));
    }
    live = new LiveForwarder(vertx, region, remotes, strings(conf.getJsonObject("live")), clock);
    live.warmUp();
    return Future.all(List.of(
        bus.localConsumer(Addresses.REPLICATE_MESSAGE, BusErrors.handler(this::message)).completion(),
        bus.localConsumer(Addresses.REPLICATE_CONVERSATION, BusErrors.handler(this::conversation)).completion(),
        bus.localConsumer(Addresses.REPLICATE_RECEIPTS, BusErrors.handler(this::receipts)).completion(),
        bus.<JsonObject>localConsumer(Addresses.REPLICATE_PRESENCE, m -> presence(m.body())).completion(),
        bus.<JsonObject>localConsumer(Addresses.MESH_FORWARD, m -> forward(m.body())).completion()));
  }

  private Future<JsonObject> message(JsonObject json) {
    return publisher.publishMessage(Message.fromJson(json)).map(md -> new JsonObject());
  }

  private Future<JsonObject> conversation(JsonObject request) {
    Conversation conversation = Conversation.fromJson(request.getJsonObject("conversation"));
    return publisher.publishConversation(conversation, request.getLong("version", 0L)).map(md -> new JsonObject());
  }

  /** {@code {"receipts":[{"messageId","recipientId","conversationId","senderId","sentAt","deliveredAt","readAt"}]}} */
  private Future<JsonObject> receipts(JsonObject request) {
    List<ReplicationRecords.ReceiptNotice> notices = new ArrayList<>();
    for (Object item : request.getJsonArray("receipts", new JsonArray())) {
      JsonObject r = (JsonObject) item;
      notices.add(new ReplicationRecords.ReceiptNotice(new ReceiptUpdate(
          new ReceiptKey(r.getString("messageId"), r.getString("recipientId")), ReceiptState.fromJson(r)),
          r.getString("conversationId"), r.getString("senderId")));
    }
    if (notices.isEmpty()) {
      return Future.succeededFuture(new JsonObject());
    }
    Promise<JsonObject> done = Promise.promise();
    receiptBatch.add(new PendingReceipts(notices, done));
    receiptBatchSize += notices.size();
    if (receiptBatchSize >= receiptBatchMax) {
      flushReceipts();
    } else if (receiptTimer < 0) {
      receiptTimer = vertx.setTimer(Math.max(1, receiptBatchMs), id -> {
        receiptTimer = -1;
        flushReceipts();
      });
    }
    return done.future();
  }

  private void flushReceipts() {
    if (receiptTimer >= 0) {
      vertx.cancelTimer(receiptTimer);
      receiptTimer = -1;
    }
    if (receiptBatch.isEmpty()) {
      return;
    }
    List<PendingReceipts> batch = List.copyOf(receiptBatch);
    receiptBatch.clear();
    receiptBatchSize = 0;
    List<ReplicationRecords.ReceiptNotice> all = new ArrayList<>();
    batch.forEach(p -> all.addAll(p.notices()));
    publisher.publishReceiptNotices(all).onComplete(ar -> batch.forEach(p -> {
      if (ar.succeeded()) {
        p.done().complete(new JsonObject());
      } else {
        p.done().fail(ar.cause());
      }
    }));
  }

  /** {@code {"slots":{"<userId>":{"count","version","expiresAt"}}}}: this region's own slots. */
  private void presence(JsonObject request) {
    request.getJsonObject("slots", new JsonObject()).forEach(e -> publisher
        .publishPresence(e.getKey(), PresenceSlot.fromJson((JsonObject) e.getValue()))
        .onFailure(err -> LOG.debug("presence of {} not published: {}", e.getKey(), err.toString())));
  }

  /** {@code {"destinationRegion","userIds":[..],"conversation"?,"messages"?:[..],"frames"?:[..]}} */
  private void forward(JsonObject request) {
    String destination = request.getString("destinationRegion");
    if (destination == null || destination.equals(region) || !live.knows(destination)) {
      return;
    }
    List<String> users = new ArrayList<>();
    JsonArray userIds = request.getJsonArray("userIds");
    if (userIds != null) {
      userIds.forEach(u -> users.add((String) u));
    }
    List<Message> messages = new ArrayList<>();
    JsonArray stored = request.getJsonArray("messages");
    if (stored != null) {
      stored.forEach(m -> messages.add(Message.fromJson((JsonObject) m)));
    }
    JsonObject conversation = request.getJsonObject("conversation");
    var envelope = new ReplicationRecords.LiveEnvelope(destination, region, users,
        conversation == null ? null : Conversation.fromJson(conversation), messages,
        request.getJsonArray("frames", new JsonArray()));
    live.forward(envelope).onComplete(ar -> {
      if (ar.succeeded()) {
        forwarded.incrementAndGet();
      } else {
        // Expected while a link is cut: the durable path brings messages; receipts and typing are soft.
        forwardFailures.incrementAndGet();
        LOG.debug("live forward to {} failed: {}", destination, ar.cause().toString());
      }
    });
  }

  @Override
  public Future<?> stop() {
    flushReceipts();
    List<Future<Void>> closing = new ArrayList<>();
    if (publisher != null) {
      closing.add(publisher.close());
    }
    if (live != null) {
      closing.add(live.close());
    }
    return Future.join(closing);
  }

  private static Map<String, String> strings(JsonObject json) {
    Map<String, String> out = new HashMap<>();
    if (json != null) {
      json.forEach(e -> out.put(e.getKey(), String.valueOf(e.getValue())));
    }
    return out;
  }
}
