package io.lattice.message;

import io.lattice.NodeIdentity;
import io.lattice.bus.BusErrors;
import io.lattice.model.Addresses;
import io.lattice.model.Conversation;
import io.lattice.model.Ids;
import io.lattice.model.protocol.ErrorCode;
import io.lattice.model.protocol.FrameParser;
import io.lattice.model.protocol.ProtocolException;
import io.lattice.model.protocol.ServerFrames;
import io.lattice.store.ConversationStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeSet;

/**
 * Conversations: creation (direct ids converge), membership, listing, typing fan-out, and the participant check
 * every message operation starts with. Owned by {@link MessageVerticle} and run on its event loop.
 *
 * <p>Conversations are cached per node because every send checks membership; a membership change publishes
 * {@link Addresses#CONVERSATION_CHANGED} so every node of the region drops its copy.
 */
final class ConversationService {
  static final int MAX_GROUP_MEMBERS = 1000;
  static final int MAX_TITLE_CHARS = 200;
  private static final int CACHE_SIZE = 10_000;

  private final NodeIdentity node;
  private final ConversationStore store;
  private final Clock clock;
  private final Map<String, Conversation> cache = new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Conversation> eldest) {
      return size() > CACHE_SIZE;
    }
  };
  private Vertx vertx;

  ConversationService(NodeIdentity node, ConversationStore store, Clock clock) {
    this.node = node;
    this.store = store;
    this.clock = clock;
  }

  void start(Vertx vertx) {
    this.vertx = vertx;
    var bus = vertx.eventBus();
    bus.localConsumer(Addresses.CONVERSATION_CREATE, BusErrors.handler(this::create));
    bus.localConsumer(Addresses.CONVERSATION_LIST, BusErrors.handler(this::list));
    bus.localConsumer(Addresses.CONVERSATION_GET, BusErrors.handler(this::get));
    bus.localConsumer(Addresses.CONVERSATION_MEMBERS, BusErrors.handler(this::members));
    bus.localConsumer(Addresses.CONVERSATION_TYPING, BusErrors.handler(this::typing));
    bus.<String>consumer(Addresses.CONVERSATION_CHANGED, message -> cache.remove(message.body()));
  }

  /**
   * The conversation, if the user is in it. A cached copy that says no is re-read from the store before refusing:
   * a member added on another node may send before that node's invalidation arrives here. (A member just removed may
   * still pass on a stale copy for those few milliseconds.)
   */
  Future<Conversation> requireParticipant(String conversationId, String userId) {
    Conversation cached = cache.get(conversationId);
    if (cached != null && cached.hasParticipant(userId)) {
      return Future.succeededFuture(cached);
    }
    if (cached != null) {
      cache.remove(conversationId);
    }
    return find(conversationId).map(conversation -> {
      if (!conversation.hasParticipant(userId)) {
        throw new ProtocolException(ErrorCode.FORBIDDEN, "not a participant of this conversation");
      }
      return conversation;
    });
  }

  /** The conversation, cached, without a participant check (for delivering replicated messages). */
  Future<Conversation> find(String conversationId) {
    Conversation cached = cache.get(conversationId);
    if (cached != null) {
      return Future.succeededFuture(cached);
    }
    return store.get(conversationId).map(found -> {
      Conversation conversation = found.orElseThrow(
          () -> new ProtocolException(ErrorCode.NOT_FOUND, "no such conversation"));
      cache.put(conversationId, conversation);
      return conversation;
    });
  }

  private Future<JsonObject> create(JsonObject request) {
    String userId = request.getString("userId");
    Conversation.Type type = parseType(request.getValue("type"));
    Set<String> participants = userIds(request.getValue("participants"), "participants");
    participants.add(userId);
    Object titleValue = request.getValue("title");
    if (titleValue != null && (!(titleValue instanceof String t) || t.length() > MAX_TITLE_CHARS)) {
      throw new ProtocolException(ErrorCode.BAD_FIELD, "title must be a string of at most 200 characters");
    }
    String id;
    if (type == Conversation.Type.direct) {
      if (participants.size() != 2) {
        throw new ProtocolException(ErrorCode.BAD_FIELD, "a direct conversation has exactly two participants");
      }
      String[] pair = participants.toArray(String[]::new);
      id = Ids.directConversationId(pair[0], pair[1]);
    } else {
      if (participants.size() > MAX_GROUP_MEMBERS) {
        throw new ProtocolException(ErrorCode.TOO_LARGE, "a group has at most " + MAX_GROUP_MEMBERS + " members");
      }
      id = Ids.newGroupId();
    }
    Conversation wanted = new Conversation(id, type, participants, (String) titleValue, node.region(),
        clock.millis());
    return store.create(wanted).compose(stored -> replicate(stored).map(v -> new JsonObject()
        .put("conversation", stored.toJson())
        .put("created", stored.createdAt() == wanted.createdAt() && stored.participants().equals(participants))));
  }

  private Future<JsonObject> list(JsonObject request) {
    return store.listForUser(request.getString("userId"), 500).map(all -> {
      JsonArray array = new JsonArray();
      all.forEach(c -> array.add(c.toJson()));
      return new JsonObject().put("conversations", array);
    });
  }

  private Future<JsonObject> get(JsonObject request) {
    return requireParticipant(request.getString("conversationId"), request.getString("userId"))
        .map(Conversation::toJson);
  }

  private Future<JsonObject> members(JsonObject request) {
    String conversationId = request.getString("conversationId");
    Set<String> add = request.getValue("add") == null ? Set.of() : userIds(request.getValue("add"), "add");
    Set<String> remove = request.getValue("remove") == null ? Set.of() : userIds(request.getValue("remove"), "remove");
    return requireParticipant(conversationId, request.getString("userId")).compose(conversation -> {
      if (conversation.type() != Conversation.Type.group) {
        throw new ProtocolException(ErrorCode.BAD_FIELD, "only group members can change");
      }
      if (conversation.participants().size() + add.size() > MAX_GROUP_MEMBERS) {
        throw new ProtocolException(ErrorCode.TOO_LARGE, "a group has at most " + MAX_GROUP_MEMBERS + " members");
      }
      return store.updateMembers(conversationId, add, remove);
    }).recover(failure -> Future.failedFuture(failure instanceof NoSuchElementException
        ? new ProtocolException(ErrorCode.NOT_FOUND, "no such conversation") : failure))
        .compose(updated -> {
          cache.remove(conversationId);
          vertx.eventBus().publish(Addresses.CONVERSATION_CHANGED, conversationId);
          return replicate(updated).map(v -> updated.toJson());
        });
  }

  /**
   * The snapshot goes to the region's replication log before the client hears of the change (a retry publishes it
   * again). Its version is the change's wall-clock time, so it survives restarts; two regions changing the same
   * group's members within the same instant resolve by whichever snapshot a region applies last.
   */
  private Future<Void> replicate(Conversation conversation) {
    return vertx.eventBus().request(Addresses.REPLICATE_CONVERSATION, new JsonObject()
        .put("conversation", conversation.toJson()).put("version", clock.millis())).mapEmpty();
  }

  private Future<JsonObject> typing(JsonObject request) {
    String userId = request.getString("userId");
    return requireParticipant(request.getString("conversationId"), userId).map(conversation -> {
      JsonArray others = new JsonArray();
      conversation.participants().stream().filter(p -> !p.equals(userId)).forEach(others::add);
      vertx.eventBus().request(Addresses.ROUTER_DELIVER, new JsonObject().put("userIds", others)
          .put("frame", ServerFrames.typing(conversation.conversationId(), userId)));
      return new JsonObject();
    });
  }

  private static Conversation.Type parseType(Object value) {
    if (value == null) {
      throw new ProtocolException(ErrorCode.MISSING_FIELD, "type is required");
    }
    try {
      return Conversation.Type.valueOf(String.valueOf(value));
    } catch (IllegalArgumentException e) {
      throw new ProtocolException(ErrorCode.BAD_FIELD, "type must be direct or group");
    }
  }

  private static Set<String> userIds(Object value, String field) {
    if (value == null) {
      throw new ProtocolException(ErrorCode.MISSING_FIELD, field + " is required");
    }
    if (!(value instanceof JsonArray array)) {
      throw new ProtocolException(ErrorCode.BAD_FIELD, field + " must be an array of user ids");
    }
    Set<String> ids = new TreeSet<>();
    for (Object item : array) {
      if (!(item instanceof String s) || s.isEmpty() || s.length() > FrameParser.MAX_ID_LENGTH) {
        throw new ProtocolException(ErrorCode.BAD_FIELD, field + " must be an array of user ids");
      }
      ids.add(s);
    }
    return ids;
  }
}
