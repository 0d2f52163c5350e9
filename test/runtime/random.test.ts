import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CryptoRandom } from '../../src/runtime/random.js';

test('two crypto randoms draw different nonces and every value stays in range', () => {
  const a = new CryptoRandom();
  const b = new CryptoRandom();
  assert.notDeepEqual(a.bytes(12), b.bytes(12));
  const seen = new Set<number>();
  for (let i = 0; i < 5000; i++) {
    const f = a.float();
    assert.ok(f >= 0 && f < 1);
    const k = a.int(7);
    assert.ok(Number.isInteger(k) && k >= 0 && k < 7);
    seen.add(k);
    const u = a.nextU32();
    assert.ok(Number.isInteger(u) && u >= 0 && u <= 0xffffffff);
  }
  assert.equal(seen.size, 7);
  assert.equal(a.bytes(10_000).length, 10_000, 'requests above the pool size are served whole');
});
