package io.lattice.message;

import io.lattice.model.Addresses;
import io.lattice.model.Message;
import io.lattice.store.MessageStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps the region's runs of sequence numbers whole in the other regions: every message this region appended gets
 * into its replication log, even when the node died between storing and publishing it, or the log was unreachable
 * then (the sender got no ack and may have resent it elsewhere, but the seq is taken here and the other regions'
 * sync would wait for it forever).
 *
 * <p>Confirmations of the normal path are batched (one store write per {@code confirmBatchMs}), and a sweep every
 * {@code intervalMs} publishes again what the store still lists as unpublished after {@code afterMs}, looking back
 * {@code windowMs}. Every node of the region sweeps: a message stuck for one is stuck for all, and publishing twice
 * is harmless (applies are idempotent).
 *
 * <p>Threading: runs on the owning verticle's event loop.
 */
final class Republisher {
  private static final Logger LOG = LoggerFactory.getLogger(Republisher.class);
  private static final int SWEEP_LIMIT = 500;

  private final Vertx vertx;
  private final MessageStore messages;
  private final String region;
  private final Clock clock;
  private final long afterMs;
  private final long windowMs;
  private final List<Message> confirmed = new ArrayList<>();
  private final long startedAt;
  private boolean sweeping;
  private long republished;

  Republisher(Vertx vertx, MessageStore messages, String region, Clock clock, long afterMs, long windowMs) {
    this.vertx = vertx;
    this.messages = messages;
    this.region = region;
    this.clock = clock;
    this.afterMs = afterMs;
    this.windowMs = windowMs;
    this.startedAt = clock.millis();
  }

  void start(long intervalMs, long confirmBatchMs) {
    vertx.setPeriodic(confirmBatchMs, id -> flush());
    vertx.setPeriodic(intervalMs, id -> sweep());
    sweep();
  }

  /** The message is in the log (published on the send path). */
  void confirmed(Message message) {
    confirmed.add(message);
  }

  long republished() {
    return republished;
  }

  private void flush() {
    if (confirmed.isEmpty()) {
      return;
    }
    List<Message> batch = List.copyOf(confirmed);
    confirmed.clear();
    // Lost confirmations only cost a second publish at the next sweep.
    messages.markPublished(batch).onFailure(e -> LOG.debug("confirming {} publications failed: {}", batch.size(),
        e.toString()));
  }

  /** Publishes again what is still unpublished; one sweep at a time. */
  Future<Integer> sweep() {
    if (sweeping) {
      return Future.succeededFuture(0);
    }
    sweeping = true;
    long now = clock.millis();
    return messages.unpublished(region, Math.min(startedAt, now) - windowMs, now - afterMs, SWEEP_LIMIT)
        .compose(stuck -> {
          List<Future<Message>> publishing = new ArrayList<>();
          for (Message m : stuck) {
            publishing.add(vertx.eventBus().request(Addresses.REPLICATE_MESSAGE, m.toJson()).map(r -> m));
          }
          return Future.join(publishing).transform(ar -> {
            List<Message> done = new ArrayList<>();
            publishing.stream().filter(Future::succeeded).forEach(f -> done.add(f.result()));
            if (!stuck.isEmpty()) {
              LOG.info("published again {} of {} messages appended here but not confirmed in the log",
                  done.size(), stuck.size());
            }
            republished += done.size();
            return messages.markPublished(done).map(done.size());
          });
        })
        .onComplete(ar -> {
          sweeping = false;
          if (ar.failed()) {
            LOG.debug("republish sweep failed: {}", ar.cause().toString());
          }
        });
  }
}
