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
  /** Key conversationId: versioned conversation snapshots (creation, member changes) of the originating region. */
  public static final String CONVERSATION_SNAPSHOT = "chat.conversation_snapshot";
  /** Key userId: the publishing region's presence slot of a user. */
  public static final String PRESENCE_STATE = "chat.presence_state";
}
