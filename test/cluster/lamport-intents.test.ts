import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LamportClock } from '../../src/cluster/lamport.js';
import { RecentIntents } from '../../src/cluster/intents.js';

test('a Lamport clock witnessing a value at or above it moves just past it', () => {
  const c = new LamportClock();
  assert.equal(c.increment(), 1);
  c.witness(0);
  assert.equal(c.time(), 1);
  c.witness(1); // equal still advances (serf: lamport.go)
  assert.equal(c.time(), 2);
  c.witness(10);
  assert.equal(c.time(), 11);
});

test('a Lamport clock never goes backwards and always exceeds every witnessed value', () => {
  fc.assert(
    fc.property(fc.array(fc.nat({ max: 1_000_000 })), (vs) => {
      const c = new LamportClock();
      let prev = c.time();
      for (const v of vs) {
        c.witness(v);
        assert.ok(c.time() >= prev);
        assert.ok(c.time() > v);
        prev = c.time();
      }
    }),
  );
});

test('the intent buffer keeps only the newest intent per node and says when it changed', () => {
  const b = new RecentIntents();
  assert.equal(b.upsert('x', 'join', 5, 0), true);
  assert.equal(b.upsert('x', 'leave', 5, 1), false); // not newer
  assert.equal(b.get('x', 'join'), 5);
  assert.equal(b.upsert('x', 'leave', 6, 2), true);
  assert.equal(b.get('x', 'join'), undefined);
  assert.equal(b.get('x', 'leave'), 6);
});

test('buffered intents expire after the timeout', () => {
  const b = new RecentIntents();
  b.upsert('x', 'join', 1, 0);
  b.upsert('y', 'join', 1, 200_000);
  b.reap(300_000, 300_000);
  assert.equal(b.size, 2);
  b.reap(300_001, 300_000);
  assert.equal(b.get('x', 'join'), undefined);
  assert.equal(b.get('y', 'join'), 1);
});
