import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from './harness.js';
import { messagesOf, packet, stream, streamMessage, LOOPBACK } from './wire-helpers.js';

function cluster(names: string[], h = new Harness()): Harness {
  for (const n of names) h.add(n);
  for (const n of names.slice(1)) h.join(n, names[0] as string);
  const ok = h.runUntilTrue(() => names.every((n) => h.aliveView(n).length === names.length), 20_000);
  assert.ok(ok, 'cluster formed');
  return h;
}

const sentTypes = (h: Harness, from: string, to: string, since: number) =>
  h.packets
    .filter((p) => p.from === from && p.to === to && p.at >= since)
    .flatMap((p) => messagesOf(p.bytes).map((m) => m.type));

test('a node a cannot reach is probed indirectly through the others and never suspected', () => {
  // Five nodes: kRandomNodes makes 3n random draws for helpers, so with three candidates a probe
  // practically always finds one (with 3 nodes, memberlist misses the only helper 2.6% of the time).
  const h = cluster(['a', 'b', 'c', 'd', 'e']);
  // a and c cannot talk at all (UDP and TCP); b reaches both.
  h.drop = (t) => (t.from === 'a' && t.to === 'c') || (t.from === 'c' && t.to === 'a');
  const since = h.now;
  h.runFor(20_000);
  const helpers = ['b', 'd', 'e'].filter((x) => sentTypes(h, 'a', x, since).includes('indirectPing'));
  assert.ok(helpers.length > 0, 'a asked others to probe c');
  assert.ok(
    helpers.some((x) => sentTypes(h, x, 'c', since).includes('ping')),
    'a helper pinged c on behalf of a',
  );
  for (const n of ['a', 'b', 'c', 'd', 'e']) {
    assert.equal(h.events(n).filter((e) => e.event.type === 'suspect').length, 0, `${n} suspected nobody`);
  }
  assert.equal(h.swim('a').healthScore(), 0, 'successful indirect probes keep a healthy');
});

test('a helper that cannot reach the target sends a nack; in time, it spares the prober a health point', () => {
  // probeTimeout 200 ms: the helper's nack (sent 200 ms after it got the request) lands well
  // inside the 1 s probe window.
  const h = cluster(['a', 'b', 'c'], new Harness({ config: { probeTimeoutMs: 200 } }));
  h.crash('c');
  const since = h.now;
  const dead = h.runUntilTrue(() => ['a', 'b'].every((n) => h.swim(n).member('c')?.state === 'dead'), 20_000);
  assert.ok(dead);
  const nacks =
    sentTypes(h, 'b', 'a', since).filter((t) => t === 'nack').length +
    sentTypes(h, 'a', 'b', since).filter((t) => t === 'nack').length;
  assert.ok(nacks > 0, 'a nack was sent');
  // Every failed probe of c had one helper that nacked: expected − received = 0, so no penalty.
  assert.equal(h.swim('a').healthScore(), 0);
  assert.equal(h.swim('b').healthScore(), 0);
});

test('with lan timings the nack lands just after the probe window, so a failed probe costs a point', () => {
  // memberlist 0.2.2: the helper waits ProbeTimeout (500 ms) after receiving the request, which
  // itself left ProbeTimeout after the probe started: the nack arrives one trip after the 1 s
  // window and is not counted.
  const h = cluster(['a', 'b', 'c']);
  h.crash('c');
  const raisedBy = () =>
    ['a', 'b'].find((n) => h.events(n).some((e) => e.event.type === 'suspect' && e.event.from === n));
  assert.ok(h.runUntilTrue(() => raisedBy() !== undefined, 20_000));
  const prober = raisedBy() as string;
  assert.equal(h.swim(prober).healthScore(), 1, 'the failed probe cost one point despite the helper');
  h.runFor(3_000);
  const helper = prober === 'a' ? 'b' : 'a';
  assert.ok(
    sentTypes(h, helper, prober, 0).includes('nack'),
    'the helper did send its nack (too late to count)',
  );
});

