'use strict';
/*
 * Lattice web client: when to sync each conversation, and from which cursor. The page keeps the messages (app.js);
 * this keeps, per conversation, a Lattice.Timeline of lattice.js used only for its cursor (per source region the seqs
 * held without a hole, advanced by live messages too) and a Lattice.SyncScheduler for the timing, so the page recovers
 * like the library does:
 * - a live message past a hole (live delivery is best effort) syncs 1 s later if the hole is still there, and again
 *   after each answer, backing off, while the serving region lacks the message too;
 * - a sync answered with server trouble (unavailable, internal, rate_limited) is retried with backoff for as long as
 *   it takes; not_found and forbidden (a conversation created in another region moments ago) up to 30 times;
 * - a sync unanswered for 15 s is sent again.
 * Needs lattice.js loaded first (index.html loads it before this file).
 */
(function (root) {
  const L = root.Lattice = root.Lattice || {};

  class ConversationSyncs {
    /**
     * @param opts.send  (frame) => boolean: writes a frame on the current socket, false when there is none
     * @param opts.limit page size of a sync
     * @param opts.backoff attempt => ms
     */
    constructor(opts) {
      this.opts = opts;
      this.timelines = new Map(); // conversationId -> Lattice.Timeline (cursor only: its messages stay empty)
      this.sentCursor = new Map(); // conversationId -> cursor of the last sync written
      this.scheduler = new L.SyncScheduler({
        write: (id) => this.write(id),
        hasGap: (id) => this.timeline(id).hasGap(),
        backoff: opts.backoff,
      });
    }

    timeline(id) {
      let timeline = this.timelines.get(id);
      if (!timeline) {
        timeline = new L.Timeline(id, null);
        this.timelines.set(id, timeline);
      }
      return timeline;
    }

    /** The cursor the next sync of the conversation starts from (null: from the start). */
    cursor(id) {
      return this.timeline(id).cursor;
    }

    /** Syncs now unless a sync of the conversation is in flight. */
    request(id) {
      this.scheduler.request(id);
    }

    /** Whether a sync of the conversation is waiting for its answer. */
    isSyncing(id) {
      return this.scheduler.isInFlight(id);
    }

    /** A live message: its seq moves the cursor, or shows a hole (then a sync follows). */
    live(message) {
      if (!message || typeof message.conversationId !== 'string') return;
      this.timeline(message.conversationId).account(message);
      this.scheduler.checkGap(message.conversationId);
    }

    /**
     * A sync_result: its messages and cursor move the conversation's cursor. Returns true when the next page was
     * asked for (hasMore and the cursor moved: a page that moves nothing would be asked for forever).
     */
    result(frame) {
      const id = frame.conversationId;
      const timeline = this.timeline(id);
      (Array.isArray(frame.messages) ? frame.messages : []).forEach((m) => timeline.account(m));
      if (frame.cursor) timeline.mergeCursor(frame.cursor);
      const more = !!frame.hasMore && timeline.cursor !== this.sentCursor.get(id);
      this.scheduler.answered(id, more);
      return more;
    }

    /** An error frame answering a sync: true when a retry is planned (nothing to show yet). */
    error(frame) {
      return typeof frame.conversationId === 'string'
        && this.scheduler.failed(frame.conversationId, frame.code, frame.retryAfterMs);
    }

    /** A new socket: syncs on the old one are forgotten; the caller then requests every conversation. */
    reconnected() {
      this.scheduler.reset();
    }

    write(id) {
      const cursor = this.cursor(id);
      if (!this.opts.send({ type: 'sync', conversationId: id, cursor, limit: this.opts.limit })) return false;
      this.sentCursor.set(id, cursor);
      return true;
    }
  }

  L.ConversationSyncs = ConversationSyncs;
}(typeof window !== 'undefined' ? window : globalThis));
