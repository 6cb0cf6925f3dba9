package io.lattice.client;

import io.lattice.model.CanonicalOrder;
import io.lattice.model.Message;
import io.lattice.model.SyncCursor;

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
  /**
   * Per source region, the sequence numbers held without a hole from 1 (the sync cursor's meaning, so it is one),
   * and the ones seen beyond a hole. A live message past a hole means one was missed (live delivery is best effort:
   * a node dying with it in flight, a dropped event-bus message): the client then syncs rather than wait for the
   * next reconnect, which may never come.
   */
  private SyncCursor contiguous;
  private final java.util.Map<String, java.util.TreeSet<Long>> ahead = new java.util.HashMap<>();

  Timeline(String conversationId, String cursor) {
    this.conversationId = conversationId;
    this.contiguous = decodeOrStart(cursor);
  }

  private static SyncCursor decodeOrStart(String cursor) {
    try {
      return SyncCursor.decode(cursor);
    } catch (IllegalArgumentException e) {
      return SyncCursor.START; // the server refuses it with bad_field, and the application hears of it
    }
  }

  public String conversationId() {
    return conversationId;
  }

  /**
   * The cursor to resume from: everything held without a hole, whether it came by sync or live (null: nothing yet).
   * The client library shares the server's cursor code; to applications the cursor stays opaque.
   */
  public synchronized String cursor() {
    return contiguous.positions().isEmpty() ? null : contiguous.encode();
  }

  /** A sync page's cursor: it covers what the page returned and what the request's cursor covered. */
  synchronized void cursor(String next) {
    if (next == null) {
      return;
    }
    SyncCursor page = decodeOrStart(next);
    java.util.Map<String, Long> merged = new java.util.TreeMap<>(contiguous.positions());
    page.positions().forEach((region, seq) -> merged.merge(region, seq, Math::max));
    contiguous = new SyncCursor(merged);
    merged.keySet().forEach(this::absorb);
  }

  /** Some message is known to exist that this timeline does not hold yet: sync. */
  public synchronized boolean hasGap() {
    return ahead.values().stream().anyMatch(set -> !set.isEmpty());
  }

  private void account(Message message) {
    long held = contiguous.positionOf(message.sourceRegion());
    if (message.seq() == held + 1) {
      contiguous = contiguous.advance(message);
      absorb(message.sourceRegion());
    } else if (message.seq() > held + 1) {
      ahead.computeIfAbsent(message.sourceRegion(), r -> new java.util.TreeSet<>()).add(message.seq());
    }
  }

  private void absorb(String region) {
    java.util.TreeSet<Long> beyond = ahead.get(region);
    if (beyond == null) {
      return;
    }
    long held = contiguous.positionOf(region);
    beyond.headSet(held, true).clear();
    while (!beyond.isEmpty() && beyond.first() == held + 1) {
      held = beyond.pollFirst();
    }
    if (held > contiguous.positionOf(region)) {
      java.util.Map<String, Long> next = new java.util.TreeMap<>(contiguous.positions());
      next.put(region, held);
      contiguous = new SyncCursor(next);
    }
  }

  /**
   * Adds the message unless it was seen before. Returns its index in canonical order, or -1 for a duplicate. An
   * index below {@code size() - 1} means it landed before messages already shown (a message from a region whose
   * traffic was slower, or one recovered by a resync).
   */
  synchronized int offer(Message message) {
    // Every slot counts, a second version of a known message too (it fills its source region's run).
    account(message);
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