test('without nacks a failed probe costs one health point (Lifeguard awareness)', () => {
  const h = cluster(['a', 'b', 'c']);
  // a hears nothing from anybody: its probes fail and no nack comes back.
  h.drop = (t) => t.to === 'a';
  h.runUntilTrue(() => h.swim('a').healthScore() >= 2, 20_000);
  assert.ok(h.swim('a').healthScore() >= 2, `score ${h.swim('a').healthScore()}`);
  h.drop = () => false;
  h.runFor(60_000);
  assert.equal(h.swim('a').healthScore(), 0, 'successful probes bring the score back to 0');
});

test('the TCP fallback ping prevents suspicion when only UDP is lost', () => {
  const h = cluster(['a', 'c']);
  h.drop = (t) =>
    t.kind === 'packet' && ((t.from === 'a' && t.to === 'c') || (t.from === 'c' && t.to === 'a'));
  h.runFor(20_000);
  assert.equal(h.events('a').filter((e) => e.event.type === 'suspect').length, 0, 'a never suspects c');
  assert.equal(h.swim('a').member('c')?.state, 'alive');
});

test('with TCP pings disabled the same UDP loss gets the node suspected', () => {
  const h = new Harness({ config: { disableTcpPings: true } });
  cluster(['a', 'c'], h);
  h.drop = (t) =>
    t.kind === 'packet' && ((t.from === 'a' && t.to === 'c') || (t.from === 'c' && t.to === 'a'));
  const suspected = h.runUntilTrue(() => h.events('a').some((e) => e.event.type === 'suspect'), 20_000);
  assert.ok(suspected);
});

test('a TCP ping is answered with an ack on the stream; a ping for another node is not', () => {
  const h = new Harness();
  const a = h.add('a');
  const from = { ip: '127.0.0.1', port: 9999 };
  const reply = a.handleStream(h.now, from, stream({ type: 'ping', body: { seqNo: 42, node: 'a' } }));
  assert.ok(reply !== null);
  assert.deepEqual(streamMessage(reply), { type: 'ack', body: { seqNo: 42, payload: null } });
  assert.equal(a.handleStream(h.now, from, stream({ type: 'ping', body: { seqNo: 43, node: 'zz' } })), null);
});

test('pings are answered only when addressed to us or to anyone, at SourceAddr:SourcePort when given', () => {
  const h = new Harness();
  const a = h.add('a');
  const from = { ip: '127.0.0.1', port: 9999 };
  a.handlePacket(h.now, from, packet({ type: 'ping', body: { seqNo: 1, node: 'someone-else' } }));
  assert.equal(a.drainOutputs().length, 0, 'ping for another node dropped');
  a.handlePacket(h.now, from, packet({ type: 'ping', body: { seqNo: 2, node: '' } }));
  const o1 = a.drainOutputs();
  assert.equal(o1.length, 1);
  assert.deepEqual(o1[0]?.to, from, 'no source fields: reply to the packet source');
  a.handlePacket(
    h.now,
    from,
    packet({
      type: 'ping',
      body: { seqNo: 3, node: 'a', sourceAddr: LOOPBACK, sourcePort: 8000, sourceNode: 'x' },
    }),
  );
  const o2 = a.drainOutputs();
  assert.equal(o2.length, 1);
  assert.deepEqual(o2[0]?.to, { ip: '127.0.0.1', port: 8000 });
  const ack = o2[0]?.kind === 'packet' ? messagesOf(o2[0].bytes)[0] : undefined;
  assert.deepEqual(ack, { type: 'ack', body: { seqNo: 3, payload: null } });
});

test('garbage packets and streams are counted and dropped, never thrown', () => {
  const h = new Harness();
  const a = h.add('a');
  const from = { ip: '127.0.0.1', port: 9999 };
  const junk = [
    new Uint8Array(0),
    Uint8Array.from([0]),
    Uint8Array.from([7, 3, 0]),
    Uint8Array.from([4, 0x81, 0xa1]),
    Uint8Array.from([200, 1, 2]),
  ];
  for (const j of junk) a.handlePacket(h.now, from, j);
  assert.ok(a.counters.decodeErrors >= junk.length - 1, `decode errors ${a.counters.decodeErrors}`);
  const reply = a.handleStream(h.now, from, Uint8Array.from([4, 0x81]));
  assert.ok(reply !== null);
  assert.equal(streamMessage(reply).type, 'err', 'a failed stream read is answered with an error message');
  a.assertInvariants();
});
