package io.lattice.store;

import io.lattice.model.crdt.ReceiptState;
import io.vertx.core.Future;

import java.util.List;
import java.util.Map;

/**
 * Receipt CRDT states per (messageId, recipientId), durable.
 *
 * <p>Contract: {@link #merge} merges each update into the stored state by max per field, atomically per key, so
 * concurrent merges from several nodes never lose a field; merging is idempotent and order-independent. States
 * expire after the configured retention (7 days by default). Futures complete on the caller's context.
 */
public interface ReceiptStore {

  record ReceiptKey(String messageId, String recipientId) {
  }

  record ReceiptUpdate(ReceiptKey key, ReceiptState state) {
  }

  /** Merges a batch; returns, for each key in the batch, the merged state and whether it changed. */
  Future<List<Merged>> merge(List<ReceiptUpdate> updates);

  record Merged(ReceiptKey key, ReceiptState state, boolean changed) {
  }

  /** All recipients' states of one message. */
  Future<Map<String, ReceiptState>> get(String messageId);

  /**
   * Deletes states past the retention; returns how many. Stores with native expiry (Redis TTL, Cassandra TTL) need
   * do nothing. Called periodically by the owning verticle.
   */
  default Future<Integer> purgeExpired() {
    return Future.succeededFuture(0);
  }

  Future<Void> close();
}
