package io.lattice.client;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Sends until their ack, in the order they were made: each is written when made (if connected), again after every
 * ready, and again after a retryable refusal ({@code rate_limited}, {@code unavailable}, {@code internal}), always
 * with its clientMsgId, so the server stores it once whatever happens. A final refusal fails its future with
 * {@link SendRejectedException}. Used on the client's context only.
 */
final class Outbox {

  /** One send until its ack: the frame to (re)write, how often it was written, who waits for it. */
  private static final class Outgoing {
    final JsonObject frame;
    final Promise<Ack> promise = Promise.promise();
    int writes;

    Outgoing(JsonObject frame) {
      this.frame = frame;
    }
  }

  private final Vertx vertx;
  private final Backoff backoff;
  private final Consumer<JsonObject> writer;
  private final Map<String, Outgoing> pending = new LinkedHashMap<>();
  private long generation;

  Outbox(Vertx vertx, Backoff backoff, Consumer<JsonObject> writer) {
    this.vertx = vertx;
    this.backoff = backoff;
    this.writer = writer;
  }

  Future<Ack> add(JsonObject frame, boolean connected) {
    Outgoing existing = pending.get(frame.getString("clientMsgId"));
    if (existing != null) {
      return existing.promise.future();
    }
    Outgoing outgoing = new Outgoing(frame);
    pending.put(frame.getString("clientMsgId"), outgoing);
    if (connected) {
      write(outgoing);
    }
    return outgoing.promise.future();
  }

  int size() {
    return pending.size();
  }

  /** A new connection is ready: everything un-acked is written again, in order. */
  void ready() {
    generation++;
    pending.values().forEach(this::write);
  }

  /** The ack of one of ours: completes it (false if it was not ours or already acked). */
  boolean acked(JsonObject frame) {
    Outgoing outgoing = pending.remove(frame.getString("clientMsgId"));
    if (outgoing == null) {
      return false;
    }
    outgoing.promise.tryComplete(new Ack(frame.getString("clientMsgId"), frame.getString("messageId"),
        frame.getString("conversationId"), frame.getLong("lamport", 0L), frame.getLong("createdAt", 0L),
        outgoing.writes));
    return true;
  }

  /** An error frame naming one of our sends: retried later or failed for good. False if it names none of ours. */
  boolean refused(JsonObject frame, BooleanSupplier stillConnected) {
    String clientMsgId = frame.getString("clientMsgId");
    Outgoing outgoing = clientMsgId == null ? null : pending.get(clientMsgId);
    if (outgoing == null) {
      return false;
    }
    String code = frame.getString("code", "internal");
    if (code.equals("rate_limited") || code.equals("unavailable") || code.equals("internal")) {
      long at = generation;
      long delay = frame.getLong("retryAfterMs", backoff.delayMs(Math.min(outgoing.writes, 6)));
      vertx.setTimer(Math.max(1, delay), t -> {
        if (at == generation && stillConnected.getAsBoolean() && pending.get(clientMsgId) == outgoing) {
          write(outgoing);
        } // else: the next ready writes it again
      });
    } else {
      pending.remove(clientMsgId);
      outgoing.promise.tryFail(new SendRejectedException(code, frame.getString("message", "")));
    }
    return true;
  }

  /** Fails every pending send (the client is closing; the server may still have stored some). */
  void failAll(String reason) {
    List<Outgoing> all = new ArrayList<>(pending.values());
    pending.clear();
    all.forEach(o -> o.promise.tryFail(reason));
  }

  private void write(Outgoing outgoing) {
    outgoing.writes++;
    writer.accept(outgoing.frame);
  }
}
