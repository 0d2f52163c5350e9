import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Member } from '../../src/cluster/members.js';
import { eventRecord, formatEventJson, formatEventText, payloadJson } from '../../src/agent/event-format.js';
import type { NodeEvent } from '../../src/runtime/events.js';

const member: Member = {
  name: 'web-2',
  addr: { ip: '10.0.0.6', port: 7946 },
  tags: { role: 'web', dc: 'a' },
  status: 'failed',
  protocolMin: 1,
  protocolMax: 5,
  protocolCur: 2,
  delegateMin: 2,
  delegateMax: 5,
  delegateCur: 5,
};

test('a member event is one JSON line with ts, node, event and the member as the DESIGN gives', () => {
  const line = formatEventJson('web-1', { type: 'member-failed', member, ts: 1700000000123 });
  assert.ok(line?.endsWith('\n'));
  assert.equal(line?.split('\n').length, 2);
  assert.deepEqual(JSON.parse(line as string), {
    ts: 1700000000123,
    node: 'web-1',
    event: 'member-failed',
    member: { name: 'web-2', addr: '10.0.0.6', port: 7946, status: 'failed', tags: { role: 'web', dc: 'a' } },
  });
});

test('user events and queries carry name, payload, encoding and ltime; queries say who asked', () => {
  const user = eventRecord('n', {
    type: 'user',
    name: 'deploy',
    payload: new TextEncoder().encode('v42 ✓'),
    lTime: 7,
    coalesce: false,
    multicast: false,
    ts: 1,
  });
  assert.deepEqual(user, {
    ts: 1,
    node: 'n',
    event: 'user',
    name: 'deploy',
    payload: 'v42 ✓',
    encoding: 'utf8',
    ltime: 7,
    coalesce: false,
  });
  const query = eventRecord('n', {
    type: 'query',
    name: 'load',
    payload: new Uint8Array([0xff, 0x00]),
    lTime: 3,
    sourceNode: 'web-3',
    source: { ip: '10.0.0.7', port: 7946 },
    respond: () => {},
    ts: 2,
  });
  assert.deepEqual(query, {
    ts: 2,
    node: 'n',
    event: 'query',
    name: 'load',
    payload: '/wA=',
    encoding: 'base64',
    ltime: 3,
    from: 'web-3',
  });
});

test('transport errors and shutdown are not part of the event stream', () => {
  const e = { type: 'shutdown', reason: 'name-conflict', ts: 1 } as NodeEvent;
  assert.equal(formatEventJson('n', e), undefined);
  assert.equal(formatEventText('n', e), undefined);
});

test('payloads: valid UTF-8 prints as text, anything else as base64, and both decode back to the bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      const p = payloadJson(bytes);
      const back =
        p.encoding === 'utf8'
          ? new TextEncoder().encode(p.payload)
          : new Uint8Array(Buffer.from(p.payload, 'base64'));
      assert.deepEqual(back, bytes);
    }),
  );
  fc.assert(
    fc.property(fc.string(), (s) => {
      // Lone surrogates are not representable in UTF-8; TextEncoder replaces them.
      const bytes = new TextEncoder().encode(s);
      assert.equal(payloadJson(bytes).encoding, 'utf8');
    }),
  );
});

test('the text form is one line per event with the time, kind, name, address, status and tags', () => {
  const line = formatEventText('web-1', {
    type: 'member-join',
    member: { ...member, status: 'alive' },
    ts: 0,
  });
  assert.equal(line, '1970-01-01T00:00:00.000Z member-join web-2 10.0.0.6:7946 alive role=web,dc=a\n');
});
