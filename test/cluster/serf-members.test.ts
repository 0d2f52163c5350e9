import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serfWorld } from './serf-world.js';

function cluster(n: number, opts: Parameters<typeof serfWorld>[0] = {}) {
  const w = serfWorld(opts);
  w.add(n);
  for (let i = 1; i < n; i++) w.join(i, 0);
  const all = Array.from({ length: n }, (_, i) => w.world.name(i)).sort();
  const ok = w.world.runUntilTrue(
    () => Array.from({ length: n }, (_, i) => i).every((i) => w.names(i).join() === all.join()),
    30_000,
  );
  assert.ok(ok, 'cluster did not converge');
  return w;
}

test("a node's first event is member-join for itself, then one for each peer that joins", () => {
  const w = cluster(3);
  for (let i = 0; i < 3; i++) {
    const joins = w.ofType(i, 'member-join').map((e) => e.member.name);
    assert.equal(joins[0], w.world.name(i));
    assert.deepEqual([...joins].sort(), ['node-0', 'node-1', 'node-2']);
  }
  // The join command reported success and the join intents settled every status time.
  assert.equal(w.ofType(1, 'join-result')[0]?.contacted, 1);
  w.world.runFor(5_000);
  for (let i = 0; i < 3; i++)
    assert.ok(
      w
        .serf(0)
        .members()
        .every((m) => m.status === 'alive'),
    );
});

test('tags set on one node reach every node as member-update within a few gossip rounds', () => {
  const w = cluster(4, { tags: (ctx): Record<string, string> => (ctx.index === 2 ? { role: 'db' } : {}) });
  for (let i = 0; i < 4; i++)
    assert.deepEqual(
      w
        .serf(i)
        .members()
        .find((m) => m.name === 'node-2')?.tags,
      { role: 'db' },
    );
  const t0 = w.world.now;
  w.world.command(2, (s, now) => s.setTags(now, { role: 'web', dc: 'east' }));
  const ok = w.world.runUntilTrue(
    () =>
      [0, 1, 3].every((i) =>
        w
          .serf(i)
          .members({ tags: { role: 'web' } })
          .some((m) => m.name === 'node-2'),
      ),
    5_000,
    10,
  );
  assert.ok(ok, 'tags did not propagate');
  for (const i of [0, 1, 3]) {
    const upd = w.ofType(i, 'member-update').at(-1);
    assert.equal(upd?.member.name, 'node-2');
    assert.deepEqual(upd?.member.tags, { role: 'web', dc: 'east' });
  }
  assert.ok(w.world.now - t0 < 2_000, `took ${w.world.now - t0} ms of virtual time`);
});

test('tags above 512 encoded bytes are refused and nothing is sent', () => {
  const w = cluster(2);
  const before = w
    .serf(1)
    .members()
    .find((m) => m.name === 'node-0')?.tags;
  assert.throws(
    () => w.world.command(0, (s, now) => s.setTags(now, { big: 'x'.repeat(600) })),
    (e: unknown) => e instanceof Error && (e as { code?: string }).code === 'GP_ERR_TOO_LARGE',
  );
  assert.deepEqual(w.serf(0).localTags(), {});
  w.world.runFor(3_000);
  assert.deepEqual(
    w
      .serf(1)
      .members()
      .find((m) => m.name === 'node-0')?.tags,
    before,
  );
  assert.equal(w.ofType(1, 'member-update').length, 0);
});

test('a node that leaves is seen as left everywhere; a crashed one as failed', () => {
  const w = cluster(4);
  w.world.command(3, (s, now) => s.leave(now));
  assert.ok(
    w.world.runUntilTrue(() => w.ofType(3, 'leave-done').length === 1, 10_000),
    'leave did not finish',
  );
  assert.equal(w.ofType(3, 'leave-done')[0]?.intentTimedOut, false);
  assert.equal(w.serf(3).serfState, 'left');
  w.world.crash(3);
  w.world.crash(2);
  const ok = w.world.runUntilTrue(
    () => [0, 1].every((i) => w.names(i, 'failed').join() === 'node-2'),
    30_000,
  );
  assert.ok(ok, 'crash not detected');
  for (const i of [0, 1]) {
    assert.deepEqual(w.names(i, 'left'), ['node-3']);
    assert.equal(w.ofType(i, 'member-leave').at(-1)?.member.name, 'node-3');
    assert.equal(w.ofType(i, 'member-failed').at(-1)?.member.name, 'node-2');
  }
});

test('failed and left members are reaped after the reconnect and tombstone timeouts', () => {
  const w = cluster(4, {
    serf: { reconnectTimeoutMs: 60_000, tombstoneTimeoutMs: 120_000, reconnectIntervalMs: 0 },
  });
  w.world.command(3, (s, now) => s.leave(now));
  w.world.runUntilTrue(() => w.ofType(3, 'leave-done').length === 1, 10_000);
  w.world.crash(3);
  w.world.crash(2);
  w.world.runUntilTrue(() => w.names(0, 'failed').length === 1, 30_000);
  w.world.runFor(60_000 - 15_000);
  assert.deepEqual(w.names(0, 'failed'), ['node-2'], 'reaped too early');
  assert.ok(
    w.world.runUntilTrue(() => w.names(0, 'failed').length === 0, 40_000),
    'failed member never reaped',
  );
  assert.deepEqual(w.names(0, 'left'), ['node-3']);
  assert.ok(
    w.world.runUntilTrue(() => w.names(0, 'left').length === 0, 80_000),
    'left member never reaped',
  );
  const reaped = w.ofType(0, 'member-reap').map((e) => e.member.name);
  assert.deepEqual(reaped, ['node-2', 'node-3']);
  assert.equal(w.serf(0).members().length, 2);
});

test('a late joiner never lists a node that left before it, and catches up on the member clock', () => {
  const w = cluster(3);
  w.world.command(2, (s, now) => s.leave(now));
  w.world.runUntilTrue(() => w.ofType(2, 'leave-done').length === 1, 10_000);
  w.world.crash(2);
  w.world.runFor(2_000);
  const [late] = w.add(1);
  w.join(late as number, 0);
  assert.ok(w.world.runUntilTrue(() => w.names(late as number).length === 3, 10_000));
  // memberlist ignores a left node it never knew, and Serf's push-pull left list only buffers an
  // intent for it: it is neither alive nor failed here, as on a serf agent.
  w.world.runFor(5_000);
  assert.equal(
    w
      .serf(late as number)
      .members()
      .find((m) => m.name === 'node-2'),
    undefined,
  );
  const clocks = w.serf(late as number).clocks();
  assert.ok(clocks.member >= w.serf(0).clocks().member - 1, `member clock ${clocks.member}`);
});
