import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  UserEventBuffer,
  UserEventCoalescer,
  type DeliveredUserEvent,
} from '../../src/cluster/user-events.js';

const te = new TextEncoder();

test('a user event is delivered once; the same name and payload at the same LTime is a duplicate', () => {
  const b = new UserEventBuffer();
  assert.equal(b.record(3, 'deploy', te.encode('v1'), 4, 0), 'new');
  assert.equal(b.record(3, 'deploy', te.encode('v1'), 4, 0), 'duplicate');
  assert.equal(b.record(3, 'deploy', te.encode('v2'), 4, 0), 'new'); // other payload
  assert.equal(b.record(3, 'other', te.encode('v1'), 4, 0), 'new'); // other name
  assert.equal(b.record(3, 'x', null, 4, 0), 'new');
  assert.equal(b.record(3, 'x', new Uint8Array(0), 4, 0), 'duplicate'); // nil == empty, as in Go
});

test('events older than the 512-slot window or the minimum time are dropped', () => {
  const b = new UserEventBuffer();
  assert.equal(b.record(100, 'a', null, 1000, 0), 'too-old');
  assert.equal(b.record(488, 'a', null, 1000, 0), 'new'); // exactly clock - 512 is kept
  assert.equal(b.record(5, 'a', null, 6, 10), 'before-min');
});

test('a newer LTime replaces the ring slot it maps to', () => {
  const b = new UserEventBuffer(4);
  assert.equal(b.record(1, 'a', null, 2, 0), 'new');
  assert.equal(b.record(5, 'a', null, 6, 0), 'new'); // same slot (5 mod 4 == 1)
  const slots = b.toPushPull();
  assert.equal(slots.length, 4);
  assert.deepEqual(slots[1], { lTime: 5, events: [{ name: 'a', payload: null }] });
  assert.equal(slots[0], null);
});

function ev(name: string, lTime: number, coalesce = true): DeliveredUserEvent {
  return { name, lTime, payload: null, coalesce };
}

test('coalescing keeps only the latest LTime per name and flushes after quiet or the period', () => {
  const c = new UserEventCoalescer(3000, 1000);
  assert.equal(c.add(ev('x', 1, false), 0), false);
  assert.equal(c.deadline(), undefined);
  assert.equal(c.add(ev('deploy', 1), 0), true);
  c.add(ev('deploy', 3), 500);
  c.add(ev('deploy', 2), 600);
  c.add(ev('restart', 2), 700);
  c.add(ev('restart', 2), 800);
  assert.equal(c.deadline(), 1800);
  assert.deepEqual(c.flushDue(1799), []);
  const out = c.flushDue(1800);
  assert.deepEqual(
    out.map((e) => `${e.name}@${e.lTime}`),
    ['deploy@3', 'restart@2', 'restart@2'],
  );
  assert.equal(c.deadline(), undefined);
});

test('coalescing never holds events longer than the period under constant traffic', () => {
  const c = new UserEventCoalescer(3000, 1000);
  for (let t = 0; t < 3000; t += 500) c.add(ev('e', t), t);
  assert.equal(c.deadline(), 3000);
  assert.equal(c.flushDue(3000).length, 1);
});
