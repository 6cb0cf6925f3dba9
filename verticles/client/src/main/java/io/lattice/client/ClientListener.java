package io.lattice.client;

import io.lattice.model.Message;
import io.vertx.core.json.JsonObject;

/**
 * What the application hears from a {@link LatticeClient}. Every method runs on the client's context, one call at a
 * time, and should return quickly (hand heavy work elsewhere). All methods have empty defaults.
 */
public interface ClientListener {

  /** The connection changed state (for the UI: connecting, connected to region X, reconnecting in N ms, offline). */
  default void onState(ConnectionState.Change change) {
  }

  /**
   * A message the application has not been given before (each messageId exactly once per client), live or recovered
   * by a resync. {@code index} is its place in the conversation's canonical order ({@link Timeline#messages()}).
   */
  default void onMessage(Message message, int index, Timeline timeline) {
  }

  /** A receipt frame: the merged state of one recipient of one message (fields only ever grow). */
  default void onReceipt(JsonObject receipt) {
  }

  default void onPresence(JsonObject presence) {
  }

  default void onTyping(String conversationId, String userId) {
  }

  /** An error frame that answers no send of this client (sends fail their own future instead). */
  default void onError(String code, String message) {
  }
}
