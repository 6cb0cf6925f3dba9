'use strict';
/*
 * Lattice web client: plain JS, no build step, nothing loaded from the internet.
 * Files: ui.js (DOM helpers, rendering of small parts), api.js (dev sign-in, token refresh, HTTP),
 * connection.js (WebSocket / SockJS transport, reconnect with backoff, heartbeat), app.js (state and behaviour).
 * Protocol: docs/protocol.md.
 *
 * Page URL options: ?transport=auto (default: WebSocket, SockJS fallback) | websocket | sockjs | sockjs-xhr
 *
 * Stable ids, classes and data attributes (tests rely on them):
 *   #login-view, #login-form, #login-user (input), #login-button
 *   #chat-view, #me (text: signed-in user id, data-user), #logout-button
 *   #conn-state   data-state="connecting|connected|reconnecting|offline", data-region, data-node,
 *                 data-transport="websocket|sockjs", data-reconnects-requested="N" (reconnect frames received),
 *                 data-moved-from="us-east" (after a failover to another region: the region it left);
 *                 children #conn-label, #conn-region, #conn-node, #conn-transport
 *   #new-direct-user, #new-direct-button
 *   #new-group-title, #new-group-users (ids separated by commas or spaces), #new-group-button
 *   #refresh-conversations
 *   #conversation-list > li.conversation   data-conversation-id, data-type="direct|group", data-unread="N",
 *                 class "open" + aria-current="true" when open; inside: button.conversation-button,
 *                 .conversation-title, .conversation-preview, .unread-count, .presence-dot (direct: the other user)
 *   #conversation  data-conversation-id of the open conversation ("" when none)
 *   #conversation-title, #conversation-participants > li.participant[data-user] > .presence-dot
 *   .presence-dot data-user, data-online="true|false|unknown"
 *   #messages > li.message   data-message-id ("" while pending), data-client-msg-id (own sends of this tab),
 *                 data-sender, data-own="true|false", data-lamport,
 *                 data-status="pending|sent|delivered|read|failed" (own messages only),
 *                 data-read-by="N" data-recipients="M" (own messages);
 *                 inside: .message-sender, .message-content, .message-media > a > img, .message-time, .message-status
 *   #messages-status  ("loading…", "no messages yet")
 *   #typing-indicator data-users="bob,carol", text "bob is typing…"
 *   #composer (textarea: Enter sends, Shift+Enter new line), #send-button
 *   #attach-button, #media-input (input type=file, images), #upload-status
 *   #errors > .error-toast[data-code] > .error-code, .error-message   (auto-dismissed after 8 s, click to dismiss)
 *             .notice-toast (e.g. a reconnect frame; 4 s), .notice-toast.failover-notice[data-from][data-to]
 *             ("moved from us-east to eu-west"; 10 s)
 */
