'use strict';
/*
 * Lattice JavaScript client library: the same recovery logic as the Java library (io.lattice.client), for browsers
 * (served at /lattice.js: window.Lattice.Client) and Node (require('.../lattice.js').Client; Node 22 has a global
 * WebSocket, Node 20 needs --experimental-websocket, or pass opts.WebSocket, e.g. from the `ws` package).
 *
 *   const client = new Lattice.Client({
 *     seeds: ['https://us-east.chat.example.com'],         // any regions; /api/regions names the others
 *     getToken: async (endpoint, refresh) => token,         // refresh: the last token was refused (401)
 *     onState: s => {}, onMessage: (m, timeline) => {}, onReceipt: r => {}, onError: (code, message) => {},
 *   });
 *   client.connect();
 *   await client.follow(conversationId);                    // history, then live; resumed after every reconnect
 *   const ack = await client.send(conversationId, 'hi');    // resolves with the ack, whatever happens meanwhile
 *
 * Recovery: region list from GET /api/regions of any reachable region, own RTT probe of each region's /health,
 * preferred or nearest healthy region first; a lost connection (close, or no frame for deadAfterMs) is retried after
 * a full-jitter backoff (random(0, min(cap, base * 2^n))), rotating over the region's gateways (`nodes`) and, after
 * failoverAfter failures in a row, moving to the best other region. After every `ready`: each followed conversation
 * resumes from its sync cursor, every un-acked send is resent with its clientMsgId (the same message in any region),
 * receipts written in the last 15 s are written again. Each messageId reaches onMessage once; timelines are kept in
 * canonical order (lamport, sourceRegion, messageId). A live message past a hole in its region's seqs, a sync error
 * or a sync left unanswered syncs again (SyncScheduler).
 *
 * The demo web app uses Regions, the region directory, for its own failover between regions (connection.js), and
 * Timeline and SyncScheduler for its cursors and sync timing (sync.js).
 */
