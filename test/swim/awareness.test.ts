import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Awareness } from '../../src/swim/awareness.js';

test('the health score is clamped to 0..max-1 and scales the probe interval', () => {
  const a = new Awareness(8);
  assert.equal(a.score, 0);
  assert.equal(a.applyDelta(-1), false, 'cannot go below 0');
  assert.equal(a.scale(1000), 1000);
  a.applyDelta(3);
  assert.equal(a.score, 3);
  assert.equal(a.scale(1000), 4000);
  a.applyDelta(100);
  assert.equal(a.score, 7);
  assert.equal(a.scale(1000), 8000);
  assert.equal(a.applyDelta(1), false);
  a.applyDelta(-2);
  assert.equal(a.score, 5);
});
