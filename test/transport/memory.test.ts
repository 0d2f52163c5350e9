import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventHeap } from '../../src/transport/event-heap.js';
import { MemoryNetwork, NetEventKind, type LinkParams, type NetRecord } from '../../src/transport/memory.js';
import { SeededRandom } from '../../src/core/random.js';
import { ConfigError } from '../../src/wire/errors.js';

/** A network of `n` endpoints whose deliveries land on a heap we drain by hand. */
function rig(seed: number, n: number, link: Partial<LinkParams> = {}) {
  const heap = new EventHeap<NetRecord>();
  const net = new MemoryNetwork({ random: new SeededRandom(seed), schedule: (r) => heap.push(r), link });
  for (let i = 0; i < n; i++) net.addEndpoint({ ip: `127.0.0.${i + 1}`, port: 7946 });
  const drain = (): NetRecord[] => {
    const out: NetRecord[] = [];
    for (let r = heap.pop(); r !== undefined; r = heap.pop()) out.push(r);
    return out;
  };
  return { net, heap, drain };
}

function seqBytes(i: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, i);
  return b;
}
const seqOf = (b: Uint8Array): number => new DataView(b.buffer, b.byteOffset).getUint32(0);

test('the loss rate stays within five standard deviations of the configured probability', () => {
  const n = 20_000;
  for (const seed of [1, 2, 3]) {
    for (const p of [0.05, 0.1, 0.3]) {
      const { net, drain } = rig(seed, 2, { loss: p });
      for (let i = 0; i < n; i++) net.send(0, 0, net.address(1), seqBytes(i));
      const delivered = drain().length;
      const lost = n - delivered;
      const sd = Math.sqrt(n * p * (1 - p));
      assert.ok(Math.abs(lost - n * p) < 5 * sd, `seed ${seed} p ${p}: lost ${lost} of ${n}`);
      assert.equal(net.stats.lostToLoss, lost);
    }
  }
});

test('a symmetric partition drops both ways, a one-way cut only one way, and heal restores both', () => {
  const { net, drain } = rig(7, 4);
  const cut = net.partition([0, 1], [2, 3]);
  net.send(0, 0, net.address(2), seqBytes(1));
  net.send(0, 3, net.address(1), seqBytes(2));
  net.send(0, 0, net.address(1), seqBytes(3)); // same side
  net.send(0, 2, net.address(3), seqBytes(4)); // same side
  assert.deepEqual(
    drain().map((r) => (r.kind === NetEventKind.packet ? seqOf(r.bytes) : -1)),
    [3, 4],
  );
  assert.equal(net.stats.lostToPartition, 2);
  net.heal(cut);
  const oneWay = net.partition([0], [2], true);
  net.send(0, 0, net.address(2), seqBytes(5)); // cut
  net.send(0, 2, net.address(0), seqBytes(6)); // allowed
  assert.deepEqual(
    drain().map((r) => (r.kind === NetEventKind.packet ? seqOf(r.bytes) : -1)),
    [6],
  );
  net.heal(oneWay);
  net.send(0, 0, net.address(2), seqBytes(7));
  assert.equal(drain().length, 1);
});

test('duplication delivers identical copies at about the configured rate', () => {
  const n = 10_000;
  const p = 0.1;
  const { net, drain } = rig(11, 2, { duplicate: p });
  for (let i = 0; i < n; i++) net.send(0, 0, net.address(1), seqBytes(i));
  const recs = drain();
  const extra = recs.length - n;
  const sd = Math.sqrt(n * p * (1 - p));
  assert.ok(Math.abs(extra - n * p) < 5 * sd, `extra copies ${extra}`);
  const counts = new Map<number, number>();
  for (const r of recs)
    if (r.kind === NetEventKind.packet) counts.set(seqOf(r.bytes), (counts.get(seqOf(r.bytes)) ?? 0) + 1);
  assert.equal(counts.size, n, 'every packet arrives at least once');
  assert.ok([...counts.values()].every((c) => c === 1 || c === 2));
});

test('without jitter packets arrive in send order; with reordering some arrive out of order', () => {
  const inOrder = rig(5, 2, { delayMs: 2, jitterMs: 0 });
  for (let i = 0; i < 1000; i++) inOrder.net.send(i, 0, inOrder.net.address(1), seqBytes(i));
  const a = inOrder.drain().map((r) => (r.kind === NetEventKind.packet ? seqOf(r.bytes) : -1));
  assert.deepEqual(
    a,
    [...a].sort((x, y) => x - y),
  );

  const shuffled = rig(5, 2, { delayMs: 2, jitterMs: 0, reorder: 0.2, reorderMs: 20 });
  for (let i = 0; i < 1000; i++) shuffled.net.send(i, 0, shuffled.net.address(1), seqBytes(i));
  const b = shuffled.drain().map((r) => (r.kind === NetEventKind.packet ? seqOf(r.bytes) : -1));
  let inversions = 0;
  for (let i = 1; i < b.length; i++) if ((b[i] as number) < (b[i - 1] as number)) inversions++;
  assert.ok(inversions > 50, `only ${inversions} inversions`);
  assert.equal(b.length, 1000, 'reordering loses nothing');
  assert.ok(shuffled.net.stats.reordered > 100);
});

