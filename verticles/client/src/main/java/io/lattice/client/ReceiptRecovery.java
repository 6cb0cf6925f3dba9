package io.lattice.client;

import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Receipts across reconnects, in both directions. The protocol's receipts are fire-and-forget frames: the server
 * does not acknowledge a client's receipt, and a receipt change reaches the sender only live. So:
 * <ul>
 *   <li>as a recipient: receipt frames written in the last {@value #REPLAY_MS} ms are written again after the next
 *       ready (those written just before a connection died may never have been applied; a repeat of a CRDT merge
 *       changes nothing), and those asked for while offline are written then;</li>
 *   <li>as a sender: after a ready the client asks for the current receipts of its last {@value #RECENT_SENDS}
 *       acknowledged sends ({@code POST /api/conversations/{id}/receipts} by clientMsgId, one request per conversation) and hands
 *       them to the application as receipt frames.</li>
 * </ul>
 * Used on the client's context only.
 */
final class ReceiptRecovery {
  static final long REPLAY_MS = 15_000;
  static final int RECENT_SENDS = 500;

  private record Written(long atNanos, JsonObject frame) {
  }

  private final ArrayDeque<Written> written = new ArrayDeque<>();
  private final List<JsonObject> offline = new ArrayList<>();
  /** clientMsgId -> conversationId of the latest acknowledged sends. */
  private final Map<String, String> recentSends = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
      return size() > RECENT_SENDS;
    }
  };

  void written(JsonObject frame) {
    written.add(new Written(System.nanoTime(), frame));
    prune();
  }

  void offline(JsonObject frame) {
    offline.add(frame);
  }

  /** The receipt frames to write after a ready: the recent ones again, then those kept while offline. */
  List<JsonObject> toReplay() {
    prune();
    List<JsonObject> frames = new ArrayList<>();
    written.forEach(entry -> frames.add(entry.frame()));
    frames.addAll(offline);
    offline.clear();
    return frames;
  }

  /**
   * The receipt frames of a conversation written recently, to write again when the region answered
   * {@code not_found}: it does not have (some of) those messages yet, e.g. because their region died before
   * replicating them; once that region is back they arrive, and a later write of the receipt applies.
   */
  List<JsonObject> recentOf(String conversationId) {
    prune();
    List<JsonObject> frames = new ArrayList<>();
    written.forEach(entry -> {
      if (conversationId.equals(entry.frame().getString("conversationId"))) {
        frames.add(entry.frame());
      }
    });
    return frames;
  }

  void acknowledged(String clientMsgId, String conversationId) {
    recentSends.put(clientMsgId, conversationId);
  }

  /** Asks the region behind {@code httpUrl} for the receipts of the recent sends; each state goes to {@code sink}. */
  void catchUp(HttpClient http, String httpUrl, String token, long timeoutMs, Consumer<JsonObject> sink) {
    Map<String, JsonArray> byConversation = new LinkedHashMap<>();
    // By clientMsgId: the region answers from its replicated receipts even when the message itself never reached it
    // (its region died before replicating it), which a query by messageId could not.
    recentSends.forEach((clientMsgId, conversationId) ->
        byConversation.computeIfAbsent(conversationId, c -> new JsonArray()).add(clientMsgId));
    byConversation.forEach((conversationId, ids) -> {
      RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST)
          .setAbsoluteURI(httpUrl + "/api/conversations/" + URLEncoder.encode(conversationId, StandardCharsets.UTF_8)
              + "/receipts")
          .putHeader("authorization", "Bearer " + token).putHeader("content-type", "application/json")
          .setConnectTimeout(timeoutMs).setIdleTimeout(timeoutMs);
      http.request(request)
          .compose(r -> r.send(new JsonObject().put("clientMsgIds", ids).encode()))
          .compose(r -> r.body().map(body -> r.statusCode() == 200 ? body.toJsonObject() : null))
          .onSuccess(reply -> {
            if (reply != null) { // else (e.g. not replicated here yet) the next catch-up asks again
              frames(conversationId, reply).forEach(sink);
            }
          });
    });
  }

  private static List<JsonObject> frames(String conversationId, JsonObject reply) {
    List<JsonObject> frames = new ArrayList<>();
    for (Object o : reply.getJsonArray("receipts", new JsonArray())) {
      JsonObject entry = (JsonObject) o;
      entry.getJsonObject("receipts", new JsonObject()).forEach(r -> {
        JsonObject state = (JsonObject) r.getValue();
        frames.add(new JsonObject().put("type", "receipt").put("messageId", entry.getString("messageId"))
            .put("conversationId", conversationId).put("recipientId", r.getKey())
            .put("sentAt", state.getLong("sentAt", 0L)).put("deliveredAt", state.getLong("deliveredAt", 0L))
            .put("readAt", state.getLong("readAt", 0L)));
      });
    }
    return frames;
  }

  private void prune() {
    long now = System.nanoTime();
    while (!written.isEmpty() && (now - written.peek().atNanos()) / 1_000_000 > REPLAY_MS) {
      written.poll();
    }
  }
}
