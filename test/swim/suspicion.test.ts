import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  Suspicion,
  expectedConfirmations,
  suspicionTimeoutAfterMs,
  suspicionTimeoutMs,
} from '../../src/swim/suspicion.js';

test('suspicion min/max follow the Lifeguard table for the lan profile (mult 4, max mult 6, 1 s)', () => {
  const table: [n: number, minMs: number, maxMs: number][] = [
    [1, 4000, 24_000],
    [3, 4000, 24_000],
    [10, 4000, 24_000],
    [100, 8000, 48_000],
    [1000, 12_000, 72_000],
    [10_000, 16_000, 96_000],
  ];
  for (const [n, min, max] of table) {
    const got = suspicionTimeoutMs(4, n, 1000);
    assert.equal(got, min, `min for n=${n}`);
    assert.equal(6 * got, max, `max for n=${n}`);
  }
  // Between powers of ten the node scale is log10(n) truncated to thousandths (Go util.go).
  assert.equal(suspicionTimeoutMs(4, 50, 1000), 6792);
});

test('fewer than 4 nodes expect no confirmation, so the timeout is exactly the minimum', () => {
  assert.equal(expectedConfirmations(4, 3), 0);
  assert.equal(expectedConfirmations(4, 4), 2);
  const s = new Suspicion('a', 10_000, 1, expectedConfirmations(4, 3), 4000, 24_000);
  assert.equal(s.deadlineMs, 14_000);
  assert.equal(s.confirm('b'), false, 'no confirmation counts when none is expected');
  assert.equal(s.deadlineMs, 14_000);
});

test('confirmations from distinct members shrink the timeout by the log formula; the first accuser is excluded', () => {
  const k = expectedConfirmations(4, 10);
  assert.equal(k, 2);
  const s = new Suspicion('a', 0, 7, k, 4000, 24_000);
  assert.equal(s.deadlineMs, 24_000);
  assert.equal(s.confirm('a'), false, 'the first accuser cannot confirm');
  assert.equal(s.confirm('b'), true);
  // max − ln(2)/ln(3) × (max − min) = 24 − 0.6309 × 20 = 11.381 s
  assert.equal(s.deadlineMs, 11_381);
  assert.equal(s.confirm('b'), false, 'a repeated confirmation does not count');
  assert.equal(s.confirm('c'), true);
  assert.equal(s.deadlineMs, 4000, 'k confirmations reach the minimum');
  assert.equal(s.confirm('d'), false, 'confirmations beyond k are not new');
  assert.equal(s.incarnation, 7);
});

test('the confirmed timeout is monotone, between min and max, and reaches min at k', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 20 }),
      fc.integer({ min: 1, max: 100_000 }),
      fc.integer({ min: 1, max: 10 }),
      (k, minMs, mult) => {
        const maxMs = minMs * mult;
        let prev = maxMs;
        for (let c = 0; c <= k; c++) {
          const t = suspicionTimeoutAfterMs(c, k, minMs, maxMs);
          assert.ok(t <= prev && t >= minMs && t <= maxMs);
          prev = t;
        }
        assert.equal(suspicionTimeoutAfterMs(k, k, minMs, maxMs), minMs);
      },
    ),
  );
});