window.Lattice = window.Lattice || {};
(function (L) {
  const { el, $, $$, clear, toMillis, formatTime, withToken, safeUrl } = L.ui;

  const params = new URLSearchParams(location.search);
  const TRANSPORT = (params.get('transport') || 'auto').toLowerCase();
  const SYNC_LIMIT = 100;
  const MAX_IDS = 500;
  const ACK_TIMEOUT_MS = 10000;
  const TYPING_SEND_EVERY_MS = 2000;
  const TYPING_SHOW_MS = 3000;
  const MAX_CONTENT_CHARS = 16384;
  const backoffDelay = L.backoffDelay; // connection.js's (lattice.js, if loaded again later, has another signature)

  const auth = new L.Auth();
  let conn = null;
  let me = null;
  let syncs = newSyncs(); // sync.js: cursors, gap syncs, retries

  function newSyncs() {
    return new L.ConversationSyncs({
      send: (frame) => !!conn && conn.ready && conn.send(frame),
      limit: SYNC_LIMIT,
      backoff: backoffDelay,
    });
  }

  const S = {
    conversations: new Map(), // conversationId -> conversation from the HTTP API
    cs: new Map(),            // conversationId -> per-conversation client state, see convState()
    pending: new Map(),       // clientMsgId -> un-acked send {clientMsgId, conversationId, content, mediaUrl, ...}
    receipts: new Map(),      // messageId -> Map(recipientId -> {sentAt, deliveredAt, readAt})
    myLevel: new Map(),       // messageId -> 1 (delivered) | 2 (read): what this user told the server / it confirmed
    readLocal: new Set(),     // messageIds this user has seen in the open conversation (read receipt queued or sent)
    receiptQueue: new Map(),  // conversationId -> {delivered: Set, read: Set}
    unconfirmed: new Map(),   // messageId -> {convId, level, retried}: receipts sent but not echoed back yet
    presence: new Map(),      // userId -> {online, regions}
    subscribed: new Set(),    // userIds subscribed on the current connection
    receiptsFetched: new Set(),
    openId: null,
    msgEls: new Map(),        // open conversation: messageId or 'c:' + clientMsgId -> li element
    listEls: new Map(),       // conversationId -> li element of the conversation list
    lastTypingSent: 0,
  };

  function uuid() {
    if (window.crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16)); // randomUUID needs a secure context, this does not
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  function convState(id) {
    let cs = S.cs.get(id);
    if (!cs) {
      cs = {
        synced: false,
        messages: new Map(), sorted: [], typing: new Map(), lastActivity: 0,
      };
      S.cs.set(id, cs);
    }
    return cs;
  }

  // ---- canonical order: (lamport, sourceRegion, messageId) --------------------------------------------------------

  function cmpStr(a, b) {
    a = a == null ? '' : String(a);
    b = b == null ? '' : String(b);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  function compareMessages(a, b) {
    const la = Number(a.lamport) || 0;
    const lb = Number(b.lamport) || 0;
    if (la !== lb) return la - lb;
    return cmpStr(a.sourceRegion, b.sourceRegion) || cmpStr(a.messageId, b.messageId);
  }

  function insertSorted(cs, msg) {
    const arr = cs.sorted;
    let lo = 0;
    let hi = arr.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareMessages(arr[mid], msg) <= 0) lo = mid + 1;
      else hi = mid;
    }
    arr.splice(lo, 0, msg);
    return lo;
  }

  function removeSorted(cs, msg) {
    const i = cs.sorted.indexOf(msg);
    if (i >= 0) cs.sorted.splice(i, 1);
  }

  // ---- conversations --------------------------------------------------------------------------------------------

  function others(conv) {
    return (conv && Array.isArray(conv.participants) ? conv.participants : []).filter((p) => p !== me);
  }

  function conversationTitle(conv) {
    if (!conv) return '';
    if (conv.type === 'direct') return others(conv)[0] || conv.title || me;
    return conv.title || others(conv).join(', ') || 'group';
  }

  function activityOf(id) {
    const conv = S.conversations.get(id);
    const cs = convState(id);
    return Math.max(cs.lastActivity, (conv && toMillis(conv.createdAt)) || 0);
  }

  function unreadCount(id) {
    const cs = S.cs.get(id);
    if (!cs) return 0;
    let n = 0;
    for (const m of cs.sorted) {
      if (m.senderId !== me && !S.readLocal.has(m.messageId) && (S.myLevel.get(m.messageId) || 0) < 2) n++;
    }
    return n;
  }

  function upsertConversation(c) {
    if (!c || typeof c.conversationId !== 'string') return null;
    const isNew = !S.conversations.has(c.conversationId);
    const conv = Object.assign(S.conversations.get(c.conversationId) || {}, c);
    if (!Array.isArray(conv.participants)) conv.participants = [];
    S.conversations.set(conv.conversationId, conv);
    convState(conv.conversationId);
    if (isNew) sync(conv.conversationId);
    return conv;
  }

  async function loadConversations() {
    // Only conversations known before the request can have been left: one created meanwhile may be missing.
    const known = new Set(S.conversations.keys());
    try {
      const res = await auth.api('GET', '/api/conversations');
      const list = res && Array.isArray(res.conversations) ? res.conversations : [];
      const seen = new Set();
      for (const c of list) {
        const conv = upsertConversation(c);
        if (conv) seen.add(conv.conversationId);
      }
      for (const id of known) {
        if (!seen.has(id) && S.conversations.has(id)) {
          S.conversations.delete(id);
          if (S.openId === id) closeConversation();
        }
      }
      subscribePresence();
      renderList();
      if (S.openId) renderHeader();
      updateStatuses();
    } catch (e) {
      if (auth.signedIn) L.ui.showError(e.code, 'could not load conversations: ' + e.message);
    }
  }

  let reloadTimer = null;
  function scheduleConversationReload() {
    if (reloadTimer) return;
    reloadTimer = setTimeout(() => {
      reloadTimer = null;
      loadConversations();
    }, 200);
  }

  async function createConversation(type, participants, title) {
    const body = { type, participants };
    if (title) body.title = title;
    const c = await auth.api('POST', '/api/conversations', body);
    const conv = upsertConversation(c);
    subscribePresence();
    renderList();
    if (conv) openConversation(conv.conversationId);
    return conv;
  }

  // ---- messages -------------------------------------------------------------------------------------------------

  /** Adds a message (deduplicated by messageId). Returns true if it was new. */
  function addMessage(m) {
    if (!m || typeof m.messageId !== 'string' || typeof m.conversationId !== 'string') return false;
    const cs = convState(m.conversationId);
    const existing = cs.messages.get(m.messageId);
    if (existing) {
      if (existing.provisional && !m.provisional) {
        // The ack gave us a provisional copy (no sourceRegion); the real message replaces its fields.
        removeSorted(cs, existing);
        const clientMsgId = existing.clientMsgId;
        Object.assign(existing, m, { provisional: false });
        if (clientMsgId) existing.clientMsgId = clientMsgId;
        insertSorted(cs, existing);
        if (S.openId === m.conversationId) showMessage(existing);
      }
      return false;
    }
    const msg = Object.assign({}, m);
    cs.messages.set(msg.messageId, msg);
    insertSorted(cs, msg);
    cs.lastActivity = Math.max(cs.lastActivity, toMillis(msg.createdAt) || Date.now());
    if (msg.senderId !== me) cs.typing.delete(msg.senderId);
    if (S.openId === msg.conversationId) showMessage(msg);
    return true;
  }

  /** Others' messages just received: read if their conversation is open in a visible page, else delivered. */
  function noteIncoming(conversationId, msgs) {
    if (!msgs.length) return;
    const status = S.openId === conversationId && document.visibilityState === 'visible' ? 'read' : 'delivered';
    for (const m of msgs) queueReceipt(conversationId, m.messageId, status);
  }

  function markOpenRead() {
    if (!S.openId || document.visibilityState !== 'visible') return;
    const cs = S.cs.get(S.openId);
    if (!cs) return;
    let any = false;
    for (const m of cs.sorted) {
      if (m.senderId !== me && (S.myLevel.get(m.messageId) || 0) < 2) {
        queueReceipt(S.openId, m.messageId, 'read');
        any = true;
      }
    }
    if (any) renderList();
  }

  function sendReceiptsNow() {
    if (!conn || !conn.ready) return;
    for (const [convId, q] of S.receiptQueue) {
      for (const status of ['delivered', 'read']) {
        const ids = Array.from(q[status]);
        for (let i = 0; i < ids.length; i += MAX_IDS) {
          const chunk = ids.slice(i, i + MAX_IDS);
          if (!conn.send({ type: 'receipt', conversationId: convId, messageIds: chunk, status })) return;
          const level = status === 'read' ? 2 : 1;
          for (const id of chunk) {
            q[status].delete(id);
            S.myLevel.set(id, Math.max(S.myLevel.get(id) || 0, level));
            const prev = S.unconfirmed.get(id);
            S.unconfirmed.set(id, { convId, level, retried: !!(prev && prev.retried) });
          }
        }
      }
      if (!q.delivered.size && !q.read.size) S.receiptQueue.delete(convId);
    }
  }

  let receiptTimer = null;
  function queueReceipt(convId, messageId, status, force) {
    const level = status === 'read' ? 2 : 1;
    if (!force && (S.myLevel.get(messageId) || 0) >= level) return;
    let q = S.receiptQueue.get(convId);
    if (!q) {
      q = { delivered: new Set(), read: new Set() };
      S.receiptQueue.set(convId, q);
    }
    if (level === 2) {
      q.delivered.delete(messageId); // a read counts as delivered
      q.read.add(messageId);
      S.readLocal.add(messageId);
    } else if (!q.read.has(messageId)) {
      q.delivered.add(messageId);
    }
    if (!receiptTimer) {
      receiptTimer = setTimeout(() => {
        receiptTimer = null;
        sendReceiptsNow();
      }, 50);
    }
  }

  /** Status of one of my messages: the minimum over its recipients; readBy counts recipients who read it. */
  function ownStatus(msg) {
    const conv = S.conversations.get(msg.conversationId);
    const rs = S.receipts.get(msg.messageId);
    let recipients = others(conv);
    if (!recipients.length && rs) recipients = Array.from(rs.keys()).filter((r) => r !== me);
    if (!recipients.length) return { status: 'sent', readBy: 0, total: 0 };
    let min = 2;
    let readBy = 0;
    for (const r of recipients) {
      const rec = rs && rs.get(r);
      const level = !rec ? 0 : rec.readAt > 0 ? 2 : rec.deliveredAt > 0 ? 1 : 0;
      if (level === 2) readBy++;
      min = Math.min(min, level);
    }
    return { status: ['sent', 'delivered', 'read'][min], readBy, total: recipients.length };
  }

  /** Fetches receipts of my latest messages in a conversation (their frames may have come while we were away). */
  async function fetchOwnReceipts(convId) {
    const cs = S.cs.get(convId);
    if (!cs) return;
    const mine = cs.sorted.filter((m) => m.senderId === me && !m.provisional && !S.receiptsFetched.has(m.messageId)
      && ownStatus(m).status !== 'read').slice(-20);
    for (const m of mine) {
      S.receiptsFetched.add(m.messageId);
      try {
        const res = await auth.api('GET', '/api/receipts/' + encodeURIComponent(m.messageId));
        const receipts = res && res.receipts && typeof res.receipts === 'object' ? res.receipts : {};
        for (const [recipientId, r] of Object.entries(receipts)) {
          mergeReceipt(Object.assign({ messageId: m.messageId, recipientId }, r));
        }
      } catch (e) {
        if (e.status !== 404 && e.status !== 403) S.receiptsFetched.delete(m.messageId);
      }
    }
  }

  function mergeReceipt(f) {
    if (typeof f.messageId !== 'string' || typeof f.recipientId !== 'string') return;
    let rs = S.receipts.get(f.messageId);
    if (!rs) {
      rs = new Map();
      S.receipts.set(f.messageId, rs);
    }
    const prev = rs.get(f.recipientId) || { sentAt: 0, deliveredAt: 0, readAt: 0 };
    const next = {
      sentAt: Math.max(prev.sentAt, Number(f.sentAt) || 0),
      deliveredAt: Math.max(prev.deliveredAt, Number(f.deliveredAt) || 0, Number(f.readAt) || 0),
      readAt: Math.max(prev.readAt, Number(f.readAt) || 0),
    };
    rs.set(f.recipientId, next);
    if (f.recipientId === me) {
      // The server echoes my own receipts (to all my devices): that confirms them.
      const level = next.readAt > 0 ? 2 : next.deliveredAt > 0 ? 1 : 0;
      if (level > (S.myLevel.get(f.messageId) || 0)) S.myLevel.set(f.messageId, level);
      if (level === 2) S.readLocal.add(f.messageId);
      const u = S.unconfirmed.get(f.messageId);
      if (u && level >= u.level) S.unconfirmed.delete(f.messageId);
    }
    const li = S.msgEls.get(f.messageId);
    if (li) {
      const cs = S.cs.get(S.openId);
      const msg = cs && cs.messages.get(f.messageId);
      if (msg) updateMessageMeta(li, msg);
    }
  }

  // ---- sending --------------------------------------------------------------------------------------------------

  const outboxKey = () => 'lattice.outbox.' + me;

  function persistOutbox() {
    if (!me) return;
    const items = Array.from(S.pending.values()).map((p) => ({
      clientMsgId: p.clientMsgId, conversationId: p.conversationId, content: p.content, mediaUrl: p.mediaUrl,
      localTime: p.localTime, status: p.status, error: p.error || null,
    }));
    if (items.length) sessionStorage.setItem(outboxKey(), JSON.stringify(items));
    else sessionStorage.removeItem(outboxKey());
  }

  function restoreOutbox() {
    try {
      const items = JSON.parse(sessionStorage.getItem(outboxKey()) || '[]');
      for (const p of items) {
        if (p && typeof p.clientMsgId === 'string' && typeof p.conversationId === 'string') {
          S.pending.set(p.clientMsgId, Object.assign(p, { attempts: 0, lastSentAt: 0, retryTimer: null }));
        }
      }
    } catch (e) {
      sessionStorage.removeItem(outboxKey());
    }
  }

  function queueSend(conversationId, content, mediaUrl) {
    const p = {
      clientMsgId: uuid(), conversationId, content: content || null, mediaUrl: mediaUrl || null,
      localTime: Date.now(), status: 'pending', attempts: 0, lastSentAt: 0, retryTimer: null, error: null,
    };
    S.pending.set(p.clientMsgId, p);
    persistOutbox();
    if (S.openId === conversationId) showPending(p, true);
    transmit(p);
    return p;
  }

  /** (Re)sends a pending message with the same clientMsgId: the server acknowledges a resend with the same id. */
  function transmit(p) {
    if (p.status !== 'pending' || !conn) return;
    const frame = {
      type: 'send', clientMsgId: p.clientMsgId, conversationId: p.conversationId,
      content: p.content, mediaUrl: p.mediaUrl || null,
    };
    if (conn.send(frame)) p.lastSentAt = Date.now();
  }

  function resendPending() {
    const list = Array.from(S.pending.values()).filter((p) => p.status === 'pending')
      .sort((a, b) => a.localTime - b.localTime);
    for (const p of list) {
      clearTimeout(p.retryTimer);
      p.retryTimer = null;
      transmit(p);
    }
  }

  function onAck(f) {
    const p = S.pending.get(f.clientMsgId);
    if (p) {
      clearTimeout(p.retryTimer);
      S.pending.delete(f.clientMsgId);
      persistOutbox();
    }
    const convId = f.conversationId || (p && p.conversationId);
    if (typeof f.messageId !== 'string' || typeof convId !== 'string') return;
    const cs = convState(convId);
    const pendingKey = 'c:' + f.clientMsgId;
    const pendingEl = S.msgEls.get(pendingKey);
    S.msgEls.delete(pendingKey);
    const existing = cs.messages.get(f.messageId);
    if (existing) {
      existing.clientMsgId = f.clientMsgId;
      if (pendingEl) pendingEl.remove();
      const li = S.msgEls.get(f.messageId);
      if (li) updateMessageMeta(li, existing);
    } else if (p) {
      if (pendingEl) S.msgEls.set(f.messageId, pendingEl); // the pending bubble becomes the message
      addMessage({
        messageId: f.messageId, conversationId: convId, senderId: me, content: p.content, mediaUrl: p.mediaUrl,
        createdAt: f.createdAt, lamport: f.lamport, sourceRegion: (conn && conn.info.region) || '',
        clientMsgId: f.clientMsgId, provisional: true,
      });
    } else if (pendingEl) {
      pendingEl.remove();
    }
    renderList();
  }

  function onSendError(p, f) {
    const retryable = f.code === 'rate_limited' || f.code === 'unavailable' || f.code === 'internal';
    if (retryable && (f.code === 'rate_limited' || p.attempts < 8)) {
      p.attempts++;
      const delay = Number(f.retryAfterMs) > 0 ? Number(f.retryAfterMs) : 500 + backoffDelay(p.attempts + 2);
      clearTimeout(p.retryTimer);
      p.retryTimer = setTimeout(() => {
        p.retryTimer = null;
        transmit(p);
      }, delay);
      return;
    }
    p.status = 'failed';
    p.error = (f.code || 'error') + ': ' + (f.message || '');
    persistOutbox();
    const li = S.msgEls.get('c:' + p.clientMsgId);
    if (li) fillPending(li, p);
  }

  function retryFailed(p) {
    p.status = 'pending';
    p.error = null;
    p.attempts = 0;
    persistOutbox();
    const li = S.msgEls.get('c:' + p.clientMsgId);
    if (li) fillPending(li, p);
    transmit(p);
  }

  function discardFailed(p) {
    S.pending.delete(p.clientMsgId);
    persistOutbox();
    const li = S.msgEls.get('c:' + p.clientMsgId);
    if (li) li.remove();
    S.msgEls.delete('c:' + p.clientMsgId);
  }

  // Un-acked sends are sent again (same clientMsgId) if no ack came within ACK_TIMEOUT_MS.
  setInterval(() => {
    if (!conn || !conn.ready) return;
    const now = Date.now();
    for (const p of S.pending.values()) {
      if (p.status === 'pending' && !p.retryTimer && now - p.lastSentAt > ACK_TIMEOUT_MS) transmit(p);
    }
  }, 2000);

  // ---- sync -----------------------------------------------------------------------------------------------------

  /** From the conversation's cursor, unless a sync of it is in flight (sync.js resends one unanswered for 15 s). */
  function sync(id) {
    if (!conn || !conn.ready) return;
    convState(id);
    syncs.request(id);
    if (S.openId === id) renderMessagesStatus();
  }

  function onSyncResult(f) {
    if (typeof f.conversationId !== 'string') return;
    const id = f.conversationId;
    if (!S.conversations.has(id)) scheduleConversationReload();
    const cs = convState(id);
    const fresh = [];
    for (const m of Array.isArray(f.messages) ? f.messages : []) {
      if (addMessage(m) && m.senderId !== me) fresh.push(m);
    }
    const more = syncs.result(f); // asks for the next page itself
    const first = !cs.synced;
    if (first && S.openId !== id) {
      // History of a conversation that is not open: whether this user already read it (on another device or before
      // a reload) is only known from the receipts; held back until the sync ends, see checkHistoryState().
      cs.history = (cs.history || []).concat(fresh);
    } else {
      noteIncoming(id, fresh);
    }
    if (!more) {
      cs.synced = true;
      if (first && cs.history) checkHistoryState(id);
      if (S.openId === id) {
        markOpenRead();
        fetchOwnReceipts(id);
      }
    }
    if (S.openId === id) renderMessagesStatus();
    renderList();
  }

  /**
   * After the first sync of a conversation that is not open: my receipt of the last message from the others tells
   * whether the history was already read (then nothing is unread) or delivered; otherwise it is marked delivered now.
   */
  async function checkHistoryState(id) {
    const cs = convState(id);
    const held = cs.history || [];
    cs.history = null;
    if (!held.length) return;
    const last = held[held.length - 1];
    let level = 0;
    try {
      const res = await auth.api('GET', '/api/receipts/' + encodeURIComponent(last.messageId));
      const mine = res && res.receipts && res.receipts[me];
      if (mine) level = Number(mine.readAt) > 0 ? 2 : Number(mine.deliveredAt) > 0 ? 1 : 0;
    } catch (e) {
      level = 0;
    }
    for (const m of held) {
      if (level > (S.myLevel.get(m.messageId) || 0)) S.myLevel.set(m.messageId, level);
      if (level === 2) S.readLocal.add(m.messageId);
    }
    if (S.openId === id) markOpenRead();
    else if (level < 1) noteIncoming(id, held);
    renderList();
  }

  // ---- presence and typing --------------------------------------------------------------------------------------

  function subscribePresence() {
    if (!conn || !conn.ready) return;
    const users = new Set();
    for (const conv of S.conversations.values()) for (const u of others(conv)) users.add(u);
    const fresh = Array.from(users).filter((u) => !S.subscribed.has(u));
    for (let i = 0; i < fresh.length; i += MAX_IDS) {
      const chunk = fresh.slice(i, i + MAX_IDS);
      if (conn.send({ type: 'subscribe_presence', userIds: chunk })) chunk.forEach((u) => S.subscribed.add(u));
    }
  }

  let typingTimer = null;
  function onTyping(f) {
    if (f.userId === me || typeof f.conversationId !== 'string' || typeof f.userId !== 'string') return;
    if (!S.conversations.has(f.conversationId)) scheduleConversationReload();
    convState(f.conversationId).typing.set(f.userId, Date.now() + TYPING_SHOW_MS);
    renderTyping();
    renderList();
  }

  function typingUsers(id) {
    const cs = S.cs.get(id);
    if (!cs) return [];
    const now = Date.now();
    for (const [u, until] of cs.typing) if (until <= now) cs.typing.delete(u);
    return Array.from(cs.typing.keys()).sort();
  }

  function typingText(users) {
    if (!users.length) return '';
    if (users.length === 1) return users[0] + ' is typing…';
    if (users.length <= 3) return users.slice(0, -1).join(', ') + ' and ' + users[users.length - 1] + ' are typing…';
    return users.length + ' people are typing…';
  }

  function renderTyping() {
    const box = $('#typing-indicator');
    const users = S.openId ? typingUsers(S.openId) : [];
    box.dataset.users = users.join(',');
    box.textContent = typingText(users);
    // Re-render when the next indicator expires.
    let next = Infinity;
    for (const cs of S.cs.values()) for (const until of cs.typing.values()) next = Math.min(next, until);
    clearTimeout(typingTimer);
    if (next !== Infinity) {
      typingTimer = setTimeout(() => {
        renderTyping();
        renderList();
      }, Math.max(50, next - Date.now() + 20));
    }
  }

  // ---- frames ---------------------------------------------------------------------------------------------------

  function onFrame(f) {
    switch (f.type) {
      case 'ready':
        onReady(f);
        break;
      case 'message': {
        const m = f.message;
        if (!m || typeof m.conversationId !== 'string') break;
        if (!S.conversations.has(m.conversationId)) scheduleConversationReload();
        if (addMessage(m) && m.senderId !== me) noteIncoming(m.conversationId, [m]);
        syncs.live(m); // a seq past a hole: sync.js syncs the conversation shortly
        if (S.openId === m.conversationId) renderMessagesStatus();
        renderTyping();
        renderList();
        break;
      }
      case 'ack':
        onAck(f);
        break;
      case 'receipt':
        mergeReceipt(f);
        if (f.recipientId === me) renderList();
        break;
      case 'sync_result':
        onSyncResult(f);
        break;
      case 'presence':
        if (typeof f.userId === 'string') {
          S.presence.set(f.userId, { online: !!f.online, regions: f.regions || {} });
          L.ui.refreshPresenceDots(f.userId, S.presence.get(f.userId));
        }
        break;
      case 'typing':
        onTyping(f);
        break;
      case 'reconnect': {
        // connection.js already closed the socket and reconnects after afterMs.
        const box = $('#conn-state');
        box.dataset.reconnectsRequested = String((Number(box.dataset.reconnectsRequested) || 0) + 1);
        L.ui.notice('the server asked to reconnect (' + (f.reason || 'draining') + ')');
        break;
      }
      case 'error': {
        if (f.inReplyTo === 'sync' && syncs.error(f)) break; // retried with backoff: nothing to show yet
        const p = f.clientMsgId ? S.pending.get(f.clientMsgId) : null;
        if (p) onSendError(p, f);
        L.ui.showError(f.code, f.message, f.retryAfterMs ? 'retry in ' + f.retryAfterMs + ' ms' : null);
        break;
      }
      default:
        break;
    }
  }

  function onReady() {
    // A new connection: everything that was in flight on the old one is re-done from saved state.
    S.subscribed.clear();
    S.receiptsFetched.clear();
    syncs.reconnected();
    subscribePresence();
    for (const id of S.conversations.keys()) sync(id); // every conversation resumes from its saved cursor
    resendPending();
    // Receipts sent on the old connection that were never echoed back may have died with it: send them once more
    // (the receipt CRDT makes a duplicate harmless; an unchanged state is not echoed, hence only one retry).
    for (const [id, u] of Array.from(S.unconfirmed)) {
      if (u.retried) {
        S.unconfirmed.delete(id);
      } else {
        u.retried = true;
        queueReceipt(u.convId, id, u.level === 2 ? 'read' : 'delivered', true);
      }
    }
    sendReceiptsNow();
    scheduleConversationReload(); // conversations created while we were away
    if (S.openId) {
      markOpenRead();
      fetchOwnReceipts(S.openId);
    }
  }

  function onDisconnect() {
    // Presence and typing are only known while connected.
    S.presence.clear();
    for (const dot of $$('.presence-dot')) L.ui.updatePresenceDot(dot, null);
    for (const cs of S.cs.values()) cs.typing.clear();
    renderTyping();
  }

  // ---- rendering: conversation list and header ------------------------------------------------------------------

  let listTimer = null;
  function renderList() {
    if (listTimer) return;
    listTimer = setTimeout(() => {
      listTimer = null;
      renderListNow();
    }, 16);
  }

  /**
   * Keyed rendering: each conversation keeps its <li> (updated in place, moved only when the order changes), so a
   * click is never lost to a list rebuilt between mousedown and mouseup.
   */
  function renderListNow() {
    const list = $('#conversation-list');
    const ids = Array.from(S.conversations.keys())
      .sort((a, b) => activityOf(b) - activityOf(a) || cmpStr(a, b));
    for (const [id, li] of Array.from(S.listEls)) {
      if (!S.conversations.has(id)) {
        li.remove();
        S.listEls.delete(id);
      }
    }
    const empty = list.querySelector('li.empty');
    if (!ids.length) {
      if (!empty) list.append(el('li', { class: 'empty', text: 'No conversations yet. Start one above.' }));
      return;
    }
    if (empty) empty.remove();
    let prev = null;
    for (const id of ids) {
      let li = S.listEls.get(id);
      if (!li) {
        li = el('li', { class: 'conversation', dataset: { conversationId: id } },
          el('button', { type: 'button', class: 'conversation-button', onclick: () => openConversation(id) },
            el('span', { class: 'conversation-icon' }),
            el('span', { class: 'conversation-text' },
              el('span', { class: 'conversation-title' }),
              el('span', { class: 'conversation-preview' })),
            el('span', { class: 'unread-count', hidden: true })));
        S.listEls.set(id, li);
      }
      updateListItem(li, id);
      const at = prev ? prev.nextElementSibling : list.firstElementChild;
      if (at !== li) list.insertBefore(li, at);
      prev = li;
    }
  }

  function updateListItem(li, id) {
    const conv = S.conversations.get(id);
    const cs = convState(id);
    const unread = unreadCount(id);
    const typers = typingUsers(id);
    const last = cs.sorted[cs.sorted.length - 1];
    let preview = '';
    if (typers.length) preview = typingText(typers);
    else if (last) preview = (last.senderId === me ? 'you' : last.senderId) + ': ' + (last.content || (last.mediaUrl ? '[image]' : ''));
    else if (conv.type === 'group') preview = others(conv).length + 1 + ' members';
    const open = S.openId === id;
    li.className = 'conversation' + (open ? ' open' : '') + (unread ? ' has-unread' : '');
    if (open) li.setAttribute('aria-current', 'true');
    else li.removeAttribute('aria-current');
    li.dataset.type = conv.type || '';
    li.dataset.unread = String(unread);
    li.querySelector('.conversation-title').textContent = conversationTitle(conv);
    const previewEl = li.querySelector('.conversation-preview');
    previewEl.textContent = preview;
    previewEl.classList.toggle('typing', typers.length > 0);
    const badge = li.querySelector('.unread-count');
    badge.hidden = !unread;
    badge.textContent = unread > 99 ? '99+' : String(unread);
    const icon = li.querySelector('.conversation-icon');
    const other = conv.type === 'direct' ? others(conv)[0] : null;
    const dot = icon.querySelector('.presence-dot');
    if (other && (!dot || dot.dataset.user !== other)) {
      clear(icon);
      icon.append(L.ui.presenceDot(other, S.presence.get(other)));
    } else if (!other && !icon.querySelector('.group-icon')) {
      clear(icon);
      icon.append(el('span', { class: 'group-icon', text: '#' }));
    }
  }

  function renderHeader() {
    const conv = S.openId ? S.conversations.get(S.openId) : null;
    $('#conversation').dataset.conversationId = S.openId || '';
    $('#conversation-title').textContent = conv ? conversationTitle(conv) : 'Select or start a conversation';
    const box = $('#conversation-participants');
    clear(box);
    if (!conv) return;
    for (const u of others(conv)) {
      box.append(el('li', { class: 'participant', dataset: { user: u } },
        L.ui.presenceDot(u, S.presence.get(u)), el('span', { class: 'participant-name', text: u })));
    }
    box.append(el('li', { class: 'participant self', dataset: { user: me } }, el('span', { class: 'participant-name', text: 'you' })));
  }

  function renderMessagesStatus() {
    const box = $('#messages-status');
    if (!S.openId) {
      box.textContent = '';
      return;
    }
    const cs = convState(S.openId);
    const count = cs.sorted.length + Array.from(S.pending.values()).filter((p) => p.conversationId === S.openId).length;
    box.textContent = count ? '' : cs.synced ? 'No messages yet: say hello.' : 'Loading…';
  }

  // ---- rendering: messages --------------------------------------------------------------------------------------

  function nearBottom(list) {
    return list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  }

  function scrollToBottom(list) {
    list.scrollTop = list.scrollHeight;
  }

  function mediaEl(mediaUrl) {
    const src = withToken(mediaUrl, auth.token);
    if (!src) return null;
    const img = el('img', { src, alt: 'image', loading: 'lazy' });
    img.addEventListener('load', () => {
      const list = $('#messages');
      if (nearBottom(list) || list.lastElementChild === img.closest('li')) scrollToBottom(list);
    });
    img.addEventListener('error', () => {
      // The token in the URL may have expired since (lazy images load late): retry once with the current one.
      const fresh = withToken(mediaUrl, auth.token);
      if (!img.dataset.retried && fresh && fresh !== img.src) {
        img.dataset.retried = 'true';
        img.src = fresh;
        img.closest('a').href = fresh;
      } else if (img.closest('.message-media')) {
        img.closest('.message-media').classList.add('broken');
      }
    });
    return el('div', { class: 'message-media' }, el('a', { href: src, target: '_blank', rel: 'noopener noreferrer' }, img));
  }

  function buildBubble(li, { senderId, content, mediaUrl, own, group }) {
    clear(li);
    li.className = 'message' + (own ? ' own' : ' theirs');
    li.dataset.sender = senderId || '';
    li.dataset.own = own ? 'true' : 'false';
    const bubble = el('div', { class: 'bubble' },
      !own && group ? el('div', { class: 'message-sender', text: senderId }) : null,
      mediaUrl ? mediaEl(mediaUrl) : null,
      content ? el('div', { class: 'message-content', text: content }) : null,
      el('div', { class: 'message-meta' }, el('span', { class: 'message-time' }), el('span', { class: 'message-status' })));
    if (!own && !group) bubble.prepend(el('div', { class: 'message-sender sr-only', text: senderId }));
    li.append(bubble);
  }

  const CHECKS = { sent: '✓', delivered: '✓✓', read: '✓✓' };

  function updateMessageMeta(li, msg) {
    li.dataset.messageId = msg.messageId;
    li.dataset.lamport = String(msg.lamport == null ? '' : msg.lamport);
    if (msg.clientMsgId) li.dataset.clientMsgId = msg.clientMsgId;
    li.classList.remove('unacked');
    // Where the message was sent from: a user on eu-west sees "· us-east" on a message that crossed the WAN.
    if (msg.sourceRegion) li.dataset.sourceRegion = msg.sourceRegion;
    li.querySelector('.message-time').textContent = formatTime(msg.createdAt)
      + (msg.sourceRegion ? ' · ' + msg.sourceRegion : '');
    const statusEl = li.querySelector('.message-status');
    if (msg.senderId !== me) {
      delete li.dataset.status;
      statusEl.textContent = '';
      return;
    }
    const st = ownStatus(msg);
    li.dataset.status = st.status;
    li.dataset.readBy = String(st.readBy);
    li.dataset.recipients = String(st.total);
    statusEl.className = 'message-status status-' + st.status;
    let title = st.status;
    clear(statusEl);
    statusEl.append(el('span', { class: 'checks', text: CHECKS[st.status] }));
    if (st.total > 1 && st.readBy > 0 && st.status !== 'read') {
      statusEl.append(el('span', { class: 'read-by', text: ' read by ' + st.readBy }));
      title += ', read by ' + st.readBy + ' of ' + st.total;
    }
    statusEl.title = title;
  }

  /** Creates or updates the element of a message in the open conversation, at its canonical position. */
  function showMessage(msg) {
    const list = $('#messages');
    const stick = nearBottom(list);
    let li = S.msgEls.get(msg.messageId);
    const conv = S.conversations.get(msg.conversationId);
    const group = conv ? conv.type === 'group' : false;
    if (!li) {
      li = el('li');
      S.msgEls.set(msg.messageId, li);
    }
    if (!li.firstChild) {
      buildBubble(li, { senderId: msg.senderId, content: msg.content, mediaUrl: msg.mediaUrl, own: msg.senderId === me, group });
    }
    updateMessageMeta(li, msg);
    positionMessage(li, msg);
    renderMessagesStatus();
    if (stick) scrollToBottom(list);
  }

  function positionMessage(li, msg) {
    const list = $('#messages');
    const cs = convState(msg.conversationId);
    const idx = cs.sorted.indexOf(msg);
    let before = null;
    for (let j = idx + 1; j < cs.sorted.length; j++) {
      const next = S.msgEls.get(cs.sorted[j].messageId);
      if (next && next.parentNode === list) {
        before = next;
        break;
      }
    }
    if (!before) before = list.querySelector('li.message.unacked');
    if (before === li || (li.parentNode === list && li.nextElementSibling === before)) return;
    list.insertBefore(li, before);
  }

  function fillPending(li, p) {
    if (!li.firstChild) {
      const conv = S.conversations.get(p.conversationId);
      buildBubble(li, { senderId: me, content: p.content, mediaUrl: p.mediaUrl, own: true, group: conv && conv.type === 'group' });
    }
    li.classList.add('unacked');
    li.dataset.messageId = '';
    li.dataset.clientMsgId = p.clientMsgId;
    li.dataset.status = p.status;
    li.querySelector('.message-time').textContent = formatTime(p.localTime);
    const statusEl = li.querySelector('.message-status');
    statusEl.className = 'message-status status-' + p.status;
    const old = li.querySelector('.message-actions');
    if (old) old.remove();
    if (p.status === 'failed') {
      statusEl.textContent = '⚠ not sent';
      statusEl.title = p.error || 'not sent';
      li.querySelector('.bubble').append(el('div', { class: 'message-actions' },
        el('button', { type: 'button', class: 'retry-button', text: 'Retry', onclick: () => retryFailed(p) }),
        el('button', { type: 'button', class: 'discard-button', text: 'Discard', onclick: () => discardFailed(p) })));
    } else {
      statusEl.textContent = '🕓';
      statusEl.title = 'sending…';
    }
  }

  function showPending(p, scroll) {
    const list = $('#messages');
    const key = 'c:' + p.clientMsgId;
    let li = S.msgEls.get(key);
    if (!li) {
      li = el('li');
      S.msgEls.set(key, li);
    }
    fillPending(li, p);
    list.append(li);
    renderMessagesStatus();
    if (scroll) scrollToBottom(list);
  }

  function renderMessages() {
    const list = $('#messages');
    clear(list);
    S.msgEls.clear();
    if (!S.openId) return;
    const cs = convState(S.openId);
    for (const msg of cs.sorted) showMessage(msg);
    Array.from(S.pending.values()).filter((p) => p.conversationId === S.openId)
      .sort((a, b) => a.localTime - b.localTime).forEach((p) => showPending(p, false));
    renderMessagesStatus();
    scrollToBottom(list);
  }

  function updateStatuses() {
    if (!S.openId) return;
    const cs = convState(S.openId);
    for (const msg of cs.sorted) {
      const li = S.msgEls.get(msg.messageId);
      if (li && msg.senderId === me) updateMessageMeta(li, msg);
    }
  }

  // ---- opening a conversation -----------------------------------------------------------------------------------

  function openConversation(id) {
    if (!S.conversations.has(id)) return;
    S.openId = id;
    sessionStorage.setItem('lattice.open.' + me, id);
    renderHeader();
    renderMessages();
    renderTyping();
    const composer = $('#composer');
    composer.disabled = false;
    $('#send-button').disabled = false;
    $('#attach-button').disabled = false;
    const cs = convState(id);
    if (!cs.synced) sync(id);
    else fetchOwnReceipts(id);
    markOpenRead();
    renderList();
    composer.focus();
  }

  function closeConversation() {
    S.openId = null;
    sessionStorage.removeItem('lattice.open.' + me);
    renderHeader();
    renderMessages();
    renderTyping();
    $('#composer').disabled = true;
    $('#send-button').disabled = true;
    $('#attach-button').disabled = true;
  }

  // ---- session --------------------------------------------------------------------------------------------------

  function resetState() {
    S.conversations.clear();
    S.cs.clear();
    syncs.reconnected(); // its timers
    syncs = newSyncs();
    for (const p of S.pending.values()) clearTimeout(p.retryTimer);
    S.pending.clear();
    S.receipts.clear();
    S.myLevel.clear();
    S.readLocal.clear();
    S.receiptQueue.clear();
    S.unconfirmed.clear();
    S.presence.clear();
    S.subscribed.clear();
    S.receiptsFetched.clear();
    S.msgEls.clear();
    S.listEls.clear();
    clear($('#conversation-list'));
    S.openId = null;
  }

  function startSession() {
    me = auth.userId;
    resetState();
    restoreOutbox();
    $('#login-view').hidden = true;
    $('#chat-view').hidden = false;
    $('#account').hidden = false;
    $('#me').textContent = me;
    $('#me').dataset.user = me;
    document.title = me + ' · Lattice';
    closeConversation();
    renderListNow();
    conn = new L.Connection({
      transport: TRANSPORT,
      origin: L.apiOrigin(),
      onRegionChange: (origin) => L.setApiBase(origin), // the HTTP API follows the live connection
      getToken: () => auth.freshToken(),
      checkAuth: async () => {
        const why = await auth.probe();
        if (why !== 'unauthorized') return why;
        try {
          await auth.refresh(); // signs out if even a new dev token is refused
          return 'ok';
        } catch (e) {
          return auth.signedIn ? 'unreachable' : 'unauthorized';
        }
      },
      onFrame,
      onDisconnect,
      onState,
    });
    conn.start();
    loadConversations().then(() => {
      const saved = sessionStorage.getItem('lattice.open.' + me);
      if (saved && S.conversations.has(saved) && !S.openId) openConversation(saved);
    });
  }

  function onState(info) {
    L.ui.renderConnState(info);
    if (info.state === 'connected' && info.movedFrom) {
      // A failover: the region the page was on is gone, the conversation goes on in another one.
      $('#conn-state').dataset.movedFrom = info.movedFrom;
      L.ui.notice('moved from ' + info.movedFrom + ' to ' + info.region, {
        ms: 10000, class: 'failover-notice', dataset: { from: info.movedFrom, to: info.region },
      });
    }
  }

  function endSession(reason) {
    if (conn) conn.stop();
    conn = null;
    resetState();
    me = null;
    $('#chat-view').hidden = true;
    $('#account').hidden = true;
    $('#login-view').hidden = false;
    document.title = 'Lattice';
    L.ui.renderConnState({ state: 'offline' });
    if (reason) L.ui.showError('unauthorized', reason);
    $('#login-user').focus();
  }

  auth.onSignedOut = (reason) => endSession(reason);

  // ---- DOM wiring -----------------------------------------------------------------------------------------------

  function splitIds(text) {
    return Array.from(new Set(text.split(/[\s,;]+/).map((s) => s.trim()).filter((s) => s && s !== me)));
  }

  function wire() {
    $('#login-form').addEventListener('submit', async (e) => {
      e.preventDefault();
      const userId = $('#login-user').value.trim();
      if (!userId) return;
      const btn = $('#login-button');
      btn.disabled = true;
      try {
        await auth.signIn(userId);
        startSession();
      } catch (err) {
        L.ui.showError(err.code, 'sign-in failed: ' + err.message);
      } finally {
        btn.disabled = false;
      }
    });

    $('#logout-button').addEventListener('click', () => {
      if (me) sessionStorage.removeItem('lattice.open.' + me);
      auth.signOut();
    });

    $('#new-direct-form').addEventListener('submit', async (e) => {
      e.preventDefault();
      const input = $('#new-direct-user');
      const other = input.value.trim();
      if (!other) return;
      if (other === me) {
        L.ui.showError('bad_field', 'a direct conversation needs another user');
        return;
      }
      const btn = $('#new-direct-button');
      btn.disabled = true;
      try {
        await createConversation('direct', [other]);
        input.value = '';
      } catch (err) {
        L.ui.showError(err.code, 'could not create the conversation: ' + err.message);
      } finally {
        btn.disabled = false;
      }
    });

    $('#new-group-form').addEventListener('submit', async (e) => {
      e.preventDefault();
      const users = splitIds($('#new-group-users').value);
      const title = $('#new-group-title').value.trim();
      if (!users.length) {
        L.ui.showError('missing_field', 'a group needs at least one other user');
        return;
      }
      const btn = $('#new-group-button');
      btn.disabled = true;
      try {
        await createConversation('group', users, title || null);
        $('#new-group-users').value = '';
        $('#new-group-title').value = '';
      } catch (err) {
        L.ui.showError(err.code, 'could not create the group: ' + err.message);
      } finally {
        btn.disabled = false;
      }
    });

    $('#refresh-conversations').addEventListener('click', () => loadConversations());

    const composer = $('#composer');
    const send = () => {
      const text = composer.value.replace(/\s+$/, '');
      if (!S.openId || !text.trim()) return;
      if (text.length > MAX_CONTENT_CHARS) {
        L.ui.showError('too_large', 'messages are limited to ' + MAX_CONTENT_CHARS + ' characters');
        return;
      }
      composer.value = '';
      autosize();
      queueSend(S.openId, text, null);
      renderList();
    };
    const autosize = () => {
      composer.style.height = 'auto';
      composer.style.height = Math.min(composer.scrollHeight, 160) + 'px';
      composer.style.overflowY = composer.scrollHeight > 160 ? 'auto' : 'hidden';
    };
    $('#composer-form').addEventListener('submit', (e) => {
      e.preventDefault();
      send();
      composer.focus();
    });
    composer.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        send();
      }
    });
    composer.addEventListener('input', () => {
      autosize();
      if (!S.openId || !composer.value.trim() || !conn) return;
      const now = Date.now();
      if (now - S.lastTypingSent < TYPING_SEND_EVERY_MS) return;
      if (conn.send({ type: 'typing', conversationId: S.openId })) S.lastTypingSent = now;
    });

    const fileInput = $('#media-input');
    $('#attach-button').addEventListener('click', () => fileInput.click());
    fileInput.addEventListener('change', async () => {
      const files = Array.from(fileInput.files || []);
      fileInput.value = '';
      for (const f of files) await sendImage(f);
    });

    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') {
        markOpenRead();
        auth.checkSoon();
      }
    });
    window.addEventListener('focus', () => markOpenRead());
  }

  async function sendImage(file) {
    const convId = S.openId;
    if (!convId) return;
    if (!file.type || !file.type.startsWith('image/')) {
      L.ui.showError('bad_field', file.name + ' is not an image');
      return;
    }
    const status = $('#upload-status');
    status.textContent = 'uploading ' + file.name + '…';
    status.dataset.state = 'uploading';
    try {
      const res = await auth.api('POST', '/api/media', { contentType: file.type, size: file.size });
      if (!res || !safeUrl(res.uploadUrl) || typeof res.mediaUrl !== 'string') {
        throw new L.HttpError(500, 'internal', 'bad answer from /api/media');
      }
      await L.upload(res.uploadUrl, file, file.type, auth);
      queueSend(convId, null, res.mediaUrl);
      renderList();
      status.textContent = '';
      status.dataset.state = 'done';
    } catch (e) {
      status.textContent = '';
      status.dataset.state = 'failed';
      L.ui.showError(e.code, 'image upload failed: ' + e.message);
    }
  }

  async function boot() {
    wire();
    L.ui.renderConnState({ state: 'offline' });
    if (auth.userId) $('#login-user').value = auth.userId;
    if (auth.signedIn && await auth.resume()) {
      startSession();
    } else {
      $('#login-view').hidden = false;
      $('#login-user').focus();
    }
  }

  // Exposed for debugging from the console; the page does not depend on it.
  L.app = { state: S, auth, get connection() { return conn; }, compareMessages };

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
  else boot();
})(window.Lattice);
