import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from './harness.js';

test('three nodes join through one seed and all see three alive members', () => {
  const h = new Harness();
  h.add('a');
  h.add('b');
  h.add('c');
  h.join('b', 'a');
  h.join('c', 'a');
  const agreed = h.runUntilTrue(
    () => ['a', 'b', 'c'].every((n) => h.aliveView(n).join() === 'a,b,c'),
    10_000,
  );
  assert.ok(agreed, `views: ${['a', 'b', 'c'].map((n) => h.aliveView(n).join()).join(' | ')}`);
  // Each node's first event is its own join; then one join per other member.
  for (const n of ['a', 'b', 'c']) {
    const joins = h.events(n).filter((e) => e.event.type === 'join');
    assert.equal(joins[0]?.event.type === 'join' && joins[0].event.member.name, n);
    assert.deepEqual(joins.map((e) => (e.event.type === 'join' ? e.event.member.name : '')).sort(), [
      'a',
      'b',
      'c',
    ]);
  }
  const results = h.events('b').filter((e) => e.event.type === 'join-result');
  assert.deepEqual(
    results.map((e) => e.event),
    [{ type: 'join-result', requestId: 1, contacted: 1, errors: [] }],
  );
  // Nobody is suspected while everyone answers.
  h.runFor(30_000);
  for (const n of ['a', 'b', 'c']) {
    assert.equal(h.events(n).filter((e) => e.event.type === 'suspect').length, 0);
    assert.deepEqual(h.aliveView(n), ['a', 'b', 'c']);
  }
});

test('a join to an unreachable seed reports one error line per failed seed', () => {
  const h = new Harness();
  h.add('a');
  h.add('b');
  h.crash('a');
  const id = h.join('b', 'a');
  h.runFor(100);
  const r = h.events('b').find((e) => e.event.type === 'join-result')?.event;
  assert.ok(r !== undefined && r.type === 'join-result');
  assert.equal(r.requestId, id);
  assert.equal(r.contacted, 0);
  assert.equal(r.errors.length, 1);
  assert.deepEqual(r.errors[0]?.addr, h.addr('a'));
  assert.match(r.errors[0]?.reason ?? '', /refused|unreachable/);
});
