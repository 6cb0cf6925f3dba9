package io.lattice.model.crdt;

import io.vertx.core.json.JsonObject;

/**
 * The delivery state of one message for one recipient: a product of three max-registers over Lamport values
 * (0 = not yet). Merge takes the max per field, so it is commutative, associative and idempotent, and a state never
 * goes backwards whatever order updates arrive in.
 */
public record ReceiptState(long sentAt, long deliveredAt, long readAt) {

  public static final ReceiptState EMPTY = new ReceiptState(0, 0, 0);

  public enum Status {
    none, sent, delivered, read
  }

  public ReceiptState {
    if (sentAt < 0 || deliveredAt < 0 || readAt < 0) {
      throw new IllegalArgumentException("receipt timestamps are non-negative");
    }
  }

  public static ReceiptState sent(long lamport) {
    return new ReceiptState(lamport, 0, 0);
  }

  public static ReceiptState delivered(long lamport) {
    return new ReceiptState(0, lamport, 0);
  }

  public static ReceiptState read(long lamport) {
    return new ReceiptState(0, 0, lamport);
  }

  public ReceiptState merge(ReceiptState other) {
    return new ReceiptState(Math.max(sentAt, other.sentAt), Math.max(deliveredAt, other.deliveredAt),
        Math.max(readAt, other.readAt));
  }

  /** The checkmark: a read also counts as delivered, and anything received counts as sent. */
  public Status status() {
    if (readAt > 0) {
      return Status.read;
    }
    if (deliveredAt > 0) {
      return Status.delivered;
    }
    return sentAt > 0 ? Status.sent : Status.none;
  }

  /** True when merging {@code other} into this state would change nothing. */
  public boolean covers(ReceiptState other) {
    return merge(other).equals(this);
  }

  public JsonObject toJson() {
    return new JsonObject().put("sentAt", sentAt).put("deliveredAt", deliveredAt).put("readAt", readAt);
  }

  public static ReceiptState fromJson(JsonObject json) {
    return new ReceiptState(json.getLong("sentAt", 0L), json.getLong("deliveredAt", 0L), json.getLong("readAt", 0L));
  }
}
