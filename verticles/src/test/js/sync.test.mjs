// The web app's sync timing (webroot/sync.js on lattice.js's Timeline and SyncScheduler) and lattice.js's Client on
// the same scheduler, under Node's mocked timers: `node --test verticles/src/test/js/` (run by WebSyncNodeTest).
import { test, mock, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const WEBROOT = '../../main/resources/webroot/';
globalThis.Lattice = require(WEBROOT + 'lattice.js');
require(WEBROOT + 'sync.js'); // a browser script: adds ConversationSyncs to globalThis.Lattice
const L = globalThis.Lattice;

const CONV = 'c1';

function cursorOf(regions) {
  return Buffer.from(JSON.stringify(regions)).toString('base64url');
}

function decode(cursor) {
  return cursor == null ? null : JSON.parse(Buffer.from(cursor, 'base64url').toString());
}

function msg(seq, region = 'us-east') {
  return { messageId: region + '-' + seq, conversationId: CONV, sourceRegion: region, seq, lamport: seq };
}

/** A ConversationSyncs whose socket records the sync frames written. */
function page(options = {}) {
  const sent = [];
  const syncs = new L.ConversationSyncs({
    send: (frame) => { sent.push(frame); return true; },
    limit: 100,
    backoff: () => 100, // retry after 100 + 100 ms
    ...options,
  });
  return { syncs, sent };
}

/** Answers the last sync with these messages; the server's cursor covers them. */
function answer(syncs, messages, cursor, hasMore = false) {
  return syncs.result({ type: 'sync_result', conversationId: CONV, messages, cursor: cursorOf(cursor), hasMore });
}

beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'setInterval'] }));
afterEach(() => mock.timers.reset());

test('live messages in order move the cursor and sync nothing', () => {
  const { syncs, sent } = page();
  syncs.request(CONV);
  answer(syncs, [msg(1)], { 'us-east': 1 });
  syncs.live(msg(2));
  syncs.live(msg(1, 'eu-west'));
  mock.timers.tick(20000);
  assert.equal(sent.length, 1);
  assert.deepEqual(decode(syncs.cursor(CONV)), { 'us-east': 2, 'eu-west': 1 });
});

test('a live message past a hole syncs from the last contiguous seq after 1 s', () => {
  const { syncs, sent } = page();
  syncs.request(CONV);
  answer(syncs, [msg(1), msg(2)], { 'us-east': 2 });
  syncs.live(msg(4));
  mock.timers.tick(999);
  assert.equal(sent.length, 1, 'not before 1 s: the missing one is usually just late');
  mock.timers.tick(1);
  assert.equal(sent.length, 2);
  assert.deepEqual(decode(sent[1].cursor), { 'us-east': 2 });
  answer(syncs, [msg(3), msg(4)], { 'us-east': 4 });
  syncs.live(msg(5));
  mock.timers.tick(20000);
  assert.equal(sent.length, 2, 'no hole left');
  assert.deepEqual(decode(syncs.cursor(CONV)), { 'us-east': 5 });
});

test('a hole filled live within the second needs no sync', () => {
  const { syncs, sent } = page();
  syncs.live(msg(1));
  syncs.live(msg(3));
  mock.timers.tick(500);
  syncs.live(msg(2));
  mock.timers.tick(20000);
  assert.equal(sent.length, 0);
  assert.deepEqual(decode(syncs.cursor(CONV)), { 'us-east': 3 });
});

test('a hole the serving region has too is asked for again after each answer until it is filled', () => {
  const { syncs, sent } = page();
  syncs.live(msg(1));
  syncs.live(msg(3));
  mock.timers.tick(1000);
  assert.equal(sent.length, 1);
  answer(syncs, [], { 'us-east': 1 }); // not there yet
  mock.timers.tick(1099);
  assert.equal(sent.length, 1, 'backing off: 1 s + backoff (100 ms here)');
  mock.timers.tick(1);
  assert.equal(sent.length, 2, 'asked again');
  answer(syncs, [], { 'us-east': 1 });
  mock.timers.tick(5000);
  assert.equal(sent.length, 3);
  answer(syncs, [msg(2), msg(3)], { 'us-east': 3 });
  mock.timers.tick(20000);
  assert.equal(sent.length, 3);
});

test('server errors are retried with backoff, other errors are reported', () => {
  const { syncs, sent } = page();
  for (const code of ['unavailable', 'internal', 'rate_limited']) {
    syncs.request(CONV);
    const before = sent.length;
    assert.equal(syncs.error({ type: 'error', code, inReplyTo: 'sync', conversationId: CONV }), true, code);
    mock.timers.tick(199);
    assert.equal(sent.length, before, code + ': not at once');
    mock.timers.tick(1);
    assert.equal(sent.length, before + 1, code + ': retried');
    answer(syncs, [], {});
  }
  syncs.request(CONV);
  const before = sent.length;
  assert.equal(syncs.error({ type: 'error', code: 'bad_field', inReplyTo: 'sync', conversationId: CONV }), false);
  mock.timers.tick(20000);
  assert.equal(sent.length, before);
});

