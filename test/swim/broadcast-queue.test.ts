import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TransmitLimitedQueue, retransmitLimit } from '../../src/swim/broadcast-queue.js';

const msg = (len: number, fill = 1) => new Uint8Array(len).fill(fill);

test('retransmit limits are 4/8/12 for the lan multiplier at 9, 99 and 999 nodes', () => {
  assert.equal(retransmitLimit(4, 1), 4);
  assert.equal(retransmitLimit(4, 9), 4);
  assert.equal(retransmitLimit(4, 10), 8);
  assert.equal(retransmitLimit(4, 99), 8);
  assert.equal(retransmitLimit(4, 100), 12);
  assert.equal(retransmitLimit(4, 999), 12);
  assert.equal(retransmitLimit(4, 1000), 16);
});

for (const [n, limit] of [
  [3, 4],
  [50, 8],
  [500, 12],
] as const) {
  test(`a broadcast is handed out exactly ${limit} times with ${n} nodes, then finishes`, () => {
    const q = new TransmitLimitedQueue({ retransmitMult: 4, numNodes: () => n });
    let finished = 0;
    q.queue(msg(10), 'x', () => finished++);
    let handed = 0;
    for (let i = 0; i < 100; i++) handed += q.getBroadcasts(2, 1400).length;
    assert.equal(handed, limit);
    assert.equal(finished, 1);
    assert.equal(q.numQueued(), 0);
  });
}

test('a new broadcast about the same node replaces the queued one (named invalidation)', () => {
  const q = new TransmitLimitedQueue({ retransmitMult: 4, numNodes: () => 3 });
  const finished: string[] = [];
  q.queue(msg(10, 1), 'node-a', () => finished.push('suspect a'));
  q.queue(msg(10, 2), 'node-b', () => finished.push('alive b'));
  q.queue(msg(12, 3), 'node-a', () => finished.push('alive a'));
  assert.deepEqual(finished, ['suspect a']);
  assert.equal(q.numQueued(), 2);
  const out = q.getBroadcasts(2, 1400);
  assert.deepEqual(
    out.map((m) => m[0]),
    [3, 2],
  );
  // Unnamed (Serf) broadcasts are never replaced.
  q.queue(msg(5, 9));
  q.queue(msg(5, 9));
  assert.equal(q.numQueued(), 4);
});

test('selection: fewest transmits first, then the largest that fits, ties to the newest', () => {
  const q = new TransmitLimitedQueue({ retransmitMult: 4, numNodes: () => 3 });
  q.queue(msg(100, 1), 'a');
  q.getBroadcasts(0, 1400); // a now has 1 transmit
  q.queue(msg(10, 2), 'b');
  q.queue(msg(50, 3), 'c');
  q.queue(msg(50, 4), 'd');
  // Budget 120 with overhead 2: fresh first (d newest of the 50s, then c), then a does not fit, b does.
  const out = q.getBroadcasts(2, 120);
  assert.deepEqual(
    out.map((m) => m[0]),
    [4, 3, 2],
  );
  // Now everything has been sent at least once; a (1 transmit) and b, c, d (1 transmit).
  const next = q.getBroadcasts(2, 1400);
  assert.deepEqual(
    next.map((m) => m[0]),
    [1, 4, 3, 2],
  );
});

test('a message that can never fit is never sent, smaller ones still are', () => {
  const q = new TransmitLimitedQueue({ retransmitMult: 4, numNodes: () => 3 });
  q.queue(msg(2000, 1), 'big');
  q.queue(msg(10, 2), 'small');
  const out = q.getBroadcasts(2, 1400);
  assert.deepEqual(
    out.map((m) => m.length),
    [10],
  );
  assert.equal(q.numQueued(), 2);
});

test('prune drops the most transmitted, oldest messages first and reports them finished', () => {
  const q = new TransmitLimitedQueue({ retransmitMult: 4, numNodes: () => 3 });
  const done: number[] = [];
  q.queue(msg(10, 1), undefined, () => done.push(1));
  q.getBroadcasts(2, 1400);
  q.queue(msg(10, 2), undefined, () => done.push(2));
  q.queue(msg(10, 3), undefined, () => done.push(3));
  q.prune(1);
  assert.deepEqual(done, [1, 2]);
  assert.equal(q.numQueued(), 1);
  q.reset();
  assert.deepEqual(done, [1, 2, 3]);
  assert.equal(q.numQueued(), 0);
});

test('property: never over the byte limit, never an empty part, never more than the limit per message', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc.record({
            op: fc.constant('queue' as const),
            len: fc.integer({ min: 1, max: 1500 }),
            name: fc.option(fc.constantFrom('a', 'b', 'c', 'd'), { nil: undefined }),
          }),
          fc.record({
            op: fc.constant('get' as const),
            overhead: fc.integer({ min: 0, max: 5 }),
            limit: fc.integer({ min: 0, max: 1400 }),
          }),
        ),
        { maxLength: 200 },
      ),
      fc.integer({ min: 1, max: 2000 }),
      (ops, n) => {
        const q = new TransmitLimitedQueue({ retransmitMult: 4, numNodes: () => n });
        const limit = retransmitLimit(4, n);
        const sent = new Map<Uint8Array, number>();
        for (const o of ops) {
          if (o.op === 'queue') {
            q.queue(new Uint8Array(o.len), o.name);
          } else {
            const out = q.getBroadcasts(o.overhead, o.limit);
            const used = out.reduce((s, m) => s + m.length + o.overhead, 0);
            assert.ok(used <= o.limit, 'within the byte limit');
            assert.equal(new Set(out).size, out.length, 'a message at most once per packet');
            for (const m of out) {
              assert.ok(m.length > 0);
              const c = (sent.get(m) ?? 0) + 1;
              assert.ok(c <= limit, 'never more than the retransmit limit');
              sent.set(m, c);
            }
          }
        }
        const names = q.items().flatMap((i) => (i.name === undefined ? [] : [i.name]));
        assert.equal(new Set(names).size, names.length, 'at most one queued message per name');
      },
    ),
    { numRuns: 300 },
  );
});
