package io.lattice.store;

import io.lattice.model.CanonicalOrder;
import io.lattice.model.Message;
import io.lattice.model.SyncCursor;
import io.vertx.core.Future;

import java.util.List;
import java.util.Optional;

/**
 * Durable message history of the region.
 *
 * <p>Contract:
 * <ul>
 *   <li>Idempotent by messageId: appending or upserting a message whose id is stored returns the stored message
 *       unchanged ({@code created = false}); it is never stored twice.</li>
 *   <li>{@link #append} assigns, atomically with the insert, the next per-(conversation, sourceRegion) sequence
 *       number and a Lamport timestamp {@code >= proposedLamport} and greater than every Lamport already stored for
 *       the conversation, so within one source region sequence order and canonical order agree.</li>
 *   <li>A message is durable when the returned future succeeds (the ack is sent after that).</li>
 *   <li>Two versions of one message: a sender whose region died after storing (and maybe publishing) a message
 *       but before acknowledging it sends it again, with the same id, to another region, which stores it at its own
 *       (sourceRegion, seq). Both versions may reach every region. {@link #upsert} keeps both <em>slots</em>, so
 *       that every source region's run of sequence numbers stays contiguous (sync would stall at a hole forever),
 *       and makes the version first in canonical order the message's <em>winner</em>: what {@link #get} and
 *       {@link #history} return, the same in every region once both versions have arrived. {@link #sync} returns
 *       the message at each of its slots (each version at its own position): clients dedupe by id and keep the
 *       smaller position, which is the winner.</li>
 *   <li>Publication: {@link #append} also records the message as <em>unpublished</em>, atomically with the
 *       insert; {@link #markPublished} clears that once it is in the region's replication log. A region that died
 *       between the two, or whose log was unreachable, publishes what {@link #unpublished} lists when it runs again,
 *       so no sequence number of the region is ever missing elsewhere.</li>
 *   <li>Futures complete on the caller's context; implementations never block an event loop.</li>
 * </ul>
 */
public interface MessageStore {

  /** A message before the store gives it its sequence number and final Lamport timestamp. */
  record NewMessage(String messageId, String conversationId, String senderId, String content, String mediaUrl,
                    long createdAt, long proposedLamport, String sourceRegion) {
  }

  /**
   * @param message the stored message (for upsert: the winner of its versions)
   * @param created the message was not stored before
   * @param moved   upsert only: the message was stored, and the version given is the new winner (clients holding
   *                the old one should hear about it)
   */
  record AppendResult(Message message, boolean created, boolean moved) {
    public AppendResult(Message message, boolean created) {
      this(message, created, false);
    }
  }

  /** @param cursor the cursor after the returned messages (unchanged when there are none) */
  record SyncPage(List<Message> messages, SyncCursor cursor, boolean hasMore) {

    /**
     * The page after {@code cursor}: a k-way merge, in canonical order, of each source region's contiguous run of
     * sequence numbers after the cursor (each run in seq order, which is also canonical order within a region), at
     * most {@code limit} messages; the cursor advances past every message taken. Consumes the runs.
     */
    public static SyncPage merge(List<java.util.Deque<Message>> runs, SyncCursor cursor, int limit) {
      List<Message> page = new java.util.ArrayList<>(Math.min(limit, 64));
      SyncCursor next = cursor;
      while (page.size() < limit) {
        java.util.Deque<Message> first = null;
        for (java.util.Deque<Message> run : runs) {
          if (!run.isEmpty() && (first == null
              || io.lattice.model.CanonicalOrder.MESSAGES.compare(run.peekFirst(), first.peekFirst()) < 0)) {
            first = run;
          }
        }
        if (first == null) {
          break;
        }
        Message taken = first.pollFirst();
        page.add(taken);
        next = next.advance(taken);
      }
      boolean hasMore = runs.stream().anyMatch(run -> !run.isEmpty());
      return new SyncPage(List.copyOf(page), next, hasMore);
    }
  }

  Future<AppendResult> append(NewMessage message);

  /**
   * Stores a message replicated from another region as is (its seq and lamport kept). Idempotent by id and
   * position; a second version of a stored id is kept as a second slot (see the class contract).
   */
  Future<AppendResult> upsert(Message message);

  /**
   * Messages of {@code sourceRegion} appended with {@code createdAfter <= createdAt < createdBefore} whose
   * publication is not confirmed, at most {@code limit}, in no particular order. Publishing one again is harmless.
   */
  Future<List<Message>> unpublished(String sourceRegion, long createdAfter, long createdBefore, int limit);

  /** Confirms that these messages (returned by append or unpublished) are in the replication log. Idempotent. */
  Future<Void> markPublished(java.util.Collection<Message> messages);

  Future<Optional<Message>> get(String messageId);

  /** The stored messages among {@code messageIds} (unknown ids are left out), in no particular order. */
  default Future<List<Message>> getAll(java.util.Collection<String> messageIds) {
    return Future.all(messageIds.stream().map(this::get).toList()).map(all -> {
      List<Message> found = new java.util.ArrayList<>();
      for (int i = 0; i < all.size(); i++) {
        Optional<Message> m = all.resultAt(i);
        m.ifPresent(found::add);
      }
      return found;
    });
  }

  /**
   * Every stored message of the conversation not covered by {@code cursor}, at most {@code limit}, in canonical
   * order. The messages returned are, per source region, the lowest sequence numbers not covered, so the returned
   * cursor covers exactly what was returned plus what the given cursor covered: paging never skips or repeats.
   */
  Future<SyncPage> sync(String conversationId, SyncCursor cursor, int limit);

  /** History newest first, strictly before {@code before} in canonical order (null: from the newest). */
  Future<List<Message>> history(String conversationId, CanonicalOrder.Position before, int limit);

  /** The highest Lamport timestamp stored, so a restarted node's clock never goes backwards. */
  Future<Long> maxLamport();

  Future<Void> close();
}
