import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TransmitLimitedQueue } from '../../src/swim/broadcast-queue.js';

// Regression: the queue restarted its ids whenever it became empty, which getBroadcasts does
// transiently while the items it took wait to be re-inserted. Two items then shared a sort key and
// replacing one by name threw "item not found" (found by a 1000-node simulation, seed 7).
test('replacing named broadcasts never loses an item, whatever was handed out before', () => {
  const q = new TransmitLimitedQueue({ retransmitMult: 4, numNodes: () => 5 });
  q.queue(new Uint8Array(20), 'n0');
  for (let i = 0; i < 3; i++) q.getBroadcasts(2, 24);
  q.queue(new Uint8Array(20), 'n1');
  q.getBroadcasts(2, 43);
  q.getBroadcasts(2, 19);
  q.getBroadcasts(2, 25);
  q.queue(new Uint8Array(10), 'n3');
  q.queue(new Uint8Array(10), 'n3');
  q.getBroadcasts(2, 42);
  assert.doesNotThrow(() => q.queue(new Uint8Array(10), 'n0'));
});

test('property: any mix of named queueing and hand-outs keeps one item per name, never throws', () => {
  const op = fc.oneof(
    fc.record({
      kind: fc.constant('queue' as const),
      name: fc.integer({ min: 0, max: 4 }),
      len: fc.integer({ min: 1, max: 3 }),
    }),
    fc.record({ kind: fc.constant('take' as const), limit: fc.integer({ min: 5, max: 80 }) }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 100 }), (ops) => {
      const q = new TransmitLimitedQueue({ retransmitMult: 4, numNodes: () => 5 });
      for (const o of ops) {
        if (o.kind === 'queue') q.queue(new Uint8Array(o.len * 10), `n${o.name}`);
        else q.getBroadcasts(2, o.limit);
        const names = q.items().map((i) => i.name);
        assert.equal(new Set(names).size, names.length, 'one queued message per name');
        assert.equal(names.length, q.numQueued());
      }
    }),
    { numRuns: 500 },
  );
});
