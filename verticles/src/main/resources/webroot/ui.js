'use strict';
/*
 * Lattice web client: DOM helpers and rendering.
 *
 * Every piece of user or server content goes into the page through textContent, setAttribute or dataset,
 * never through innerHTML (see app.js for the list of element ids and data attributes tests rely on).
 */
window.Lattice = window.Lattice || {};
(function (L) {

  /** el('li', {class: 'x', text: 'hi', dataset: {a: 1}, onclick: fn}, child1, [child2, 'text']) */
  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (v === undefined || v === null || v === false) continue;
        if (k === 'class') e.className = v;
        else if (k === 'text') e.textContent = String(v);
        else if (k === 'dataset') {
          for (const [dk, dv] of Object.entries(v)) {
            if (dv !== undefined && dv !== null) e.dataset[dk] = String(dv);
          }
        } else if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
        else e.setAttribute(k, v === true ? '' : String(v));
      }
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  /** Accepts epoch millis, epoch seconds, numeric strings or ISO-8601 strings; returns epoch millis or NaN. */
  function toMillis(v) {
    if (v === undefined || v === null || v === '') return NaN;
    if (typeof v === 'number') return v < 1e12 ? v * 1000 : v;
    if (typeof v === 'string' && /^\d+(\.\d+)?$/.test(v)) return toMillis(Number(v));
    return Date.parse(v);
  }

  function formatTime(v) {
    const ms = toMillis(v);
    if (!Number.isFinite(ms)) return '';
    const d = new Date(ms);
    const now = new Date();
    const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    if (d.toDateString() === now.toDateString()) return time;
    return d.toLocaleDateString([], { month: 'short', day: 'numeric' }) + ' ' + time;
  }

  /** Only http(s) URLs (absolute or relative to the page) are ever put in src/href. */
  function safeUrl(u) {
    if (typeof u !== 'string' || u === '') return null;
    try {
      const url = new URL(u, location.href);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function withToken(u, token) {
    const safe = safeUrl(u);
    if (!safe) return null;
    if (!token) return safe;
    return safe + (safe.includes('?') ? '&' : '?') + 'token=' + encodeURIComponent(token);
  }

  // ---- presence dots --------------------------------------------------------------------------------------------

  function presenceDot(userId, presence) {
    const dot = el('span', { class: 'presence-dot', dataset: { user: userId } });
    updatePresenceDot(dot, presence);
    return dot;
  }

  function updatePresenceDot(dot, presence) {
    const state = !presence ? 'unknown' : presence.online ? 'true' : 'false';
    dot.dataset.online = state;
    let title = dot.dataset.user + ': ';
    if (state === 'unknown') title += 'presence unknown';
    else if (state === 'false') title += 'offline';
    else {
      const regions = presence.regions && typeof presence.regions === 'object' ? presence.regions : {};
      const parts = Object.entries(regions).map(([r, n]) => r + ' (' + n + ')');
      title += 'online' + (parts.length ? ' in ' + parts.join(', ') : '');
    }
    dot.title = title;
    dot.setAttribute('aria-label', title);
  }

  function refreshPresenceDots(userId, presence) {
    for (const dot of $$('.presence-dot')) {
      if (dot.dataset.user === userId) updatePresenceDot(dot, presence);
    }
  }

  // ---- errors ---------------------------------------------------------------------------------------------------

  function showError(code, message, extra) {
    const box = $('#errors');
    if (!box) return;
    const item = el('div', { class: 'error-toast', role: 'status', dataset: { code: code || 'error' } },
      el('span', { class: 'error-code', text: code || 'error' }),
      el('span', { class: 'error-message', text: message || '' }),
      extra ? el('span', { class: 'error-extra', text: extra }) : null);
    item.title = 'click to dismiss';
    item.addEventListener('click', () => item.remove());
    box.append(item);
    while (box.children.length > 4) box.firstElementChild.remove();
    setTimeout(() => item.remove(), 8000);
  }

  /** A short notice; opts: {ms (default 4000), class (added), dataset}. */
  function notice(text, opts) {
    const box = $('#errors');
    if (!box) return;
    const o = opts || {};
    const item = el('div', { class: 'notice-toast' + (o.class ? ' ' + o.class : ''), role: 'status', text, dataset: o.dataset });
    box.append(item);
    setTimeout(() => item.remove(), o.ms || 4000);
  }

  // ---- connection state -----------------------------------------------------------------------------------------

  const STATE_LABEL = {
    connecting: 'connecting…',
    connected: 'connected',
    reconnecting: 'reconnecting…',
    offline: 'offline',
  };

  function renderConnState(info) {
    const box = $('#conn-state');
    if (!box) return;
    box.dataset.state = info.state;
    box.dataset.transport = info.transport || '';
    box.dataset.region = info.region || '';
    box.dataset.node = info.node || '';
    $('#conn-region').textContent = info.state === 'connected' ? info.region || '' : '';
    $('#conn-node').textContent = info.state === 'connected' ? info.node || '' : '';
    let label = STATE_LABEL[info.state] || info.state;
    if (info.state === 'connected') label = 'connected to';
    if (info.state === 'reconnecting' && info.retryInMs > 0) {
      label = 'reconnecting in ' + Math.max(1, Math.round(info.retryInMs / 1000)) + ' s…';
    }
    $('#conn-label').textContent = label;
    $('#conn-transport').textContent = info.state === 'connected' && info.transport ? 'via ' + info.transport : '';
  }

  L.ui = {
    el, $, $$, clear, toMillis, formatTime, safeUrl, withToken,
    presenceDot, updatePresenceDot, refreshPresenceDots,
    showError, notice, renderConnState,
  };
})(window.Lattice);
