import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyedRateLimiter } from '../../src/core/rate-limit.js';

test('a key spends its burst, then gets tokens back at its rate', () => {
  const l = new KeyedRateLimiter({ burst: 3, perSecond: 2, maxKeys: 10 });
  assert.deepEqual(
    [0, 0, 0, 0].map(() => l.take('a', 0)),
    [true, true, true, false],
  );
  assert.equal(l.take('b', 0), true, 'another key has its own bucket');
  assert.equal(l.take('a', 499), false, 'not yet a whole token');
  assert.equal(l.take('a', 500), true, 'one token per 500 ms');
  assert.equal(l.take('a', 500), false);
  assert.equal(l.available('a', 10_000), 3, 'never more than the burst');
});

test('the number of keys stays bounded under a flood of fresh keys, and a busy key is not forgotten first', () => {
  const l = new KeyedRateLimiter({ burst: 2, perSecond: 1, maxKeys: 100 });
  l.take('busy', 0);
  l.take('busy', 0);
  for (let i = 0; i < 10_000; i++) {
    l.take(`spoofed-${i}`, 0);
    if (i % 50 === 0) l.take('busy', 0);
  }
  assert.ok(l.size <= 100, `${l.size} keys`);
  assert.equal(l.take('busy', 0), false, 'the busy key kept its empty bucket');
});

test('a bad limit is refused', () => {
  assert.throws(() => new KeyedRateLimiter({ burst: 0, perSecond: 1, maxKeys: 1 }), RangeError);
});
