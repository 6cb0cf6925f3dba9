package io.lattice.client;

import io.lattice.model.Message;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The conversations a client follows: their {@link Timeline}s, the sync that pages each one up to date (after every
 * ready, from its cursor), and the application's "caught up" futures. Messages, live or from a sync page, go through
 * {@link #deliver}, which hands each messageId to the application once. Used on the client's context only.
 */
final class Conversations {
  private static final int SYNC_ATTEMPTS = 30;

  private final Vertx vertx;
  private final ClientListener listener;
  private final Backoff backoff;
  private final int pageSize;
  private final Consumer<JsonObject> writer;
  private final Map<String, Timeline> timelines = new LinkedHashMap<>();
  private final Map<String, List<Promise<Void>>> waiters = new LinkedHashMap<>();
  private final Set<String> syncing = new HashSet<>();
  private final Map<String, Integer> failures = new HashMap<>();
  private BooleanSupplier connected = () -> false;
  private long generation;

  Conversations(Vertx vertx, ClientListener listener, Backoff backoff, int pageSize, Consumer<JsonObject> writer) {
    this.vertx = vertx;
    this.listener = listener;
    this.backoff = backoff;
    this.pageSize = pageSize;
    this.writer = writer;
  }

  Timeline timeline(String conversationId) {
    return timelines.get(conversationId);
  }

  boolean follows(String conversationId) {
    return timelines.containsKey(conversationId);
  }

  /** Follows from {@code cursor}; the future completes when this conversation's next catch-up ends. */
  Future<Void> follow(String conversationId, String cursor, boolean online) {
    timelines.computeIfAbsent(conversationId, id -> new Timeline(id, cursor));
    Promise<Void> caughtUp = Promise.promise();
    waiters.computeIfAbsent(conversationId, id -> new ArrayList<>()).add(caughtUp);
    if (online && !syncing.contains(conversationId)) {
      sync(conversationId);
    }
    return caughtUp.future();
  }

  /** A new connection is ready: every followed conversation resumes from its cursor. */
  void ready(BooleanSupplier stillConnected) {
    generation++;
    connected = stillConnected;
    syncing.clear();
    timelines.keySet().forEach(this::sync);
  }

  void deliver(Message message) {
    Timeline timeline = timelines.get(message.conversationId());
    if (timeline == null) {
      // A conversation the application did not follow yet (someone wrote first): follow it from the start, so
      // that what came before this message is recovered too.
      timeline = timelines.computeIfAbsent(message.conversationId(), id -> new Timeline(id, null));
      sync(message.conversationId());
    }
    int index = timeline.offer(message);
    if (index >= 0) {
      listener.onMessage(message, index, timeline);
    }
  }

  void onSyncResult(JsonObject frame) {
    String conversationId = frame.getString("conversationId");
    Timeline timeline = timelines.get(conversationId);
    if (timeline == null) {
      return;
    }
    for (Object o : frame.getJsonArray("messages", new JsonArray())) {
      deliver(Message.fromJson((JsonObject) o));
    }
    timeline.cursor(frame.getString("cursor"));
    failures.remove(conversationId);
    if (frame.getBoolean("hasMore", false)) {
      sync(conversationId);
    } else {
      syncing.remove(conversationId);
      List<Promise<Void>> done = waiters.remove(conversationId);
      if (done != null) {
        done.forEach(Promise::tryComplete);
      }
    }
  }

  /**
   * A conversation created (or joined) in another region moments ago may not have replicated to this one yet
   * ({@code not_found}, {@code forbidden}); overload answers are transient too. Retried with backoff, up to
   * {@value #SYNC_ATTEMPTS} times; then (or at once for a bad cursor) the followers' futures fail.
   */
  void onSyncError(String conversationId, String code, JsonObject frame) {
    syncing.remove(conversationId);
    int failed = failures.merge(conversationId, 1, Integer::sum);
    boolean transientCode = code.equals("not_found") || code.equals("forbidden") || code.equals("unavailable")
        || code.equals("internal") || code.equals("rate_limited");
    if (transientCode && failed < SYNC_ATTEMPTS) {
      long at = generation;
      vertx.setTimer(Math.max(1, frame.getLong("retryAfterMs", backoff.delayMs(Math.min(failed, 4)) + 100)), t -> {
        if (at == generation && !syncing.contains(conversationId)) {
          sync(conversationId);
        }
      });
      return;
    }
    failures.remove(conversationId);
    String message = "sync of " + conversationId + " failed: " + frame.getString("message", "");
    List<Promise<Void>> done = waiters.remove(conversationId);
    if (done != null) {
      done.forEach(w -> w.tryFail(new SendRejectedException(code, message)));
    }
    listener.onError(code, message);
  }

  private void sync(String conversationId) {
    if (!connected.getAsBoolean()) {
      return; // every followed conversation syncs after the next ready
    }
    syncing.add(conversationId);
    writer.accept(new JsonObject().put("type", "sync").put("conversationId", conversationId)
        .put("cursor", timelines.get(conversationId).cursor()).put("limit", pageSize));
  }
}
