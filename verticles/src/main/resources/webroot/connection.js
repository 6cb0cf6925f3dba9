'use strict';
/*
 * Lattice web client: the live connection.
 *
 * - WebSocket at /ws?token=... (ws:// or wss:// after the page's scheme); SockJS at /sockjs?token=... when the page
 *   URL says ?transport=sockjs (or sockjs-xhr: SockJS without its websocket transport), or automatically (for the
 *   rest of the page's life) after two WebSocket attempts in a row that never opened while the node is healthy and
 *   accepts the token over HTTP.
 * - The SockJS library is loaded on first use from /webjars/sockjs-client/1.6.1/dist/sockjs.min.js.
 * - Reconnects with exponential backoff and full jitter: delay = random(0, min(10 s, 250 ms * 2^attempt)).
 *   The attempt counter resets once a connection has stayed up for STABLE_MS after its `ready` frame (so a socket
 *   that the server drops right after `ready` does not make the client reconnect in a tight loop).
 * - `{"type":"reconnect","afterMs"}`: the node is draining; close and reconnect after afterMs (+ up to 250 ms jitter).
 * - Heartbeat: a `ping` every heartbeatSeconds (from `ready`); no frame at all for 2 x heartbeatSeconds + 5 s
 *   means the socket is dead: drop it and reconnect.
 * - Frames are only sent after `ready`; send() returns false when they could not be sent.
 * - Failover across regions: the page starts on the region that served it. After every `ready` the region list is
 *   refreshed in the background (L.Regions from lattice.js: GET /api/regions of any known region, /health probe of
 *   each). When two attempts in a row never opened and the region does not answer /health either, the connection
 *   moves to the best other reachable region (its origin: WebSocket, SockJS and, through onRegionChange, the HTTP
 *   API) and says so in the next `connected` state (movedFrom). It stays there: no automatic move back.
 */
