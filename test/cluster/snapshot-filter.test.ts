import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SnapshotState, parseSnapshot } from '../../src/cluster/snapshot.js';
import { compileMemberFilter } from '../../src/cluster/member-filter.js';
import type { Member } from '../../src/cluster/members.js';
import { ConfigError, DecodeError } from '../../src/wire/errors.js';

test("a snapshot round-trips members and clocks through Serf's text format", () => {
  const s = new SnapshotState();
  s.memberAlive('a', '127.0.0.1:7946');
  s.memberAlive('b', '[::1]:7947');
  s.memberAlive('c', '127.0.0.1:7948');
  s.memberGone('c');
  s.memberClock(10);
  s.userEvent(4);
  s.userEvent(3); // older: ignored
  s.query(2);
  assert.equal(s.dirty, true);
  const back = parseSnapshot(s.serialize());
  assert.deepEqual(
    [...back.aliveNodes],
    [
      ['a', '127.0.0.1:7946'],
      ['b', '[::1]:7947'],
    ],
  );
  assert.equal(back.clock, 9); // Serf stores clock - 1
  assert.equal(back.eventClock, 4);
  assert.equal(back.queryClock, 2);
});

test('a snapshot written by serf (append log with not-alive, comments, coordinates) is read', () => {
  const text = [
    'alive: a 127.0.0.1:7946',
    'alive: b c 127.0.0.1:7947', // names may contain spaces: the address is after the last one
    'clock: 3',
    'coordinate: {"Vec":[0]}',
    '# comment',
    'not-alive: a',
    'event-clock: 8',
    'query-clock: 2',
    'alive: torn 127.0',
  ].join('\n');
  const d = parseSnapshot(text);
  assert.deepEqual([...d.aliveNodes], [['b c', '127.0.0.1:7947']]);
  assert.equal(d.clock, 3);
  assert.equal(d.eventClock, 8);
});

test('a leave record forgets everything unless rejoin-after-leave', () => {
  const s = new SnapshotState();
  s.memberAlive('a', '127.0.0.1:1');
  s.memberClock(5);
  s.leave();
  s.memberAlive('b', '127.0.0.1:2'); // ignored after leave
  const text = s.serialize();
  assert.equal(parseSnapshot(text).aliveNodes.size, 0);
  assert.equal(parseSnapshot(text).clock, 0);
  const keep = new SnapshotState(undefined, true);
  keep.memberAlive('a', '127.0.0.1:1');
  keep.leave();
  assert.deepEqual([...parseSnapshot(keep.serialize(), true).aliveNodes], [['a', '127.0.0.1:1']]);
});

test('a corrupt clock line is a DecodeError naming the line', () => {
  assert.throws(
    () => parseSnapshot('clock: x\n'),
    (e: unknown) => e instanceof DecodeError && /line 1/.test(e.message),
  );
  assert.throws(() => parseSnapshot('alive: noaddr\n'), DecodeError);
});

function member(name: string, tags: Record<string, string>, status: Member['status'] = 'alive'): Member {
  return {
    name,
    addr: { ip: '127.0.0.1', port: 1 },
    tags,
    status,
    protocolMin: 1,
    protocolMax: 5,
    protocolCur: 2,
    delegateMin: 2,
    delegateMax: 5,
    delegateCur: 5,
  };
}

test('member tag filters are anchored Go regexes like `serf members -tag`', () => {
  const ms = [
    member('web1', { role: 'web' }),
    member('web2', { role: 'webby' }),
    member('db1', { role: 'db' }),
    member('x', {}),
  ];
  const pick = (f: Parameters<typeof compileMemberFilter>[0]): string[] =>
    ms.filter(compileMemberFilter(f)).map((m) => m.name);
  assert.deepEqual(pick({ tags: { role: 'web' } }), ['web1']);
  assert.deepEqual(pick({ tags: { role: 'web.*' } }), ['web1', 'web2']);
  assert.deepEqual(pick({ tags: { role: '' } }), ['x']);
  assert.deepEqual(pick({ tags: { role: 'w|db' } }), ['web1', 'web2', 'db1']); // ^w|db$ as in serf
  assert.deepEqual(pick({ tags: { role: /^w/ } }), ['web1', 'web2']);
  assert.deepEqual(pick({ tags: { constructor: '.*' } }), ['web1', 'web2', 'db1', 'x']); // no prototype leaks
  assert.deepEqual(pick({ name: 'web[0-9]', status: 'alive|failed' }), ['web1', 'web2']);
  assert.deepEqual(pick({ status: 'failed' }), []);
});

test('an invalid filter expression is one ConfigError listing every problem', () => {
  assert.throws(
    () => compileMemberFilter({ tags: { a: '(', b: 'x' }, name: '[' }),
    (e: unknown) => e instanceof ConfigError && e.problems.length === 2,
  );
});
