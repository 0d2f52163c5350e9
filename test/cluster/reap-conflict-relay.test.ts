import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemberTable, type NodeInfo } from '../../src/cluster/members.js';
import { RecentIntents } from '../../src/cluster/intents.js';
import { pickReconnectTarget } from '../../src/cluster/reap.js';
import { ConflictTally } from '../../src/cluster/conflict.js';
import { pickRelayMembers } from '../../src/cluster/relay.js';
import { SeededRandom } from '../../src/core/random.js';

function node(name: string, pmax = 5): NodeInfo {
  return {
    name,
    addr: { ip: '127.0.0.1', port: 1000 + name.charCodeAt(0) },
    tags: {},
    vsn: [1, pmax, 2, 2, 5, 5],
  };
}

function table(alive: string[], failed: string[]): MemberTable {
  const t = new MemberTable();
  const intents = new RecentIntents();
  for (const n of [...alive, ...failed]) t.onJoin(node(n), intents);
  for (const n of failed) t.onLeave(n, 0);
  return t;
}

test('no failed members means no reconnect attempt', () => {
  assert.equal(pickReconnectTarget(table(['a', 'b'], []), new SeededRandom(1)), undefined);
});

test('reconnect attempts happen with probability failed/alive and only target failed members', () => {
  const t = table(['a', 'b', 'c', 'd'], ['x']); // probability 1/4
  const r = new SeededRandom(7);
  let attempts = 0;
  for (let i = 0; i < 4000; i++) {
    const m = pickReconnectTarget(t, r);
    if (m !== undefined) {
      attempts++;
      assert.equal(m.name, 'x');
    }
  }
  assert.ok(attempts > 800 && attempts < 1200, `attempts ${attempts}`);
  // More failed than alive: always attempt.
  const all = table(['a'], ['x', 'y']);
  for (let i = 0; i < 50; i++) assert.ok(['x', 'y'].includes(pickReconnectTarget(all, r)?.name ?? ''));
});

test('name conflict: we keep the name only with a strict majority of matching answers', () => {
  const self = { ip: '127.0.0.1', port: 1 };
  const other = { ip: '127.0.0.1', port: 2 };
  const keep = new ConflictTally(self);
  keep.add({ addr: self });
  keep.add({ addr: self });
  keep.add({ addr: other });
  assert.equal(keep.keep(), true);
  const lose = new ConflictTally(self);
  lose.add({ addr: self });
  lose.add({ addr: other });
  assert.equal(lose.keep(), false); // 1 of 2 is not a majority
  const unknown = new ConflictTally(self);
  unknown.add(null);
  assert.equal(unknown.keep(), false);
  assert.equal(new ConflictTally(self).keep(), false); // no answers: Serf quits too
});

test('relay members are distinct, alive, protocol-5 and never ourselves', () => {
  const t = table(['self', 'a', 'b', 'c'], ['f']);
  const old = new MemberTable();
  old.onJoin(node('o', 4), new RecentIntents());
  const members = [...t.all(), ...old.all()];
  const r = new SeededRandom(3);
  for (let i = 0; i < 200; i++) {
    const picked = pickRelayMembers(2, members, 'self', r);
    assert.ok(picked.length <= 2);
    assert.equal(new Set(picked.map((m) => m.name)).size, picked.length);
    for (const m of picked) assert.ok(['a', 'b', 'c'].includes(m.name), m.name);
  }
  assert.deepEqual(pickRelayMembers(0, members, 'self', r), []);
  assert.deepEqual(pickRelayMembers(3, members.slice(0, 3), 'self', r), []); // fewer than k + 1 members
});
