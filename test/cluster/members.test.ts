import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemberTable, type NodeInfo } from '../../src/cluster/members.js';
import { RecentIntents } from '../../src/cluster/intents.js';

const VSN = [1, 5, 2, 2, 5, 5];
function node(name: string, tags: Record<string, string> = {}, port = 7946): NodeInfo {
  return { name, addr: { ip: '127.0.0.1', port }, tags, vsn: VSN };
}

test('a node that dies after its leave intent is left; without the intent it is failed', () => {
  const t = new MemberTable();
  const intents = new RecentIntents();
  t.onJoin(node('a'), intents);
  t.onJoin(node('b'), intents);
  assert.equal(t.leaveIntent('a', 5, false, 'self', true, intents, 0).rebroadcast, true);
  assert.equal(t.get('a')?.status, 'leaving');
  assert.equal(t.onLeave('a', 10)?.type, 'member-leave');
  assert.equal(t.get('a')?.status, 'left');
  assert.equal(t.onLeave('b', 10)?.type, 'member-failed');
  assert.equal(t.get('b')?.status, 'failed');
  assert.deepEqual(t.leftMembers(), ['a']);
  assert.deepEqual(t.failedMembers(), ['b']);
});

test('a join event brings a failed member back and clears it from the failed list', () => {
  const t = new MemberTable();
  const intents = new RecentIntents();
  t.onJoin(node('b'), intents);
  t.onLeave('b', 10);
  const ev = t.onJoin(node('b', { role: 'db' }), intents);
  assert.equal(ev.type, 'member-join');
  assert.equal(ev.member.status, 'alive');
  assert.deepEqual(ev.member.tags, { role: 'db' });
  assert.deepEqual(t.failedMembers(), []);
});

test('intents for unknown nodes are buffered and applied when the node appears', () => {
  const t = new MemberTable();
  const intents = new RecentIntents();
  assert.equal(t.joinIntent('x', 3, intents, 0), true);
  assert.equal(t.joinIntent('x', 3, intents, 0), false); // not newer: no re-gossip
  t.onJoin(node('x'), intents);
  assert.equal(t.statusLTime('x'), 3);
  assert.equal(t.leaveIntent('y', 4, false, 'self', true, intents, 0).rebroadcast, true);
  const ev = t.onJoin(node('y'), intents);
  assert.equal(ev.member.status, 'leaving');
  assert.equal(t.statusLTime('y'), 4);
});

test('an old leave intent is ignored and a newer join intent revives a leaving member', () => {
  const t = new MemberTable();
  const intents = new RecentIntents();
  t.onJoin(node('a'), intents);
  assert.equal(t.joinIntent('a', 5, intents, 0), true);
  assert.equal(t.leaveIntent('a', 5, false, 'self', true, intents, 0).rebroadcast, false);
  assert.equal(t.leaveIntent('a', 6, false, 'self', true, intents, 0).rebroadcast, true);
  assert.equal(t.get('a')?.status, 'leaving');
  // The same leave intent seen again is not re-gossiped (consul#8179).
  assert.equal(t.leaveIntent('a', 6, false, 'self', true, intents, 0).rebroadcast, false);
  assert.equal(t.joinIntent('a', 7, intents, 0), true);
  assert.equal(t.get('a')?.status, 'alive');
});

test('a leave intent about ourselves while alive asks for a refutation and is not re-gossiped', () => {
  const t = new MemberTable();
  const intents = new RecentIntents();
  t.onJoin(node('self'), intents);
  const r = t.leaveIntent('self', 9, false, 'self', true, intents, 0);
  assert.deepEqual(r, { rebroadcast: false, refute: true, changes: [] });
  assert.equal(t.get('self')?.status, 'alive');
});

test('a leave intent for a failed member makes it left (forced leave) and prune erases it', () => {
  const t = new MemberTable();
  const intents = new RecentIntents();
  t.onJoin(node('a'), intents);
  t.onJoin(node('b'), intents);
  t.onLeave('a', 1);
  t.onLeave('b', 1);
  const r = t.leaveIntent('a', 2, false, 'self', true, intents, 5);
  assert.deepEqual(
    r.changes.map((c) => c.type),
    ['member-leave'],
  );
  assert.deepEqual(t.leftMembers(), ['a']);
  const p = t.leaveIntent('b', 3, true, 'self', true, intents, 5);
  assert.deepEqual(
    p.changes.map((c) => c.type),
    ['member-leave', 'member-reap'],
  );
  assert.equal(t.get('b'), undefined);
});

test('failed and left members are reaped after their timeouts, not before', () => {
  const t = new MemberTable();
  const intents = new RecentIntents();
  t.onJoin(node('f'), intents);
  t.onJoin(node('l'), intents);
  t.onLeave('f', 1000);
  t.leaveIntent('l', 2, false, 'self', true, intents, 0);
  t.onLeave('l', 2000);
  assert.deepEqual(t.reap(1000 + 500, 500, 1000), []);
  assert.deepEqual(
    t.reap(1501, 500, 1000).map((c) => `${c.type}:${c.member.name}`),
    ['member-reap:f'],
  );
  assert.deepEqual(
    t.reap(3001, 500, 1000).map((c) => `${c.type}:${c.member.name}`),
    ['member-reap:l'],
  );
  assert.equal(t.size, 0);
});

test('push-pull status times list every member, left members only the left ones', () => {
  const t = new MemberTable();
  const intents = new RecentIntents();
  t.onJoin(node('a'), intents);
  t.onJoin(node('b'), intents);
  t.joinIntent('a', 4, intents, 0);
  assert.deepEqual(
    [...t.statusLTimes()],
    [
      ['a', 4],
      ['b', 0],
    ],
  );
  assert.deepEqual(t.leftMembers(), []);
  assert.equal(t.hasAliveOthers('a'), true);
  t.onLeave('b', 0);
  assert.equal(t.hasAliveOthers('a'), false);
});
