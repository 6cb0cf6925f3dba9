package io.lattice.presence;

import io.lattice.NodeIdentity;
import io.lattice.bus.BusErrors;
import io.lattice.model.Addresses;
import io.lattice.model.LamportClock;
import io.lattice.model.Message;
import io.lattice.model.crdt.PresenceState;
import io.lattice.model.crdt.ReceiptState;
import io.lattice.model.protocol.ErrorCode;
import io.lattice.model.protocol.ProtocolException;
import io.lattice.model.protocol.ServerFrames;
import io.lattice.store.PresenceStore;
import io.lattice.store.ReceiptStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The two CRDTs: delivery receipts (merged by max per field) and presence (one slot per region). Owns the
 * ReceiptStore and the PresenceStore. Receipt and presence changes are pushed to the users who care through the
 * router; presence changes are also published to every gateway of the region for presence subscribers.
 */
public final class PresenceVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(PresenceVerticle.class);

  private final NodeIdentity node;
  private final ReceiptStore receipts;
  private final PresenceStore presence;
  private final LamportClock lamport;
  private final Clock clock;
  private Duration presenceTtl;

  public PresenceVerticle(NodeIdentity node, ReceiptStore receipts, PresenceStore presence, LamportClock lamport,
                          Clock clock) {
    this.node = node;
    this.receipts = receipts;
    this.presence = presence;
    this.lamport = lamport;
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    presenceTtl = Duration.ofSeconds(config().getLong("ttlSeconds", 60L));
    vertx.setPeriodic(config().getLong("receiptPurgeIntervalMs", 3_600_000L), id -> receipts.purgeExpired()
        .onSuccess(n -> LOG.debug("purged {} expired receipts", n))
        .onFailure(e -> LOG.warn("receipt purge failed: {}", e.toString())));
    var bus = vertx.eventBus();
    return Future.all(List.of(
        bus.localConsumer(Addresses.RECEIPT_UPDATE, BusErrors.handler(this::updateReceipts)).completion(),
        bus.localConsumer(Addresses.RECEIPT_GET, BusErrors.handler(this::getReceipts)).completion(),
        bus.localConsumer(Addresses.RECEIPT_QUERY, BusErrors.handler(this::queryReceipts)).completion(),
        bus.localConsumer(Addresses.PRESENCE_REPORT, BusErrors.handler(this::report)).completion(),
        bus.localConsumer(Addresses.PRESENCE_REFRESH, BusErrors.handler(this::refresh)).completion(),
        bus.localConsumer(Addresses.PRESENCE_GET, BusErrors.handler(this::getPresence)).completion(),
        bus.<JsonObject>localConsumer(Addresses.NODE_LEFT, m -> nodeGone(m.body())).completion()));
  }

  /**
   * A recipient marks messages delivered or read. Only messages of the conversation, not sent by the recipient,
   * count; each merged state that changed goes to the sender and to the recipient's other devices.
   */
  private Future<JsonObject> updateReceipts(JsonObject request) {
    String userId = request.getString("userId");
    String conversationId = request.getString("conversationId");
    boolean read = "read".equals(request.getString("status"));
    JsonObject lookup = new JsonObject().put("userId", userId).put("conversationId", conversationId)
        .put("messageIds", request.getJsonArray("messageIds"));
    return vertx.eventBus().<JsonObject>request(Addresses.MESSAGE_LOOKUP, lookup).compose(reply -> {
      int unknown = new java.util.HashSet<>(request.getJsonArray("messageIds").getList()).size()
          - reply.body().getJsonArray("messages").size();
      return applyReceipts(userId, conversationId, read, reply.body()).compose(answer -> unknown <= 0
          ? Future.succeededFuture(answer)
          // Messages this region does not have yet (their region died before replicating them, or they are still
          // on the way): say so, so that the client writes the receipt again later; the known ones are applied.
          : Future.failedFuture(new ProtocolException(ErrorCode.NOT_FOUND, unknown
              + " of the messages are not in this region yet: send the receipt again later")));
    });
  }

  private Future<JsonObject> applyReceipts(String userId, String conversationId, boolean read, JsonObject found) {
    long now = lamport.tick();
    List<ReceiptStore.ReceiptUpdate> updates = new ArrayList<>();
    Map<String, String> senders = new java.util.HashMap<>();
    for (Object item : found.getJsonArray("messages")) {
      Message message = Message.fromJson((JsonObject) item);
      if (message.senderId().equals(userId)) {
        continue;
      }
      senders.put(message.messageId(), message.senderId());
      ReceiptState state = new ReceiptState(message.lamport(), read ? 0 : now, read ? now : 0);
      updates.add(new ReceiptStore.ReceiptUpdate(new ReceiptStore.ReceiptKey(message.messageId(), userId), state));
    }
    if (updates.isEmpty()) {
      return Future.succeededFuture(new JsonObject().put("updated", 0));
    }
    return receipts.merge(updates).compose(merged -> {
      JsonArray replicated = new JsonArray();
      for (ReceiptStore.Merged m : merged) {
        if (m.changed()) {
          String sender = senders.get(m.key().messageId());
          JsonObject frame = ServerFrames.receipt(m.key().messageId(), conversationId, userId, m.state());
          // The sender may be in another region: the router forwards the frame there live.
          vertx.eventBus().request(Addresses.ROUTER_DELIVER, new JsonObject()
              .put("userIds", new JsonArray().add(sender).add(userId)).put("frame", frame));
          replicated.add(m.state().toJson().put("messageId", m.key().messageId()).put("recipientId", userId)
              .put("conversationId", conversationId).put("senderId", sender));
        }
      }
      JsonObject answer = new JsonObject().put("updated", replicated.size());
      if (replicated.isEmpty()) {
        return Future.succeededFuture(answer);
      }
      // Every region merges the states from the replication log; the client hears back once they are in it.
      return vertx.eventBus().request(Addresses.REPLICATE_RECEIPTS, new JsonObject().put("receipts", replicated))
          .map(done -> answer);
    });
  }

  private Future<JsonObject> getReceipts(JsonObject request) {
    String messageId = request.getString("messageId");
    JsonObject lookup = new JsonObject().put("userId", request.getString("userId"))
        .put("conversationId", request.getString("conversationId"))
        .put("messageIds", new JsonArray().add(messageId));
    return vertx.eventBus().<JsonObject>request(Addresses.MESSAGE_LOOKUP, lookup)
        .compose(reply -> receipts.get(messageId))
        .map(states -> {
          JsonObject json = new JsonObject();
          states.forEach((recipient, state) -> json.put(recipient, state.toJson()));
          return new JsonObject().put("messageId", messageId).put("receipts", json);
        });
  }

  /**
   * The receipts of up to {@value #MAX_QUERY} messages of one conversation: how a sender that was offline when its
   * recipients' receipt frames went out live catches up. By {@code messageIds} (messages stored here, of that
   * conversation; others left out), or by {@code clientMsgIds}: the caller's own sends, whose ids derive from
   * (caller, clientMsgId), so they are answered from the replicated receipts even when the message itself has not
   * reached this region (its region died before replicating it) - only membership of the conversation is checked.
   */
  private Future<JsonObject> queryReceipts(JsonObject request) {
    String userId = request.getString("userId");
    String conversationId = request.getString("conversationId");
    boolean own = request.containsKey("clientMsgIds");
    JsonArray ids = request.getValue(own ? "clientMsgIds" : "messageIds") instanceof JsonArray a ? a : null;
    String field = own ? "clientMsgIds" : "messageIds";
    if (ids == null || ids.isEmpty() || ids.stream().anyMatch(id -> !(id instanceof String))) {
      return Future.failedFuture(new ProtocolException(ErrorCode.BAD_FIELD, field + ": a non-empty array of ids"));
    }
    if (ids.size() > MAX_QUERY) {
      return Future.failedFuture(new ProtocolException(ErrorCode.TOO_LARGE, "at most " + MAX_QUERY + " " + field));
    }
    Future<List<String>> messageIds;
    if (own) {
      List<String> derived = ids.stream().map(c -> io.lattice.model.Ids.messageId(userId, (String) c)).toList();
      messageIds = vertx.eventBus().request(Addresses.CONVERSATION_GET, new JsonObject().put("userId", userId)
          .put("conversationId", conversationId)).map(member -> derived);
    } else {
      messageIds = vertx.eventBus().<JsonObject>request(Addresses.MESSAGE_LOOKUP, new JsonObject()
          .put("userId", userId).put("conversationId", conversationId).put("messageIds", ids)).map(reply -> {
            List<String> found = new ArrayList<>();
            reply.body().getJsonArray("messages").forEach(m -> found.add(((JsonObject) m).getString("messageId")));
            return found;
          });
    }
    return messageIds.compose(found -> {
      List<Future<Map<String, ReceiptState>>> states = found.stream().map(receipts::get).toList();
      return Future.all(states).map(all -> {
        JsonArray out = new JsonArray();
        for (int i = 0; i < found.size(); i++) {
          if (own && states.get(i).result().isEmpty()) {
            continue; // nothing known of it here (yet)
          }
          JsonObject byRecipient = new JsonObject();
          states.get(i).result().forEach((recipient, state) -> byRecipient.put(recipient, state.toJson()));
          JsonObject entry = new JsonObject().put("messageId", found.get(i)).put("receipts", byRecipient);
          if (own) {
            entry.put("clientMsgId", ids.getString(i));
          }
          out.add(entry);
        }
        return new JsonObject().put("conversationId", conversationId).put("receipts", out);
      });
    });
  }

  private static final int MAX_QUERY = 500;

  private Future<JsonObject> report(JsonObject request) {
    String userId = request.getString("userId");
    return presence.report(userId, node.region(), request.getString("nodeId"), request.getLong("count"),
        presenceTtl).map(state -> {
          publishChange(userId, state);
          replicate(Map.of(userId, state));
          return presenceJson(userId, state);
        });
  }

  private Future<JsonObject> refresh(JsonObject request) {
    List<String> users = new ArrayList<>();
    request.getJsonArray("userIds", new JsonArray()).forEach(u -> users.add((String) u));
    return presence.refresh(users, node.region(), request.getString("nodeId"), presenceTtl).map(states -> {
      replicate(states);
      return new JsonObject();
    });
  }

  private Future<JsonObject> getPresence(JsonObject request) {
    List<String> users = new ArrayList<>();
    request.getJsonArray("userIds", new JsonArray()).forEach(u -> users.add((String) u));
    return Future.all(users.stream().map(presence::get).toList()).map(all -> {
      JsonArray out = new JsonArray();
      for (int i = 0; i < users.size(); i++) {
        out.add(presenceJson(users.get(i), all.resultAt(i)));
      }
      return new JsonObject().put("presence", out);
    });
  }

  private void nodeGone(JsonObject event) {
    presence.removeNode(node.region(), event.getString("nodeId"))
        .onSuccess(changed -> {
          changed.forEach(this::publishChange);
          replicate(changed);
        })
        .onFailure(e -> LOG.warn("could not drop presence of node {}: {}", event.getString("nodeId"), e.toString()));
  }

  /** This region's own slots of the users go to the other regions (refreshes too: they carry the new expiry). */
  private void replicate(Map<String, PresenceState> states) {
    JsonObject slots = new JsonObject();
    states.forEach((user, state) -> {
      var slot = state.slots().get(node.region());
      if (slot != null) {
        slots.put(user, slot.toJson());
      }
    });
    if (!slots.isEmpty()) {
      vertx.eventBus().send(Addresses.REPLICATE_PRESENCE, new JsonObject().put("slots", slots));
    }
  }

  private void publishChange(String userId, PresenceState state) {
    vertx.eventBus().publish(Addresses.PRESENCE_CHANGED, presenceJson(userId, state));
  }

  private JsonObject presenceJson(String userId, PresenceState state) {
    long now = clock.millis();
    return ServerFrames.presence(userId, state.online(now), state.liveRegions(now));
  }
}
