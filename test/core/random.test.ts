import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../../src/core/random.js';

test('the same seed yields the same sequence, a different seed another', () => {
  const a = new SeededRandom(7);
  const b = new SeededRandom(7);
  const c = new SeededRandom(8);
  const sa = Array.from({ length: 64 }, () => a.nextU32());
  const sb = Array.from({ length: 64 }, () => b.nextU32());
  const sc = Array.from({ length: 64 }, () => c.nextU32());
  assert.deepEqual(sa, sb);
  assert.notDeepEqual(sa, sc);
});

test('int(n) stays in range and covers it', () => {
  const r = new SeededRandom(1);
  const seen = new Set<number>();
  for (let i = 0; i < 10_000; i++) {
    const v = r.int(10);
    assert.ok(v >= 0 && v < 10 && Number.isInteger(v));
    seen.add(v);
  }
  assert.equal(seen.size, 10);
});

test('bytes(n) returns n bytes and forks are independent streams', () => {
  const r = new SeededRandom(3);
  assert.equal(r.bytes(13).length, 13);
  const f1 = r.fork();
  const f2 = r.fork();
  assert.notEqual(f1.nextU32(), f2.nextU32());
});
