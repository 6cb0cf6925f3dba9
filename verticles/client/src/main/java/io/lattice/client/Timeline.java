package io.lattice.client;

import io.lattice.model.CanonicalOrder;
import io.lattice.model.Message;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One followed conversation as the application sees it: every message once (by messageId), kept in canonical order
 * (lamport, sourceRegion, messageId) whatever order the live path and the resyncs bring them in, and the sync cursor
 * to resume from after a reconnect (in any region: the cursor is valid everywhere). Used on the client's context
 * only; {@link #messages()} returns a copy.
 */
public final class Timeline {
  private final String conversationId;
  private final List<Message> ordered = new ArrayList<>();
  private final java.util.Map<String, Message> seen = new java.util.HashMap<>();
  private String cursor;

  Timeline(String conversationId, String cursor) {
    this.conversationId = conversationId;
    this.cursor = cursor;
  }

  public String conversationId() {
    return conversationId;
  }

  /** The opaque cursor of the last completed sync page (null: from the start). */
  public synchronized String cursor() {
    return cursor;
  }

  synchronized void cursor(String next) {
    if (next != null) {
      cursor = next;
    }
  }

  /**
   * Adds the message unless it was seen before. Returns its index in canonical order, or -1 for a duplicate. An
   * index below {@code size() - 1} means it landed before messages already shown (a message from a region whose
   * traffic was slower, or one recovered by a resync).
   */
  synchronized int offer(Message message) {
    Message known = seen.get(message.messageId());
    if (known != null) {
      // The same message stored under two positions (resent in another region while the first region was down):
      // every region settles on the smaller canonical position, and so does the timeline. Not a new message.
      if (CanonicalOrder.MESSAGES.compare(message, known) < 0) {
        ordered.remove(Collections.binarySearch(ordered, known, CanonicalOrder.MESSAGES));
        insert(message);
        seen.put(message.messageId(), message);
      }
      return -1;
    }
    seen.put(message.messageId(), message);
    return insert(message);
  }

  private int insert(Message message) {
    int index = Collections.binarySearch(ordered, message, CanonicalOrder.MESSAGES);
    int at = index >= 0 ? index : -index - 1;
    ordered.add(at, message);
    return at;
  }

  public synchronized boolean contains(String messageId) {
    return seen.containsKey(messageId);
  }

  public synchronized int size() {
    return ordered.size();
  }

  /** A copy, in canonical order. */
  public synchronized List<Message> messages() {
    return List.copyOf(ordered);
  }
}