(function (root, factory) {
  const api = factory();
  if (typeof module === 'object' && module.exports) module.exports = api;
  else root.Lattice = Object.assign(root.Lattice || {}, api);
}(typeof globalThis !== 'undefined' ? globalThis : this, function () {
  const DEFAULTS = {
    preference: [], backoffBaseMs: 250, backoffCapMs: 10000, failoverAfter: 3, readyTimeoutMs: 10000,
    pingIntervalMs: 0, deadAfterMs: 0, stableMs: 5000, syncPageSize: 200, probeTimeoutMs: 2000,
  };
  const RECEIPT_REPLAY_MS = 15000;
  const RETRYABLE = new Set(['rate_limited', 'unavailable', 'internal']);
  const SERVER_TROUBLE = new Set(['unavailable', 'internal', 'rate_limited']);
  const NOT_HERE_YET = new Set(['not_found', 'forbidden']);
  const SYNC_MAX_FAILURES = 30;
  const SYNC_RESEND_MS = 15000;
  const GAP_SYNC_MS = 1000;

  function backoffDelay(opts, attempt) {
    let ceiling = opts.backoffBaseMs;
    for (let i = 0; i < attempt && ceiling < opts.backoffCapMs; i++) ceiling *= 2;
    return Math.floor(Math.random() * (Math.min(ceiling, opts.backoffCapMs) + 1));
  }

  function compareCanonical(a, b) {
    if (a.lamport !== b.lamport) return a.lamport < b.lamport ? -1 : 1;
    if (a.sourceRegion !== b.sourceRegion) return a.sourceRegion < b.sourceRegion ? -1 : 1;
    return a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0;
  }

  async function fetchJson(url, init, timeoutMs) {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), timeoutMs);
    try {
      const res = await fetch(url, Object.assign({ signal: ctl.signal }, init));
      if (res.status !== 200) throw new Error(url + ' answered ' + res.status);
      return await res.json();
    } finally {
      clearTimeout(timer);
    }
  }

  // The library shares the server's cursor format (base64url of {"region": seq}); to applications it is opaque.
  function decodeCursor(text) {
    if (!text) return {};
    try {
      const json = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
      const parsed = JSON.parse(json);
      return parsed && typeof parsed === 'object' ? parsed : {};
    } catch (e) {
      return {};
    }
  }

  function encodeCursor(held) {
    return btoa(JSON.stringify(held)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  /**
   * One followed conversation: each message once, in canonical order, and the cursor to resume from: per source
   * region the sequence numbers held without a hole (by sync or live). A live message past a hole means one was
   * missed (live delivery is best effort), and the client syncs rather than wait for a reconnect.
   */
  class Timeline {
    constructor(conversationId, cursor) {
      this.conversationId = conversationId;
      this.held = decodeCursor(cursor);
      this.ahead = new Map();
      this.messages = [];
      this.byId = new Map();
    }

    get cursor() {
      return Object.keys(this.held).length ? encodeCursor(this.held) : null;
    }

    /** A sync page's cursor covers what it returned and what the request's cursor covered. */
    mergeCursor(text) {
      const page = decodeCursor(text);
      Object.keys(page).forEach(region => {
        this.held[region] = Math.max(this.held[region] || 0, page[region]);
        this.absorb(region);
      });
    }

    hasGap() {
      for (const seqs of this.ahead.values()) if (seqs.size) return true;
      return false;
    }

    account(m) {
      if (typeof m.seq !== 'number' || !m.sourceRegion) return;
      const held = this.held[m.sourceRegion] || 0;
      if (m.seq === held + 1) {
        this.held[m.sourceRegion] = m.seq;
        this.absorb(m.sourceRegion);
      } else if (m.seq > held + 1) {
        if (!this.ahead.has(m.sourceRegion)) this.ahead.set(m.sourceRegion, new Set());
        this.ahead.get(m.sourceRegion).add(m.seq);
      }
    }

    absorb(region) {
      const seqs = this.ahead.get(region);
      if (!seqs) return;
      let held = this.held[region] || 0;
      for (const seq of Array.from(seqs)) if (seq <= held) seqs.delete(seq);
      while (seqs.has(held + 1)) seqs.delete(++held);
      this.held[region] = held;
    }

    /** Index of a new message, or -1 (a repeat; a second position of the same id settles on the smaller). */
    offer(m) {
      this.account(m); // every slot counts, a second version of a known message too
      const known = this.byId.get(m.messageId);
      if (known) {
        if (compareCanonical(m, known) < 0) {
          this.messages.splice(this.messages.indexOf(known), 1);
          this.insert(m);
          this.byId.set(m.messageId, m);
        }
        return -1;
      }
      this.byId.set(m.messageId, m);
      return this.insert(m);
    }

    insert(m) {
      let lo = 0;
      let hi = this.messages.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (compareCanonical(this.messages[mid], m) < 0) lo = mid + 1; else hi = mid;
      }
      this.messages.splice(lo, 0, m);
      return lo;
    }
  }

  /**
   * When to sync a conversation (again), as the Java client's Conversations does; shared by Client and the demo web
   * app (sync.js), which keep their own timelines and sockets.
   * - One sync per conversation in flight; one unanswered for 15 s is sent again (dropped by a node going away: no
   *   answer and no error).
   * - A hole (a live message past a missing seq) is synced 1 s after the message if still there (the missing one is
   *   usually just late), then again after each answer, backing off, while the serving region lacks it too.
   * - A sync answered with server trouble (unavailable, internal, rate_limited) is retried with backoff for as long
   *   as it takes (giving up would leave the conversation behind until the next reconnect); not_found and forbidden
   *   (a conversation created or joined in another region moments ago, not replicated here yet) up to 30 times.
   *
   * @param opts.write   conversationId => boolean: writes a sync from the conversation's cursor now; false without a
   *                     socket
   * @param opts.hasGap  conversationId => boolean
   * @param opts.backoff attempt => ms
   */
  class SyncScheduler {
    constructor(opts) {
      this.opts = opts;
      this.inFlight = new Map();   // conversationId -> resend timer
      this.planned = new Map();    // conversationId -> timer of the next sync
      this.failures = new Map();   // conversationId -> errors in a row
      this.gapRounds = new Map();  // conversationId -> answers in a row that left the hole
    }

    /** Syncs now unless a sync is in flight (its answer is awaited; planned syncs still happen). */
    request(id) {
      if (this.inFlight.has(id) || !this.opts.write(id)) return;
      const timer = setTimeout(() => {
        if (this.inFlight.get(id) !== timer) return;
        this.inFlight.delete(id);
        this.request(id);
      }, SYNC_RESEND_MS);
      this.inFlight.set(id, timer);
    }

    isInFlight(id) {
      return this.inFlight.has(id);
    }

    /** After a live message: a hole is synced in 1 s if still there. */
    checkGap(id) {
      if (this.opts.hasGap(id)) this.plan(id, GAP_SYNC_MS, true);
    }

    /** A sync_result: with more pages the next one is asked for now, else a hole still there later, backing off. */
    answered(id, more) {
      this.settle(id);
      this.failures.delete(id);
      if (more) {
        this.request(id);
      } else if (this.opts.hasGap(id)) {
        const round = (this.gapRounds.get(id) || 0) + 1;
        this.gapRounds.set(id, round);
        this.plan(id, this.opts.backoff(Math.min(round, 6)) + GAP_SYNC_MS, true);
      } else {
        this.gapRounds.delete(id);
      }
    }

    /** An error answering a sync: true when a retry is planned, false when the caller should report it. */
    failed(id, code, retryAfterMs) {
      this.settle(id);
      const failures = (this.failures.get(id) || 0) + 1;
      this.failures.set(id, failures);
      if (!SERVER_TROUBLE.has(code) && !(NOT_HERE_YET.has(code) && failures < SYNC_MAX_FAILURES)) {
        this.failures.delete(id);
        return false;
      }
      this.plan(id, retryAfterMs || this.opts.backoff(Math.min(failures, 4)) + 100, false);
      return true;
    }

    /** A new socket: what was asked on the old one is forgotten (the caller syncs every conversation again). */
    reset() {
      this.inFlight.forEach(timer => clearTimeout(timer));
      this.planned.forEach(entry => clearTimeout(entry.timer));
      this.inFlight.clear();
      this.planned.clear();
    }

    settle(id) {
      clearTimeout(this.inFlight.get(id));
      this.inFlight.delete(id);
    }

    /**
     * One planned sync per conversation: a second plan keeps the first one's time, but one that must happen (a retry)
     * makes a plan for a hole unconditional, so that the hole filling meanwhile does not cancel the retry.
     */
    plan(id, delayMs, onlyIfGap) {
      const planned = this.planned.get(id);
      if (planned) {
        planned.onlyIfGap = planned.onlyIfGap && onlyIfGap;
        return;
      }
      const entry = { onlyIfGap };
      entry.timer = setTimeout(() => {
        this.planned.delete(id);
        if (!entry.onlyIfGap || this.opts.hasGap(id)) this.request(id);
      }, delayMs);
      this.planned.set(id, entry);
    }
  }

  /** Region choice: preference, then reachable, then healthy, then measured round trip. */
  class Regions {
    constructor(opts) {
      this.opts = opts;
      this.ordered = [];
      this.current = null;
      this.endpointIndex = 0;
      this.failures = 0;
    }

    endpoint() {
      const eps = this.current.endpoints;
      return eps[this.endpointIndex % eps.length];
    }

    async refresh() {
      const sources = [...this.opts.seeds];
      this.ordered.forEach(r => r.endpoints.forEach(e => { if (!sources.includes(e.httpUrl)) sources.push(e.httpUrl); }));
      let list = null;
      for (const base of sources) {
        try {
          list = (await fetchJson(base + '/api/regions', {}, this.opts.probeTimeoutMs)).regions;
          if (list && list.length) break;
        } catch (e) { /* next source */ }
      }
      if (!list) return this.ordered.length > 0;
      const measured = await Promise.all(list.map(async r => {
        const endpoints = (r.nodes && r.nodes.length ? r.nodes : [r]).map(n => ({ httpUrl: n.httpUrl, wsUrl: n.wsUrl }));
        const began = Date.now();
        let rtt = Infinity;
        try {
          await fetchJson(endpoints[0].httpUrl + '/health', {}, this.opts.probeTimeoutMs);
          rtt = Date.now() - began;
        } catch (e) { /* unreachable or draining */ }
        return { name: r.name, endpoints, healthy: r.healthy, rtt };
      }));
      const pref = name => { const i = this.opts.preference.indexOf(name); return i < 0 ? Infinity : i; };
      measured.sort((a, b) => (pref(a.name) - pref(b.name)) || ((a.rtt === Infinity) - (b.rtt === Infinity))
        || ((a.healthy === false) - (b.healthy === false)) || (a.rtt - b.rtt) || 0);
      this.ordered = measured;
      if (!this.current) {
        this.current = measured[0];
        this.endpointIndex = Math.floor(Math.random() * this.current.endpoints.length);
      } else {
        this.current = measured.find(r => r.name === this.current.name) || measured[0];
      }
      return true;
    }

    /** Returns the reason when the region changed, else null. */
    async attemptFailed() {
      this.failures++;
      if (this.failures < this.opts.failoverAfter) {
        this.endpointIndex++;
        return null;
      }
      const failed = this.current;
      await this.refresh();
      this.current = this.ordered.find(r => r.name !== failed.name) || failed;
      this.endpointIndex = Math.floor(Math.random() * this.current.endpoints.length);
      this.failures = 0;
      return this.current.name === failed.name ? null
        : 'region ' + failed.name + ' failed ' + this.opts.failoverAfter + ' times in a row: trying ' + this.current.name;
    }
  }

  class Client {
    constructor(options) {
      this.opts = Object.assign({}, DEFAULTS, options);
      if (!this.opts.seeds || !this.opts.seeds.length) throw new Error('seeds: at least one region URL');
      this.WebSocket = this.opts.WebSocket || globalThis.WebSocket;
      if (!this.WebSocket) throw new Error('no WebSocket: pass opts.WebSocket (Node 20: --experimental-websocket)');
      this.regions = new Regions(this.opts);
      this.state = 'offline';
      this.running = false;
      this.everConnected = false;
      this.sock = null;
      this.attempt = 0;
      this.refreshToken = false;
      this.nextDelay = -1;
      this.outbox = new Map();          // clientMsgId -> {frame, resolve, reject, writes}
      this.timelines = new Map();       // conversationId -> Timeline
      this.waiters = new Map();         // conversationId -> [resolve]
      this.syncs = new SyncScheduler({
        write: id => this.sync(id),
        hasGap: id => { const t = this.timelines.get(id); return !!t && t.hasGap(); },
        backoff: attempt => backoffDelay(this.opts, attempt),
      });
      this.receipts = [];               // [{at, frame}] written recently
      this.offlineReceipts = [];
      this.region = null;
      this.node = null;
    }

    connect() {
      if (!this.running) {
        this.running = true;
        this.tryConnect();
      }
    }

    follow(conversationId, cursor) {
      if (!this.timelines.has(conversationId)) this.timelines.set(conversationId, new Timeline(conversationId, cursor));
      return new Promise(resolve => {
        const list = this.waiters.get(conversationId) || [];
        list.push(resolve);
        this.waiters.set(conversationId, list);
        if (this.state === 'connected') this.syncs.request(conversationId);
      });
    }

    timeline(conversationId) {
      return this.timelines.get(conversationId);
    }

    send(conversationId, content, mediaUrl, clientMsgId) {
      const id = clientMsgId || (globalThis.crypto && crypto.randomUUID ? crypto.randomUUID()
        : Date.now().toString(36) + Math.random().toString(36).slice(2));
      const existing = this.outbox.get(id);
      if (existing) return existing.promise;
      const entry = { frame: { type: 'send', clientMsgId: id, conversationId, content, mediaUrl: mediaUrl || null }, writes: 0 };
      entry.promise = new Promise((resolve, reject) => { entry.resolve = resolve; entry.reject = reject; });
      this.outbox.set(id, entry);
      if (this.state === 'connected') { entry.writes++; this.write(entry.frame); }
      return entry.promise;
    }

    receipt(conversationId, messageIds, status) {
      const frame = { type: 'receipt', conversationId, messageIds, status };
      if (this.state === 'connected') { this.write(frame); this.receipts.push({ at: Date.now(), frame }); }
      else this.offlineReceipts.push(frame);
    }

    close() {
      this.running = false;
      this.drop('closed by the application');
      for (const entry of this.outbox.values()) entry.reject(new Error('client closed before the ack'));
      this.outbox.clear();
      this.setState('offline', 0, 'closed');
    }

    // ------------------------------------------------------------------------------------------- connecting

    async tryConnect() {
      if (!this.running) return;
      this.setState(this.everConnected ? 'reconnecting' : 'connecting', 0, 'connecting');
      try {
        if (!this.regions.current && !(await this.regions.refresh())) throw new Error('no region reachable');
        const endpoint = this.regions.endpoint();
        const token = await this.opts.getToken(endpoint, this.refreshToken);
        this.open(endpoint, token);
      } catch (e) {
        this.attemptFailed(e);
      }
    }

    open(endpoint, token) {
      const ws = new this.WebSocket(endpoint.wsUrl + '?token=' + encodeURIComponent(token));
      let ready = false;
      const readyTimer = setTimeout(() => { if (!ready) { ws.close(); } }, this.opts.readyTimeoutMs);
      ws.onmessage = ev => {
        let frame;
        try { frame = JSON.parse(typeof ev.data === 'string' ? ev.data : String(ev.data)); } catch (e) { return; }
        this.lastFrame = Date.now();
        if (!ready) {
          if (frame.type === 'ready') { ready = true; clearTimeout(readyTimer); this.onReady(ws, frame, endpoint); }
          return;
        }
        if (ws === this.sock) this.onFrame(frame);
      };
      ws.onclose = ev => {
        clearTimeout(readyTimer);
        if (!ready) {
          // Browsers hide the upgrade's status; 1006 before ready may be a refused token, so refresh it next time.
          this.refreshToken = this.refreshToken || ev.code === 1006;
          this.attemptFailed(new Error('closed before ready (' + ev.code + ')'));
        } else if (ws === this.sock) {
          this.lost('socket closed (' + ev.code + ')');
        }
      };
      ws.onerror = () => { /* onclose follows */ };
    }

    async attemptFailed(error) {
      if (!this.running) return;
      let reason = null;
      try { reason = await this.regions.attemptFailed(); } catch (e) { /* keep trying */ }
      if (reason) this.attempt = Math.min(this.attempt, 1);
      this.schedule(reason || 'attempt failed: ' + error.message);
    }

    schedule(reason) {
      const delay = this.nextDelay >= 0 ? this.nextDelay : backoffDelay(this.opts, this.attempt);
      this.nextDelay = -1;
      this.attempt++;
      this.setState('reconnecting', delay, reason);
      setTimeout(() => this.tryConnect(), Math.max(1, delay));
    }

    onReady(ws, frame, endpoint) {
      this.sock = ws;
      this.everConnected = true;
      this.refreshToken = false;
      this.region = frame.region;
      this.node = frame.node;
      this.endpoint = endpoint;
      this.regions.failures = 0;
      const interval = this.opts.pingIntervalMs || Math.max(1000, (frame.heartbeatSeconds || 30) * 500);
      const deadAfter = this.opts.deadAfterMs || 2 * interval + 2000;
      let lastPing = 0;
      this.heartbeat = setInterval(() => {
        if (ws !== this.sock) return;
        if (Date.now() - this.lastFrame > deadAfter) { this.lost('no frame for ' + deadAfter + ' ms'); return; }
        if (Date.now() - lastPing >= interval) { lastPing = Date.now(); this.write({ type: 'ping' }); }
      }, Math.min(interval, deadAfter / 3));
      this.stableTimer = setTimeout(() => { this.attempt = 0; }, this.opts.stableMs);
      this.setState('connected', 0, 'ready');
      this.syncs.reset();
      for (const id of this.timelines.keys()) this.syncs.request(id);
      const now = Date.now();
      this.receipts = this.receipts.filter(r => now - r.at <= RECEIPT_REPLAY_MS);
      this.receipts.forEach(r => this.write(r.frame));
      this.offlineReceipts.forEach(f => this.write(f));
      this.offlineReceipts = [];
      for (const entry of this.outbox.values()) { entry.writes++; this.write(entry.frame); }
    }

    lost(reason) {
      if (!this.sock) return;
      this.drop(reason);
      if (this.running) this.schedule(reason);
    }

    drop(reason) {
      const ws = this.sock;
      this.sock = null;
      this.node = null;
      clearInterval(this.heartbeat);
      clearTimeout(this.stableTimer);
      if (ws) { try { ws.close(1000, reason.slice(0, 100)); } catch (e) { /* already closing */ } }
    }

    // ----------------------------------------------------------------------------------------------- frames

    onFrame(frame) {
      switch (frame.type) {
        case 'ack': {
          const entry = this.outbox.get(frame.clientMsgId);
          if (entry) { this.outbox.delete(frame.clientMsgId); entry.resolve(Object.assign({ attempts: entry.writes }, frame)); }
          break;
        }
        case 'message': this.deliver(frame.message); break;
        case 'sync_result': this.onSyncResult(frame); break;
        case 'receipt': if (this.opts.onReceipt) this.opts.onReceipt(frame); break;
        case 'presence': if (this.opts.onPresence) this.opts.onPresence(frame); break;
        case 'typing': if (this.opts.onTyping) this.opts.onTyping(frame); break;
        case 'error': this.onError(frame); break;
        case 'reconnect':
          this.nextDelay = (frame.afterMs || 0) + Math.floor(Math.random() * 251);
          this.lost('node draining: ' + (frame.reason || ''));
          break;
        default: break; // pong, and frame types newer than this library
      }
    }

    onError(frame) {
      if (frame.inReplyTo === 'receipt' && frame.code === 'not_found') {
        // The region does not have (some of) those messages yet: write the conversation's recent receipts again
        // over the next ~2 minutes, once per conversation at a time.
        const id = frame.conversationId;
        this.receiptRetries = this.receiptRetries || new Set();
        if (!id || this.receiptRetries.has(id)) return;
        this.receiptRetries.add(id);
        const frames = this.receipts.filter(r => r.frame.conversationId === id).map(r => r.frame);
        [2000, 5000, 15000, 35000, 75000].forEach((delay, i, all) => setTimeout(() => {
          frames.forEach(f => this.write(f));
          if (i === all.length - 1) this.receiptRetries.delete(id);
        }, delay));
        return;
      }
      if (frame.inReplyTo === 'sync' && this.timelines.has(frame.conversationId)
        && this.syncs.failed(frame.conversationId, frame.code, frame.retryAfterMs)) {
        return;
      }
      const entry = frame.clientMsgId && this.outbox.get(frame.clientMsgId);
      if (!entry) { if (this.opts.onError) this.opts.onError(frame.code, frame.message); return; }
      if (RETRYABLE.has(frame.code)) {
        const ws = this.sock;
        setTimeout(() => {
          if (ws === this.sock && ws && this.outbox.get(frame.clientMsgId) === entry) { entry.writes++; this.write(entry.frame); }
        }, frame.retryAfterMs || backoffDelay(this.opts, Math.min(entry.writes, 6)));
      } else {
        this.outbox.delete(frame.clientMsgId);
        const error = new Error(frame.code + ': ' + (frame.message || ''));
        error.code = frame.code;
        entry.reject(error);
      }
    }

    deliver(message) {
      let timeline = this.timelines.get(message.conversationId);
      if (!timeline) {
        timeline = new Timeline(message.conversationId, null);
        this.timelines.set(message.conversationId, timeline);
        this.syncs.request(message.conversationId);
      }
      const index = timeline.offer(message);
      if (index >= 0 && this.opts.onMessage) this.opts.onMessage(message, timeline, index);
      this.syncs.checkGap(message.conversationId);
    }

    /** Writes a sync from the conversation's cursor; false without a socket (SyncScheduler's write). */
    sync(conversationId) {
      const timeline = this.timelines.get(conversationId);
      return !!timeline && this.write({ type: 'sync', conversationId, cursor: timeline.cursor, limit: this.opts.syncPageSize });
    }

    onSyncResult(frame) {
      const timeline = this.timelines.get(frame.conversationId);
      if (!timeline) return;
      (frame.messages || []).forEach(m => this.deliver(m));
      if (frame.cursor) timeline.mergeCursor(frame.cursor);
      this.syncs.answered(frame.conversationId, !!frame.hasMore);
      if (frame.hasMore) return;
      const waiting = this.waiters.get(frame.conversationId) || [];
      this.waiters.delete(frame.conversationId);
      waiting.forEach(resolve => resolve(timeline));
    }

    write(frame) {
      if (!this.sock || this.sock.readyState !== 1) return false;
      this.sock.send(JSON.stringify(frame));
      return true;
    }

    setState(state, retryInMs, reason) {
      this.state = state;
      const region = state === 'connected' ? this.region : this.regions.current && this.regions.current.name;
      if (this.opts.onState) {
        this.opts.onState({ state, region, node: this.node, attempt: state === 'connected' ? 0 : this.attempt, retryInMs, reason });
      }
    }
  }

  return { Client, Timeline, SyncScheduler, Regions, backoffDelay, compareCanonical };
}));
