import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DeadlineHeap } from '../../src/core/deadlines.js';

test('deadlines pop in time order, ties in insertion order, re-arming moves a key', () => {
  const h = DeadlineHeap.ofStrings();
  h.set('b', 10);
  h.set('a', 10);
  h.set('c', 5);
  h.set('d', 20);
  h.set('c', 15); // re-armed later
  h.delete('d');
  assert.equal(h.peek(), 10);
  assert.equal(h.popDue(9), undefined);
  assert.deepEqual([h.popDue(100), h.popDue(100), h.popDue(100), h.popDue(100)], ['b', 'a', 'c', undefined]);
  assert.equal(h.peek(), undefined);
  assert.equal(h.size, 0);
});

test('property: the heap agrees with a sorted model under random set/delete/pop', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(
          fc.constantFrom('set', 'del', 'pop'),
          fc.integer({ min: 0, max: 20 }),
          fc.integer({ min: 0, max: 50 }),
        ),
        { maxLength: 300 },
      ),
      (ops) => {
        const h = DeadlineHeap.ofStrings();
        const model = new Map<string, [number, number]>();
        let seq = 0;
        for (const [op, k, at] of ops) {
          const key = `k${k}`;
          if (op === 'set') {
            h.set(key, at);
            model.set(key, [at, seq++]);
          } else if (op === 'del') {
            h.delete(key);
            model.delete(key);
          } else {
            const sorted = [...model.entries()].sort((x, y) => x[1][0] - y[1][0] || x[1][1] - y[1][1]);
            const first = sorted[0];
            const want = first !== undefined && first[1][0] <= at ? first[0] : undefined;
            assert.equal(h.popDue(at), want);
            if (want !== undefined) model.delete(want);
          }
          const min = Math.min(...[...model.values()].map((v) => v[0]));
          assert.equal(h.peek(), model.size === 0 ? undefined : min);
        }
      },
    ),
  );
});
