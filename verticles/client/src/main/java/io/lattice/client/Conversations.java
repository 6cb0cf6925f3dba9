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
  /** A sync request unanswered this long (dropped by a node going away) is sent again. */
  private static final long SYNC_TIMEOUT_MS = 15_000;
  /** A hole seen in the live stream waits this long for the missing message before a sync is asked for. */
  private static final long GAP_WAIT_MS = 1_000;

  private final Vertx vertx;
  private final ClientListener listener;
  private final Backoff backoff;
  private final int pageSize;
  private final Consumer<JsonObject> writer;
  private final Map<String, Timeline> timelines = new LinkedHashMap<>();
  private final Map<String, List<Promise<Void>>> waiters = new LinkedHashMap<>();
  private final Set<String> syncing = new HashSet<>();
  private final Map<String, Integer> failures = new HashMap<>();
  private final Map<String, Long> syncRequests = new HashMap<>();
  private final Map<String, Integer> gapRounds = new HashMap<>();
  private final Set<String> gapTimers = new HashSet<>();
  private long requests;
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
    if (timeline.hasGap()) {
      syncGapLater(message.conversationId(), GAP_WAIT_MS);
    }
  }

  /** Syncs after {@code delayMs} if the hole is still there then and no sync is running (one timer at a time). */
  private void syncGapLater(String conversationId, long delayMs) {
    if (syncing.contains(conversationId) || !gapTimers.add(conversationId)) {
      return;
    }
    vertx.setTimer(delayMs, t -> {
      gapTimers.remove(conversationId);
      Timeline timeline = timelines.get(conversationId);
      if (timeline != null && timeline.hasGap() && !syncing.contains(conversationId)) {
        sync(conversationId);
      }
    });
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
      if (timeline.hasGap()) {
        // The region serving us has a hole too (the message is still on its way there): ask again, backing off.
        int round = gapRounds.merge(conversationId, 1, Integer::sum);
        syncGapLater(conversationId, backoff.delayMs(Math.min(round, 6)) + GAP_WAIT_MS);
      } else {
        gapRounds.remove(conversationId);
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
    // Overload and failures of the server are retried as long as it takes (giving up would leave the timeline
    // behind until the next reconnect); not_found and forbidden (a conversation not replicated here yet) for a while.
    boolean serverTrouble = code.equals("unavailable") || code.equals("internal") || code.equals("rate_limited");
    boolean notHereYet = code.equals("not_found") || code.equals("forbidden");
    if (serverTrouble || (notHereYet && failed < SYNC_ATTEMPTS)) {
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
    long request = ++requests;
    syncRequests.put(conversationId, request);
    writer.accept(new JsonObject().put("type", "sync").put("conversationId", conversationId)
        .put("cursor", timelines.get(conversationId).cursor()).put("limit", pageSize));
    long at = generation;
    vertx.setTimer(SYNC_TIMEOUT_MS, t -> {
      if (at == generation && syncing.contains(conversationId) && syncRequests.get(conversationId) == request) {
        sync(conversationId); // a late answer to the first request is harmless: messages dedupe, cursors merge
      }
    });
  }
}
