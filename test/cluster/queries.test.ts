import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  OutgoingQueries,
  QueryBuffer,
  QueryFlags,
  defaultQueryTimeoutMs,
  shouldProcessQuery,
} from '../../src/cluster/queries.js';

test('an incoming query is processed once per (LTime, ID)', () => {
  const b = new QueryBuffer();
  assert.equal(b.record(7, 1, 8, 0), 'new');
  assert.equal(b.record(7, 1, 8, 0), 'duplicate');
  assert.equal(b.record(7, 2, 8, 0), 'new');
  assert.equal(b.record(3, 2, 2000, 0), 'too-old');
  assert.equal(b.record(3, 9, 4, 5), 'before-min');
});

test('query filters: node list and unanchored Go-regex tag filters must all pass', () => {
  const tags = new Map([['role', 'web']]);
  assert.equal(shouldProcessQuery([], 'a', tags), true);
  assert.equal(shouldProcessQuery([{ type: 'node', nodes: ['b', 'a'] }], 'a', tags), true);
  assert.equal(shouldProcessQuery([{ type: 'node', nodes: ['b'] }], 'a', tags), false);
  assert.equal(shouldProcessQuery([{ type: 'tag', tag: 'role', expr: 'w.*' }], 'a', tags), true);
  assert.equal(shouldProcessQuery([{ type: 'tag', tag: 'role', expr: 'e' }], 'a', tags), true);
  assert.equal(shouldProcessQuery([{ type: 'tag', tag: 'role', expr: 'd.*' }], 'a', tags), false);
  // A missing tag is "", which only matches expressions that match the empty string.
  assert.equal(shouldProcessQuery([{ type: 'tag', tag: 'dc', expr: '^$' }], 'a', tags), true);
  assert.equal(shouldProcessQuery([{ type: 'tag', tag: 'dc', expr: '.+' }], 'a', tags), false);
  // An expression Go cannot compile fails the filter; so does an undecodable filter list.
  assert.equal(shouldProcessQuery([{ type: 'tag', tag: 'role', expr: '(?=w)' }], 'a', tags), false);
  assert.equal(shouldProcessQuery('invalid', 'a', tags), false);
});

test('default query timeout scales with log10 of the member count (3.2 s up to 9 members on LAN)', () => {
  assert.equal(defaultQueryTimeoutMs(200, 16, 1), 3200);
  assert.equal(defaultQueryTimeoutMs(200, 16, 9), 3200);
  assert.equal(defaultQueryTimeoutMs(200, 16, 10), 6400);
  assert.equal(defaultQueryTimeoutMs(200, 16, 100), 9600);
});

test('replies are accepted once per responder until the deadline, then dropped', () => {
  const q = new OutgoingQueries();
  q.register(5, 42, 1000, true);
  const ack = { lTime: 5, id: 42, from: 'b', flags: QueryFlags.ack, payload: null };
  const resp = { lTime: 5, id: 42, from: 'b', flags: 0, payload: new Uint8Array([1]) };
  assert.deepEqual(q.handleReply(10, ack), { kind: 'ack', lTime: 5, from: 'b' });
  assert.deepEqual(q.handleReply(11, ack), { kind: 'dropped', reason: 'duplicate' });
  assert.deepEqual(q.handleReply(12, resp), {
    kind: 'response',
    lTime: 5,
    from: 'b',
    payload: new Uint8Array([1]),
  });
  assert.deepEqual(q.handleReply(13, resp), { kind: 'dropped', reason: 'duplicate' });
  assert.deepEqual(q.handleReply(14, { ...resp, id: 41, from: 'c' }), {
    kind: 'dropped',
    reason: 'id-mismatch',
  });
  assert.deepEqual(q.handleReply(15, { ...resp, lTime: 6 }), { kind: 'dropped', reason: 'no-such-query' });
  assert.deepEqual(q.handleReply(1001, { ...resp, from: 'c' }), { kind: 'dropped', reason: 'finished' });
  assert.equal(q.nextDeadline(), 1000);
  assert.deepEqual(q.expire(999), []);
  assert.deepEqual(q.expire(1000), [5]);
  assert.equal(q.isOpen(5), false);
  assert.equal(q.nextDeadline(), undefined);
});

test('acks for a query that did not request them are dropped', () => {
  const q = new OutgoingQueries();
  q.register(1, 1, 100, false);
  assert.equal(q.handleReply(0, { lTime: 1, id: 1, from: 'b', flags: 1, payload: null }).kind, 'dropped');
});