window.Lattice = window.Lattice || {};
(function (L) {
  const BASE_DELAY_MS = 250;
  const MAX_DELAY_MS = 10000;
  const READY_TIMEOUT_MS = 10000;
  const STABLE_MS = 5000;
  const SOCKJS_URL = '/webjars/sockjs-client/1.6.1/dist/sockjs.min.js';

  function backoffDelay(attempt) {
    const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * Math.pow(2, Math.min(attempt, 20)));
    return Math.floor(Math.random() * ceiling);
  }

  let sockJsLoading = null;
  function loadSockJs() {
    if (window.SockJS) return Promise.resolve(window.SockJS);
    if (!sockJsLoading) {
      sockJsLoading = new Promise((resolve, reject) => {
        const s = document.createElement('script');
        s.src = SOCKJS_URL;
        s.async = true;
        s.onload = () => (window.SockJS ? resolve(window.SockJS) : reject(new Error('SockJS missing')));
        s.onerror = () => {
          sockJsLoading = null;
          s.remove();
          reject(new Error('could not load ' + SOCKJS_URL));
        };
        document.head.append(s);
      });
    }
    return sockJsLoading;
  }

  class Connection {
    /**
     * @param opts.getToken   async () => a valid token
     * @param opts.checkAuth  async () => 'ok' | 'unreachable' | 'unauthorized' (then the app signs out)
     * @param opts.onFrame    (frame) => void, every frame but pong (ready and reconnect included)
     * @param opts.onState    (info) => void, info = {state, region, node, transport, retryInMs, heartbeatSeconds}
     * @param opts.onDisconnect () => void, after a socket that was ready is gone
     * @param opts.transport  'auto' | 'websocket' | 'sockjs' | 'sockjs-xhr'
     * @param opts.origin     HTTP origin of the region to start with (default: the page's)
     * @param opts.onRegionChange (origin, region, from) => void, when the connection moves to another region
     */
    constructor(opts) {
      this.opts = opts;
      this.mode = opts.transport || 'auto';
      this.useSockJs = this.mode === 'sockjs' || this.mode === 'sockjs-xhr';
      this.sock = null;
      this.gen = 0;
      this.attempt = 0;
      this.failedOpens = 0;
      this.ready = false;
      this.stopped = true;
      this.everReady = false;
      this.retryTimer = null;
      this.readyTimer = null;
      this.stableTimer = null;
      this.heartbeatTimer = null;
      this.lastReceived = 0;
      this.info = { state: 'offline', region: null, node: null, transport: null, retryInMs: 0, heartbeatSeconds: 30 };
      this.base = opts.origin || location.origin; // HTTP origin of the region the connection goes to
      this.lastRegion = null;      // region of the last `ready`
      this.regions = L.Regions
        ? new L.Regions({ seeds: [this.base], preference: [], probeTimeoutMs: 2000, failoverAfter: 1 }) : null;

      window.addEventListener('online', () => {
        if (!this.stopped && !this.sock) this.reconnectNow();
      });
      window.addEventListener('offline', () => {
        if (!this.stopped && !this.ready) this._setState('offline');
      });
    }

    get transportName() {
      return this.useSockJs ? 'sockjs' : 'websocket';
    }

    start() {
      if (!this.stopped) return;
      this.stopped = false;
      this.attempt = 0;
      this._connect();
    }

    stop() {
      this.stopped = true;
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this._teardown(1000, 'signed out');
      this._setState('offline');
    }

    /** Drops the current socket (if any) and connects again now. */
    reconnectNow() {
      if (this.stopped) return;
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.attempt = 0;
      this._teardown(1000, 'reconnect');
      this._connect();
    }

    send(frame) {
      if (!this.ready || !this.sock) return false;
      try {
        this.sock.send(JSON.stringify(frame));
        return true;
      } catch (e) {
        return false;
      }
    }

    _setState(state, extra) {
      this.info = Object.assign({}, this.info, { state, retryInMs: 0 }, extra || {});
      this.opts.onState(this.info);
    }

    async _connect() {
      if (this.sock) this._teardown(1000, 'reconnect');
      const gen = ++this.gen;
      this._setState(navigator.onLine === false ? 'offline' : this.everReady ? 'reconnecting' : 'connecting');
      let token;
      try {
        token = await this.opts.getToken();
      } catch (e) {
        if (gen !== this.gen || this.stopped) return;
        if (e && e.status === 401) return; // the app signs out
        if (e && e.status === 0) this._onOpenFailure(); // the region's token endpoint is unreachable
        else this._scheduleReconnect();
        return;
      }
      if (gen !== this.gen || this.stopped) return;

      let sock;
      try {
        if (this.useSockJs) {
          const SockJS = await loadSockJs();
          if (gen !== this.gen || this.stopped) return;
          const url = new URL('/sockjs', this.base);
          url.searchParams.set('token', token);
          this._resumeParams(url);
          const options = this.mode === 'sockjs-xhr'
            ? { transports: ['xhr-streaming', 'xhr-polling'] } : {};
          sock = new SockJS(url.href, null, options);
        } else {
          const url = new URL('/ws', this.base);
          url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
          url.searchParams.set('token', token);
          this._resumeParams(url);
          sock = new WebSocket(url.href);
        }
      } catch (e) {
        if (gen !== this.gen || this.stopped) return;
        if (!this.useSockJs && this.mode === 'auto') this.useSockJs = true; // no usable WebSocket at all
        this._scheduleReconnect();
        return;
      }

      this.sock = sock;
      let opened = false;
      sock.onopen = () => {
        if (gen !== this.gen) return;
        opened = true;
        this.lastReceived = Date.now();
        clearTimeout(this.readyTimer);
        this.readyTimer = setTimeout(() => {
          if (gen === this.gen && !this.ready) this._dropAndRetry('no ready frame');
        }, READY_TIMEOUT_MS);
      };
      sock.onmessage = (ev) => {
        if (gen !== this.gen) return;
        this.lastReceived = Date.now();
        let frame;
        try {
          frame = JSON.parse(typeof ev.data === 'string' ? ev.data : String(ev.data));
        } catch (e) {
          return;
        }
        if (!frame || typeof frame !== 'object') return;
        this._onFrame(frame);
      };
      sock.onclose = (ev) => {
        if (gen !== this.gen) return;
        const wasReady = this.ready;
        this._cleanup();
        this.sock = null;
        if (wasReady) this._lost();
        if (wasReady) this.opts.onDisconnect();
        if (this.stopped) return;
        if (!opened) this._onOpenFailure();
        else this._scheduleReconnect();
      };
      sock.onerror = () => { /* onclose follows */ };
    }

    async _onOpenFailure() {
      this.failedOpens++;
      if (this.failedOpens >= 2) {
        // Never opened twice in a row: the node is down or draining, the token is refused (the upgrade got 401), or
        // something between us and the node blocks WebSocket. Tell them apart over HTTP.
        const gen = this.gen;
        const why = await this.opts.checkAuth();
        if (gen !== this.gen || this.stopped) return;
        if (why === 'unauthorized') return; // the app signs out and stops us
        if (why === 'ok' && !this.useSockJs && this.mode === 'auto') {
          this.useSockJs = true;
          this.attempt = 0;
        }
        if (why === 'unreachable' && await this._failover()) {
          if (gen !== this.gen || this.stopped) return;
          this.failedOpens = 0;
          this.attempt = 0;
        }
        if (gen !== this.gen || this.stopped) return;
      }
      this._scheduleReconnect();
    }

    _onFrame(frame) {
      switch (frame.type) {
        case 'ready': {
          clearTimeout(this.readyTimer);
          this.ready = true;
          this.everReady = true;
          this.failedOpens = 0;
          this.lostAt = null;
          this.lostReason = 'lost';
          clearTimeout(this.stableTimer);
          this.stableTimer = setTimeout(() => { this.attempt = 0; }, STABLE_MS);
          const hb = Number(frame.heartbeatSeconds) > 0 ? Number(frame.heartbeatSeconds) : 30;
          this._startHeartbeat(hb);
          const region = frame.region || null;
          const movedFrom = this.lastRegion && region && region !== this.lastRegion ? this.lastRegion : null;
          if (region) this.lastRegion = region;
          this._setState('connected', {
            region, node: frame.node || null, transport: this.transportName, heartbeatSeconds: hb,
            origin: this.base, movedFrom,
          });
          // Learn the regions while this one answers: once it is dead, it cannot tell us about the others.
          if (this.regions) this.regions.refresh().catch(() => {});
          break;
        }
        case 'pong':
          return;
        case 'reconnect': {
          const after = Math.max(0, Number(frame.afterMs) || 0);
          this.lostReason = frame.reason === 'overloaded' ? 'overloaded' : 'draining';
          this.opts.onFrame(frame);
          this._teardown(1000, 'reconnect requested');
          this._scheduleReconnect(after + Math.floor(Math.random() * 250));
          return;
        }
        default:
          break;
      }
      this.opts.onFrame(frame);
    }

    _startHeartbeat(hb) {
      clearInterval(this.heartbeatTimer);
      const gen = this.gen;
      this.heartbeatTimer = setInterval(() => {
        if (gen !== this.gen) return;
        if (Date.now() - this.lastReceived > 2 * hb * 1000 + 5000) {
          this._dropAndRetry('heartbeat timeout');
          return;
        }
        this.send({ type: 'ping' });
      }, hb * 1000);
    }

    /** Moves to the best other reachable region; false when there is none (then the current one is retried). */
    async _failover() {
      if (!this.regions) return false;
      const here = this.base;
      const from = this.lastRegion;
      let origin;
      let next;
      try {
        await this.regions.refresh();
        next = this.regions.ordered.find((r) => r.rtt !== Infinity && r.name !== from
          && r.endpoints.every((ep) => new URL(ep.httpUrl).origin !== here));
        if (!next) return false;
        origin = new URL(next.endpoints[Math.floor(Math.random() * next.endpoints.length)].httpUrl).origin;
      } catch (e) {
        return false; // no list, or a bad URL in it
      }
      if (this.stopped || this.base !== here) return false;
      this.base = origin;
      if (this.opts.onRegionChange) this.opts.onRegionChange(origin, next.name, from);
      return true;
    }

    /** The connection is gone: remembered so that the next upgrade tells the server (its failover metrics). */
    _lost() {
      if (this.lostAt == null) this.lostAt = Date.now();
    }

    /** `resume` (why we left: draining, overloaded, lost) and `downMs` (time without a connection) on a reconnect. */
    _resumeParams(url) {
      if (this.lostAt == null) return;
      url.searchParams.set('resume', this.lostReason || 'lost');
      url.searchParams.set('downMs', String(Math.max(0, Date.now() - this.lostAt)));
    }

    _dropAndRetry(why) {
      this._teardown(4000, why);
      if (!this.stopped) this._scheduleReconnect();
    }

    _cleanup() {
      clearTimeout(this.readyTimer);
      clearTimeout(this.stableTimer);
      clearInterval(this.heartbeatTimer);
      this.readyTimer = null;
      this.heartbeatTimer = null;
      this.ready = false;
    }

    /** Closes the current socket without triggering its onclose logic (the generation moves on). */
    _teardown(code, reason) {
      const sock = this.sock;
      const wasReady = this.ready;
      this.gen++;
      this._cleanup();
      this.sock = null;
      if (wasReady) this._lost();
      if (sock) {
        try {
          sock.close(code >= 4000 || code === 1000 ? code : 1000, reason);
        } catch (e) { /* already closed */ }
      }
      if (wasReady) this.opts.onDisconnect();
    }

    _scheduleReconnect(fixedDelay) {
      clearTimeout(this.retryTimer);
      const delay = fixedDelay !== undefined ? fixedDelay : backoffDelay(this.attempt);
      this.attempt++;
      const state = navigator.onLine === false ? 'offline' : this.everReady ? 'reconnecting' : 'connecting';
      this._setState(state, { retryInMs: delay });
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        if (!this.stopped) this._connect();
      }, delay);
    }
  }

  L.Connection = Connection;
  L.backoffDelay = backoffDelay;
})(window.Lattice);