test('packet delay is the base delay plus jitter, never less and never more', () => {
  const { net, drain } = rig(9, 2, { delayMs: 5, jitterMs: 3 });
  for (let i = 0; i < 2000; i++) net.send(100, 0, net.address(1), seqBytes(i));
  const ts = new Set(drain().map((r) => r.t));
  assert.deepEqual([...ts].sort(), [105, 106, 107, 108]);
});

test('a stream is answered after request and reply legs; a crashed acceptor refuses; across a partition the host is unreachable', () => {
  const { net, drain } = rig(3, 3, { delayMs: 4, jitterMs: 0 });
  const req = Uint8Array.of(1, 2, 3);
  net.openStream(0, 0, { id: 1, to: net.address(1), bytes: req, deadline: 1000, expectReply: true });
  let recs = drain();
  // The request arrives after connect (one round trip) plus one leg; the timeout is also queued.
  const arrival = recs.find((r) => r.kind === NetEventKind.streamRequest);
  assert.ok(arrival && arrival.kind === NetEventKind.streamRequest);
  assert.equal(arrival.t, 12);
  net.replyStream(arrival.t, arrival.stream, Uint8Array.of(9));
  recs = drain();
  assert.deepEqual(
    recs.map((r) => [r.kind, r.t]),
    [[NetEventKind.streamReply, 16]],
  );
  // The pending timeout at the deadline was already drained above; settle() makes the driver
  // ignore whichever outcome comes second.
  assert.equal(net.settle(arrival.stream, false), true);
  assert.equal(net.settle(arrival.stream, true), false);

  net.setDown(1);
  net.openStream(20, 0, { id: 2, to: net.address(1), bytes: req, deadline: 1020, expectReply: true });
  recs = drain();
  assert.equal(recs.length, 1);
  const refused = recs[0];
  assert.ok(refused && refused.kind === NetEventKind.streamFailure);
  assert.deepEqual(refused.failure, { kind: 'refused' });
  assert.equal(refused.t, 28);

  net.partition([0], [2]);
  net.openStream(30, 0, { id: 3, to: net.address(2), bytes: req, deadline: 530, expectReply: true });
  recs = drain();
  assert.equal(recs.length, 1);
  const cut = recs[0];
  assert.ok(cut && cut.kind === NetEventKind.streamFailure);
  assert.deepEqual([cut.t, cut.failure], [530, { kind: 'unreachable' }]);
});

test('stream loss costs retransmission time, so heavy loss pushes streams past their deadline', () => {
  const { net, drain } = rig(21, 2, { delayMs: 1, jitterMs: 0, loss: 0.5 });
  let late = 0;
  for (let i = 0; i < 200; i++) {
    net.openStream(0, 0, {
      id: i,
      to: net.address(1),
      bytes: Uint8Array.of(1),
      deadline: 500,
      expectReply: true,
    });
  }
  for (const r of drain()) if (r.kind === NetEventKind.streamFailure && r.t === 500) late++;
  // P(no SYN/SYN-ACK/data loss) = 1/8, and any SYN loss alone costs 1 s > 500 ms.
  assert.ok(late > 100 && late <= 200, `late ${late}`);
});

test('bad link parameters are rejected with every problem listed', () => {
  assert.throws(
    () => rig(1, 1, { loss: 2, delayMs: -1 }),
    (e: unknown) => e instanceof ConfigError && e.problems.length === 2,
  );
});

test('a handshake past its connect deadline is unreachable then; a connected stream past its deadline times out', () => {
  const { net, drain } = rig(22, 2, { delayMs: 1, jitterMs: 0, loss: 0.5 });
  const kinds = new Map<string, number[]>();
  for (let i = 0; i < 400; i++) {
    net.openStream(0, 0, {
      id: i,
      to: net.address(1),
      bytes: Uint8Array.of(1),
      deadline: 800,
      connectDeadline: 100,
      expectReply: true,
    });
  }
  for (const r of drain()) {
    if (r.kind !== NetEventKind.streamFailure) continue;
    const ts = kinds.get(r.failure.kind) ?? [];
    ts.push(r.t);
    kinds.set(r.failure.kind, ts);
  }
  // Half the SYNs (or SYN-ACKs) are lost and retransmitted after 1 s: past the connect deadline.
  const unreachable = kinds.get('unreachable') ?? [];
  assert.ok(unreachable.length > 200 && unreachable.length < 350, `${unreachable.length} unreachable`);
  assert.deepEqual([...new Set(unreachable)], [100]);
  // Those that connected either got their request through or time out at the deadline, never sooner.
  assert.deepEqual([...new Set(kinds.get('timeout') ?? [800])], [800]);
  assert.deepEqual([...kinds.keys()].sort(), ['timeout', 'unreachable']);
});
