// Send->ack and send->deliver latency on a running region (e.g. `./lattice demo`), over real WebSockets.
// Bounded: COUNT messages at RATE msg/s, then it exits. Loopback targets only.
//   node --experimental-websocket docs/tools/latency-probe.mjs [COUNT=2000] [RATE=200] [SENDER_PORT=8081] [RECEIVER_PORT=8082]
const [count = 2000, rate = 200, senderPort = 8081, receiverPort = 8082] = process.argv.slice(2).map(Number);
const base = (port) => `http://127.0.0.1:${port}`;
const token = async (user, port) => (await (await fetch(`${base(port)}/api/dev/token`, {
  method: 'POST', body: JSON.stringify({ userId: user }) })).json()).token;
const run = Date.now().toString(36);
const alice = `probe-a-${run}`, bob = `probe-b-${run}`;
const ta = await token(alice, senderPort), tb = await token(bob, receiverPort);
const conv = await (await fetch(`${base(senderPort)}/api/conversations`, { method: 'POST',
  headers: { Authorization: `Bearer ${ta}` }, body: JSON.stringify({ type: 'direct', participants: [bob] }) })).json();
const open = (port, t) => new Promise((resolve, reject) => {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${t}`);
  ws.onerror = reject;
  ws.onmessage = (e) => { if (JSON.parse(e.data).type === 'ready') { ws.onmessage = null; resolve(ws); } };
});
const a = await open(senderPort, ta), b = await open(receiverPort, tb);
const sentAt = new Map(), ack = [], deliver = [];
let errors = 0;
a.onmessage = (e) => {
  const f = JSON.parse(e.data);
  if (f.type === 'ack') ack.push(performance.now() - sentAt.get(f.clientMsgId));
  if (f.type === 'error') errors++;
};
const done = new Promise((resolve) => {
  b.onmessage = (e) => {
    const f = JSON.parse(e.data);
    if (f.type !== 'message') return;
    deliver.push(performance.now() - sentAt.get(f.message.content));
    if (deliver.length === count) resolve();
  };
});
const started = performance.now();
for (let i = 0; i < count; i++) {
  const id = `c${i}`;
  sentAt.set(id, performance.now());
  a.send(JSON.stringify({ type: 'send', clientMsgId: id, conversationId: conv.conversationId, content: id }));
  const due = started + ((i + 1) * 1000) / rate;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}
await Promise.race([done, new Promise((r) => setTimeout(r, 30000))]);
const pct = (xs, p) => { const s = [...xs].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const fmt = (xs) => `p50=${pct(xs, 0.5).toFixed(2)} p90=${pct(xs, 0.9).toFixed(2)} p99=${pct(xs, 0.99).toFixed(2)} max=${Math.max(...xs).toFixed(2)} ms`;
console.log(`sent=${count} rate=${rate}/s acked=${ack.length} delivered=${deliver.length} errors=${errors}`);
console.log(`send->ack     ${fmt(ack)}`);
console.log(`send->deliver ${fmt(deliver)} (sender on :${senderPort}, receiver on :${receiverPort})`);
process.exit(0);
