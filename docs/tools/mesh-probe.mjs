// Cross-region latency on a running deployment (e.g. `./lattice demo`), over real WebSockets, like real clients:
// a sender connected to one region, a receiver to another. Measures send->ack, send->deliver, and send->delivered
// checkmark at the sender (the receiver acknowledges each message with a `receipt` frame, status delivered).
// It waits until the sender's region sees the receiver online in the receiver's region (presence replicated),
// so the figures are those of the live path, then sends COUNT messages at RATE msg/s spread over PAIRS pairs.
// Bounded in count and time; loopback targets only.
//   node --experimental-websocket docs/tools/mesh-probe.mjs [COUNT=2000] [RATE=100] [SENDER_PORT=8081]
//        [RECEIVER_PORT=8082] [PAIRS=10]
const [count = 2000, rate = 100, senderPort = 8081, receiverPort = 8082, pairs = 10] =
  process.argv.slice(2).map(Number);
const base = (port) => `http://127.0.0.1:${port}`;
const post = async (port, path, body, token) => (await fetch(`${base(port)}${path}`, {
  method: 'POST', headers: token ? { Authorization: `Bearer ${token}` } : {}, body: JSON.stringify(body) })).json();
const get = async (port, path, token) => (await fetch(`${base(port)}${path}`, {
  headers: { Authorization: `Bearer ${token}` } })).json();
const open = (port, t) => new Promise((resolve, reject) => {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${t}`);
  ws.onerror = reject;
  ws.onmessage = (e) => { if (JSON.parse(e.data).type === 'ready') { ws.onmessage = null; resolve(ws); } };
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const regionOf = async (port) => (await (await fetch(`${base(port)}/api/regions`)).json()).self.region;
const senderRegion = await regionOf(senderPort), receiverRegion = await regionOf(receiverPort);
const run = Date.now().toString(36);
const sentAt = new Map(), sentByMessageId = new Map(), ack = [], deliver = [], checkmark = [];
let errors = 0, duplicates = 0;
const seen = new Set();
const links = [];
for (let p = 0; p < pairs; p++) {
  const alice = `mp-a${p}-${run}`, bob = `mp-b${p}-${run}`;
  const ta = (await post(senderPort, '/api/dev/token', { userId: alice })).token;
  const tb = (await post(receiverPort, '/api/dev/token', { userId: bob })).token;
  const conv = await post(senderPort, '/api/conversations', { type: 'direct', participants: [bob] }, ta);
  const a = await open(senderPort, ta), b = await open(receiverPort, tb);
  a.onmessage = (e) => {
    const f = JSON.parse(e.data);
    if (f.type === 'ack') ack.push(performance.now() - sentAt.get(f.clientMsgId));
    else if (f.type === 'receipt' && f.deliveredAt > 0 && sentByMessageId.has(f.messageId)) {
      checkmark.push(performance.now() - sentByMessageId.get(f.messageId));
      sentByMessageId.delete(f.messageId);
    } else if (f.type === 'error') errors++;
  };
  b.onmessage = (e) => {
    const f = JSON.parse(e.data);
    if (f.type !== 'message') return;
    if (seen.has(f.message.messageId)) { duplicates++; return; }
    seen.add(f.message.messageId);
    deliver.push(performance.now() - sentAt.get(f.message.content));
    sentByMessageId.set(f.message.messageId, sentAt.get(f.message.content));
    b.send(JSON.stringify({ type: 'receipt', conversationId: f.message.conversationId, status: 'delivered',
      messageIds: [f.message.messageId] }));
  };
  links.push({ a, ta, bob, conv });
}
// Live routing needs the sender's region to know where the receivers are: wait for presence to replicate.
const presenceDeadline = Date.now() + 20000;
for (const { ta, bob } of links) {
  for (;;) {
    const p = await get(senderPort, `/api/presence/${bob}`, ta);
    if (p.regions && p.regions[receiverRegion] > 0) break;
    if (Date.now() > presenceDeadline) { console.log(`presence of ${bob} not replicated in 20 s`); break; }
    await sleep(50);
  }
}
const started = performance.now();
for (let i = 0; i < count; i++) {
  const { a, conv } = links[i % links.length];
  const id = `c${i}`;
  sentAt.set(id, performance.now());
  a.send(JSON.stringify({ type: 'send', clientMsgId: id, conversationId: conv.conversationId, content: id }));
  const due = started + ((i + 1) * 1000) / rate;
  const wait = due - performance.now();
  if (wait > 0) await sleep(wait);
}
const deadline = Date.now() + 30000;
while ((deliver.length < count || checkmark.length < count) && Date.now() < deadline) await sleep(50);
const pct = (xs, p) => { const s = [...xs].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const fmt = (xs) => xs.length === 0 ? 'none' : `p50=${pct(xs, 0.5).toFixed(1)} p90=${pct(xs, 0.9).toFixed(1)} p99=${pct(xs, 0.99).toFixed(1)} max=${Math.max(...xs).toFixed(1)} ms`;
console.log(`${senderRegion} -> ${receiverRegion}: sent=${count} rate=${rate}/s pairs=${pairs} acked=${ack.length} delivered=${deliver.length} duplicates=${duplicates} checkmarks=${checkmark.length} errors=${errors}`);
console.log(`send->ack       ${fmt(ack)}`);
console.log(`send->deliver   ${fmt(deliver)}`);
console.log(`send->delivered checkmark at sender ${fmt(checkmark)}`);
process.exit(0);
