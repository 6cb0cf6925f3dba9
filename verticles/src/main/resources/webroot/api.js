'use strict';
/*
 * Lattice web client: dev sign-in, token storage and refresh, JSON HTTP calls.
 *
 * The token lives in sessionStorage (per tab), so two tabs of the same browser can be two users.
 *
 * Every call goes to the region the live connection is on: the page's own origin until connection.js fails over to
 * another region, then that region's origin (L.setApiBase; the regions of a deployment share the auth secret and
 * allow cross-origin calls, gateway.corsOrigins).
 */
window.Lattice = window.Lattice || {};
(function (L) {
  const KEY_USER = 'lattice.userId';
  const KEY_TOKEN = 'lattice.token';
  const KEY_EXPIRES = 'lattice.expiresAt';
  let apiBase = ''; // '' = the page's origin

  /** The HTTP origin API calls go to ('' or the page's origin: the page's own). */
  function setApiBase(origin) {
    apiBase = !origin || origin === location.origin ? '' : String(origin).replace(/\/+$/, '');
  }

  class HttpError extends Error {
    constructor(status, code, message) {
      super(message || code || ('HTTP ' + status));
      this.status = status;
      this.code = code || (status === 0 ? 'network' : 'http_' + status);
    }
  }

  function jwtExpiry(token) {
    try {
      const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      const json = JSON.parse(atob(payload + '==='.slice((payload.length + 3) % 4)));
      return typeof json.exp === 'number' ? json.exp * 1000 : NaN;
    } catch (e) {
      return NaN;
    }
  }

  async function rawJson(method, path, body, token) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = 'Bearer ' + token;
    let res;
    try {
      res = await fetch(apiBase + path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store', credentials: 'same-origin',
      });
    } catch (e) {
      throw new HttpError(0, 'network', 'network error: ' + e.message);
    }
    const text = await res.text();
    let json = null;
    if (text) {
      try { json = JSON.parse(text); } catch (e) { json = null; }
    }
    if (!res.ok) {
      throw new HttpError(res.status, json && json.code, (json && json.message) || text || res.statusText);
    }
    return json;
  }

  /**
   * Token holder: sign-in with POST /api/dev/token, proactive refresh with POST /api/token/refresh at ~80% of the
   * token's remaining lifetime, and a forced refresh when a request gets 401.
   */
  class Auth {
    constructor() {
      this.userId = sessionStorage.getItem(KEY_USER);
      this.token = sessionStorage.getItem(KEY_TOKEN);
      this.expiresAt = Number(sessionStorage.getItem(KEY_EXPIRES)) || NaN;
      this.refreshTimer = null;
      this.refreshing = null;
      this.onSignedOut = () => {};
      this.onTokenChanged = () => {};
    }

    get signedIn() {
      return !!(this.userId && this.token);
    }

    _store(userId, res) {
      if (!res || typeof res.token !== 'string') throw new HttpError(500, 'internal', 'no token in the response');
      let exp = L.ui.toMillis(res.expiresAt);
      if (!Number.isFinite(exp)) exp = jwtExpiry(res.token);
      if (!Number.isFinite(exp)) exp = Date.now() + 15 * 60 * 1000;
      this.userId = userId;
      this.token = res.token;
      this.expiresAt = exp;
      sessionStorage.setItem(KEY_USER, userId);
      sessionStorage.setItem(KEY_TOKEN, res.token);
      sessionStorage.setItem(KEY_EXPIRES, String(exp));
      this._schedule();
      this.onTokenChanged(this.token);
    }

    async signIn(userId) {
      const res = await rawJson('POST', '/api/dev/token', { userId });
      this._store(userId, res);
    }

    signOut(reason) {
      clearTimeout(this.refreshTimer);
      this.refreshTimer = null;
      const was = this.userId;
      this.userId = null;
      this.token = null;
      this.expiresAt = NaN;
      sessionStorage.removeItem(KEY_TOKEN);
      sessionStorage.removeItem(KEY_EXPIRES);
      if (was) this.onSignedOut(reason);
    }

    /** Called at start-up with a stored token: refresh it now if it is (nearly) expired. */
    async resume() {
      if (!this.signedIn) return false;
      try {
        await this.freshToken(15000);
        this._schedule();
        return true;
      } catch (e) {
        return false;
      }
    }

    _schedule() {
      clearTimeout(this.refreshTimer);
      if (!this.token) return;
      const remaining = this.expiresAt - Date.now();
      const delay = Math.min(2147483000, Math.max(5000, remaining * 0.8));
      this.refreshTimer = setTimeout(() => {
        this.refresh().catch(() => {});
      }, delay);
    }

    /** Checks after the tab was hidden (timers are throttled there). */
    checkSoon() {
      if (this.token && this.expiresAt - Date.now() < 120000) this.refresh().catch(() => {});
    }

    /** Refreshes the token; on 401 signs in again with a dev token for the same user; else signs out. */
    refresh() {
      if (this.refreshing) return this.refreshing;
      const userId = this.userId;
      this.refreshing = (async () => {
        try {
          const res = await rawJson('POST', '/api/token/refresh', undefined, this.token);
          this._store(userId, res);
        } catch (e) {
          if (e.status === 401) {
            try {
              await this.signIn(userId); // dev mode: the sign-in is itself a dev token
            } catch (e2) {
              this.signOut('session expired: ' + e2.message);
              throw e2;
            }
          } else {
            // Network trouble or a draining node: try again soon, the current token may still be valid.
            clearTimeout(this.refreshTimer);
            this.refreshTimer = setTimeout(() => this.refresh().catch(() => {}), 10000);
            throw e;
          }
        } finally {
          this.refreshing = null;
        }
      })();
      return this.refreshing;
    }

    /** A token valid for at least minValidityMs more (refreshing first if needed). */
    async freshToken(minValidityMs = 30000) {
      if (!this.token) throw new HttpError(401, 'unauthorized', 'not signed in');
      if (!(this.expiresAt - Date.now() > minValidityMs)) {
        try {
          await this.refresh();
        } catch (e) {
          if (!this.token || Date.now() >= this.expiresAt) throw e;
        }
      }
      return this.token;
    }

    /** JSON call with the Bearer token; on 401 refreshes once and retries. */
    async api(method, path, body) {
      const token = await this.freshToken();
      try {
        return await rawJson(method, path, body, token);
      } catch (e) {
        if (e.status !== 401) throw e;
        await this.refresh();
        return rawJson(method, path, body, this.token);
      }
    }

    /**
     * Why could the live connection not open? 'unreachable': the node is down, draining or starting (GET /health is
     * not 200); 'unauthorized': the token is refused even after a refresh; 'ok': HTTP works and the token is good.
     */
    async probe() {
      try {
        const res = await fetch(apiBase + '/health', { cache: 'no-store' });
        if (!res.ok) return 'unreachable';
      } catch (e) {
        return 'unreachable';
      }
      try {
        await this.api('GET', '/api/conversations');
        return 'ok';
      } catch (e) {
        if (e.status === 401) return 'unauthorized';
        return e.status === 0 || e.status >= 500 ? 'unreachable' : 'ok';
      }
    }
  }

  /** PUT the file to a (pre-signed) upload URL; retries with the Bearer token if the URL is ours and says 401. */
  async function upload(uploadUrl, file, contentType, auth) {
    const origin = apiBase || location.origin;
    const target = new URL(uploadUrl, origin + '/');
    const put = (withAuth) => {
      const headers = { 'Content-Type': contentType };
      if (withAuth) headers.Authorization = 'Bearer ' + auth.token;
      return fetch(target.href, { method: 'PUT', headers, body: file, cache: 'no-store' });
    };
    let res = await put(false);
    if (res.status === 401 && target.origin === new URL(origin).origin) res = await put(true);
    if (!res.ok) {
      let code = 'http_' + res.status;
      let message = res.statusText;
      try {
        const j = await res.json();
        code = j.code || code;
        message = j.message || message;
      } catch (e) { /* not JSON */ }
      throw new HttpError(res.status, code, 'upload failed: ' + message);
    }
  }

  L.HttpError = HttpError;
  L.Auth = Auth;
  L.upload = upload;
  L.setApiBase = setApiBase;
  L.apiOrigin = () => apiBase || location.origin;
})(window.Lattice);