test('server trouble is retried for as long as it takes, a conversation not here yet 30 times', () => {
  const { syncs, sent } = page();
  const fail = (code) => syncs.error({ type: 'error', code, inReplyTo: 'sync', conversationId: CONV });
  syncs.request(CONV);
  for (let i = 1; i <= 40; i++) {
    assert.equal(fail('unavailable'), true, 'failure ' + i);
    mock.timers.tick(200);
    assert.equal(sent.length, i + 1);
  }
  answer(syncs, [], {});
  syncs.request(CONV);
  const before = sent.length;
  for (let i = 1; i < 30; i++) {
    assert.equal(fail('not_found'), true, 'not_found ' + i);
    mock.timers.tick(200);
  }
  assert.equal(fail('not_found'), false, 'the 30th is reported');
  mock.timers.tick(20000);
  assert.equal(sent.length, before + 29);
});

test('a retry planned while a hole sync is planned happens even if the hole fills meanwhile', () => {
  const { syncs, sent } = page();
  syncs.request(CONV);
  syncs.live(msg(1));
  syncs.live(msg(3)); // a hole sync planned in 1 s
  syncs.error({ type: 'error', code: 'internal', inReplyTo: 'sync', conversationId: CONV });
  syncs.live(msg(2)); // the hole fills
  mock.timers.tick(1000);
  assert.equal(sent.length, 2, 'the failed sync is retried');
});

test('retryAfterMs of the error sets the retry', () => {
  const { syncs, sent } = page();
  syncs.request(CONV);
  syncs.error({ type: 'error', code: 'rate_limited', inReplyTo: 'sync', conversationId: CONV, retryAfterMs: 3000 });
  mock.timers.tick(2999);
  assert.equal(sent.length, 1);
  mock.timers.tick(1);
  assert.equal(sent.length, 2);
});

test('one sync in flight per conversation; one unanswered for 15 s is sent again', () => {
  const { syncs, sent } = page();
  syncs.request(CONV);
  syncs.request(CONV);
  assert.equal(sent.length, 1);
  assert.equal(syncs.isSyncing(CONV), true);
  mock.timers.tick(14999);
  assert.equal(sent.length, 1);
  mock.timers.tick(1);
  assert.equal(sent.length, 2, 'resent after 15 s');
  answer(syncs, [], {});
  assert.equal(syncs.isSyncing(CONV), false);
  mock.timers.tick(60000);
  assert.equal(sent.length, 2);
});

test('a new socket forgets the syncs written on the old one', () => {
  const { syncs, sent } = page();
  syncs.request(CONV);
  syncs.reconnected();
  syncs.request(CONV);
  assert.equal(sent.length, 2);
});

test('more pages are asked for while the cursor moves, not when it stands still', () => {
  const { syncs, sent } = page();
  syncs.request(CONV);
  assert.equal(answer(syncs, [msg(1)], { 'us-east': 1 }, true), true);
  assert.equal(sent.length, 2);
  assert.deepEqual(decode(sent[1].cursor), { 'us-east': 1 });
  assert.equal(answer(syncs, [], { 'us-east': 1 }, true), false, 'the same page again would loop');
  assert.equal(sent.length, 2);
});

test('without a socket nothing is in flight, and the next request writes', () => {
  let open = false;
  const sent = [];
  const { syncs } = page({ send: (frame) => { if (open) sent.push(frame); return open; } });
  syncs.request(CONV);
  assert.equal(syncs.isSyncing(CONV), false);
  open = true;
  syncs.request(CONV);
  assert.equal(sent.length, 1);
});

/** lattice.js's Client on the same scheduler, its socket a recorder (no network: onReady is called directly). */
test('lattice.js Client: a live message past a hole syncs after 1 s; sync errors are retried', async () => {
  const client = new L.Client({ seeds: ['http://127.0.0.1:1'], WebSocket: class {}, backoffBaseMs: 100 });
  const written = [];
  const ws = { readyState: 1, send: (text) => written.push(JSON.parse(text)), close() {} };
  const syncs = () => written.filter((f) => f.type === 'sync');
  client.running = true;
  client.onReady(ws, { type: 'ready', region: 'us-east', node: 'n1', heartbeatSeconds: 30 }, {});
  const followed = client.follow(CONV);
  assert.equal(syncs().length, 1);
  client.onFrame({ type: 'sync_result', conversationId: CONV, messages: [msg(1)], cursor: cursorOf({ 'us-east': 1 }) });
  await followed;
  client.onFrame({ type: 'message', message: msg(3) });
  mock.timers.tick(999);
  assert.equal(syncs().length, 1);
  mock.timers.tick(1);
  assert.equal(syncs().length, 2);
  assert.deepEqual(decode(syncs()[1].cursor), { 'us-east': 1 });
  client.onFrame({ type: 'error', code: 'unavailable', inReplyTo: 'sync', conversationId: CONV });
  mock.timers.tick(1000);
  assert.equal(syncs().length, 3, 'retried');
  client.onFrame({ type: 'sync_result', conversationId: CONV, messages: [msg(2), msg(3)], cursor: cursorOf({ 'us-east': 3 }) });
  mock.timers.tick(20000);
  assert.equal(syncs().length, 3);
  assert.deepEqual(decode(client.timeline(CONV).cursor), { 'us-east': 3 });
  client.running = false;
  client.drop('done');
});
