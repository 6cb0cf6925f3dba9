package io.lattice.model;

/** Kafka topics bridging regions (used from the multi-region work on), declared once. */
public final class Topics {
  private Topics() {
  }

  /** Key conversationId: every message persisted in the region. */
  public static final String MESSAGE_SENT = "chat.message_sent";
  /** Key conversationId: targeted live delivery to a recipient's region. */
  public static final String CROSS_REGION_SYNC = "chat.cross_region_sync";
  /** Key messageId: receipt CRDT states. */
  public static final String DELIVERY_RECEIPT = "chat.delivery_receipt";
}
