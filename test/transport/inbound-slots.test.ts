import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeaderDeadline, InboundSlots } from '../../src/transport/inbound-slots.js';

test('when full, a source holding fewer takes the oldest slot of the largest holder; an equal one is refused', () => {
  const slots = new InboundSlots(4);
  const evicted: string[] = [];
  const take = (ip: string, at: number) => slots.admit(ip, at, () => evicted.push(`${ip}@${at}`));
  take('x', 1);
  take('x', 2);
  take('x', 3);
  take('y', 4);
  assert.equal(slots.count, 4);
  const z = take('z', 5);
  assert.ok(z !== undefined, 'a new source gets a slot');
  assert.deepEqual(evicted, ['x@1'], "the largest holder's oldest connection made room");
  assert.equal(slots.heldBy('x'), 2);
  // x (2) vs y, z (1 each): another x connection would not hold fewer than anyone: refused.
  assert.equal(take('x', 6), undefined);
  // A replying connection is never evicted.
  for (const s of [z]) if (s) s.slot.replying = true;
  const w = take('w', 7);
  assert.ok(w !== undefined);
  assert.deepEqual(evicted, ['x@1', 'x@2']);
  slots.release(w.slot);
  slots.release(w.slot);
  assert.equal(slots.count, 3, 'release is idempotent');
});

test('the header deadline starts at 500 ms and follows the slowest recent header within [250 ms, 2 s]', () => {
  const d = new HeaderDeadline();
  assert.equal(d.ms, 500);
  d.observe(1);
  assert.equal(d.ms, 250);
  d.observe(200);
  assert.equal(d.ms, 700);
  for (let i = 0; i < 100; i++) d.observe(1);
  assert.equal(d.ms, 250, 'a slow header is forgotten over time');
  d.observe(5_000);
  assert.equal(d.ms, 2_000);
});
