/**
 * Recovery and identity on real sockets (127.0.0.1): a node left alone keeps retrying its seeds and
 * known members and rejoins when they return; a node restarted under the same name rejoins cleanly,
 * its incarnation overriding the stale state (dead or alive) the others kept about it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode, type GossipNode } from '../../src/index.js';
import { keepJoined, type RejoinAttempt } from '../../src/runtime/rejoin.js';
import { ConfigError } from '../../src/wire/errors.js';
import { waitUntil, withTimeout } from '../helpers/wait.js';
import { nextMemberEvent } from '../helpers/node-events.js';

const LOCAL = { profile: 'local' } as const;

function addr(n: GossipNode): string {
  return `127.0.0.1:${n.address.port}`;
}

function statusOf(n: GossipNode, name: string): string | undefined {
  return n.members({ name })[0]?.status;
}

test('a node left alone retries its seed with backoff and rejoins when the seed returns', async () => {
  let seed: GossipNode | undefined = await createNode({ ...LOCAL, name: 'seed', bind: '127.0.0.1:0' });
  const seedPort = seed.address.port;
  let lone: GossipNode | undefined;
  let seed2: GossipNode | undefined;
  try {
    lone = await createNode({
      ...LOCAL,
      name: 'lone',
      bind: '127.0.0.1:0',
      join: [addr(seed)],
      rejoin: false,
    });
    const attempts: RejoinAttempt[] = [];
    keepJoined(lone, {
      seeds: [`127.0.0.1:${seedPort}`],
      minIntervalMs: 100,
      maxIntervalMs: 400,
      onAttempt: (a) => attempts.push(a),
    });
    await waitUntil('lone to see the seed', () => statusOf(lone!, 'seed') === 'alive');

    const failed = nextMemberEvent(lone, 'member-failed', 'seed');
    await seed.close(); // a crash: no leave
    seed = undefined;
    await withTimeout('lone to declare the seed failed', failed, 30_000);
    await waitUntil(
      'at least three failed rejoin attempts',
      () => attempts.filter((a) => a.contacted === 0).length >= 3,
      20_000,
    );
    const failures = attempts.filter((a) => a.contacted === 0);
    assert.deepEqual(failures[0]?.targets, [`127.0.0.1:${seedPort}`]);
    // Backoff doubles up to the cap.
    assert.deepEqual(
      failures.slice(0, 3).map((a) => a.nextDelayMs),
      [200, 400, 400],
    );

    const back = nextMemberEvent(lone, 'member-join', 'seed');
    seed2 = await createNode({ ...LOCAL, name: 'seed', bind: `127.0.0.1:${seedPort}` });
    await withTimeout('lone to rejoin the returned seed', back, 20_000);
    await waitUntil(
      'the returned seed to see lone alive',
      () => statusOf(seed2!, 'lone') === 'alive',
      20_000,
    );
    // The attempt is reported when its join call returns, which can be after the member-join
    // event it caused (the merge is delivered first).
    await waitUntil(
      'the successful attempt to be reported',
      () => attempts.some((a) => a.contacted > 0),
      5000,
    );
  } finally {
    await Promise.all([seed?.close(), lone?.close(), seed2?.close()]);
  }
});

test('without seeds, a lone node retries the last known address of its failed peers', async () => {
  const a = await createNode({ ...LOCAL, name: 'peer-a', bind: '127.0.0.1:0' });
  let b: GossipNode | undefined;
  let a2: GossipNode | undefined;
  try {
    b = await createNode({ ...LOCAL, name: 'peer-b', bind: '127.0.0.1:0', join: [addr(a)], rejoin: false });
    const attempts: RejoinAttempt[] = [];
    keepJoined(b, { minIntervalMs: 100, maxIntervalMs: 200, onAttempt: (x) => attempts.push(x) });
    await waitUntil('b to see a', () => statusOf(b!, 'peer-a') === 'alive');
    const port = a.address.port;
    const failed = nextMemberEvent(b, 'member-failed', 'peer-a');
    await a.close();
    await withTimeout('b to declare a failed', failed, 30_000);
    await waitUntil('a failed attempt at a', () => attempts.some((x) => x.contacted === 0), 20_000);
    assert.deepEqual(attempts[0]?.targets, [`127.0.0.1:${port}`]);
    const back = nextMemberEvent(b, 'member-join', 'peer-a');
    a2 = await createNode({ ...LOCAL, name: 'peer-a', bind: `127.0.0.1:${port}` });
    await withTimeout('b to rejoin a', back, 20_000);
  } finally {
    await Promise.all([a.close(), b?.close(), a2?.close()]);
  }
});

test('createNode rejoins by default: a node whose only peer crashed rejoins it when it restarts', async () => {
  let seed: GossipNode | undefined = await createNode({ ...LOCAL, name: 'def-seed', bind: '127.0.0.1:0' });
  const port = seed.address.port;
  let n: GossipNode | undefined;
  let seed2: GossipNode | undefined;
  try {
    n = await createNode({
      ...LOCAL,
      name: 'def-node',
      bind: '127.0.0.1:0',
      join: [addr(seed)],
      rejoin: { minIntervalMs: 100, maxIntervalMs: 500 },
    });
    await waitUntil('n to see the seed', () => statusOf(n!, 'def-seed') === 'alive');
    const failed = nextMemberEvent(n, 'member-failed', 'def-seed');
    await seed.close();
    seed = undefined;
    await withTimeout('n to declare the seed failed', failed, 30_000);
    const back = nextMemberEvent(n, 'member-join', 'def-seed');
    // The restarted seed joins nobody: only n's rejoin loop can bring them together.
    seed2 = await createNode({ ...LOCAL, name: 'def-seed', bind: `127.0.0.1:${port}`, rejoin: false });
    await withTimeout('n to rejoin the restarted seed', back, 20_000);
    await waitUntil('the seed to see n alive', () => statusOf(seed2!, 'def-node') === 'alive', 20_000);
  } finally {
    await Promise.all([seed?.close(), n?.close(), seed2?.close()]);
  }
});

test('rejoin options are validated with the other options', async () => {
  await assert.rejects(
    createNode({ bind: '127.0.0.1:0', rejoin: { seeds: ['x'], minIntervalMs: 0, maxIntervalMs: 5 } }),
    (err) =>
      err instanceof ConfigError &&
      err.problems.some((p) => p.startsWith('rejoin.seeds[0]:')) &&
      err.problems.some((p) => p.startsWith('rejoin.minIntervalMs:')),
  );
});

test('a node restarted under the same name after being declared dead refutes it and is alive again', async () => {
  const a = await createNode({ ...LOCAL, name: 'keeper', bind: '127.0.0.1:0' });
  let b: GossipNode | undefined;
  let b2: GossipNode | undefined;
  try {
    b = await createNode({
      ...LOCAL,
      name: 'phoenix',
      bind: '127.0.0.1:0',
      join: [addr(a)],
      tags: { gen: '1' },
    });
    await waitUntil('a to see phoenix', () => statusOf(a, 'phoenix') === 'alive');
    const port = b.address.port;
    const failed = nextMemberEvent(a, 'member-failed', 'phoenix');
    await b.close();
    await withTimeout('a to declare phoenix failed', failed, 30_000);

    const rejoined = nextMemberEvent(a, 'member-join', 'phoenix');
    b2 = await createNode({
      ...LOCAL,
      name: 'phoenix',
      bind: `127.0.0.1:${port}`,
      join: [addr(a)],
      tags: { gen: '2' },
    });
    const e = await withTimeout('a to see phoenix join again', rejoined, 20_000);
    assert.equal(e.member.status, 'alive');
    await waitUntil(
      'a to see the new generation',
      () => a.members({ name: 'phoenix' })[0]?.tags.gen === '2',
      20_000,
    );
    assert.equal(statusOf(a, 'phoenix'), 'alive');
    assert.equal(statusOf(b2, 'keeper'), 'alive');
  } finally {
    await Promise.all([a.close(), b?.close(), b2?.close()]);
  }
});

test('a node restarted before anyone noticed overrides the stale alive state with its new tags', async () => {
  const a = await createNode({ ...LOCAL, name: 'watcher', bind: '127.0.0.1:0' });
  let b: GossipNode | undefined;
  let b2: GossipNode | undefined;
  try {
    b = await createNode({
      ...LOCAL,
      name: 'quick',
      bind: '127.0.0.1:0',
      join: [addr(a)],
      tags: { gen: '1' },
    });
    await waitUntil('a to see quick', () => statusOf(a, 'quick') === 'alive');
    // Bump quick's incarnation a few times so the restarted process starts below what a remembers.
    for (const gen of ['1a', '1b', '1c']) await b.setTags({ gen });
    await waitUntil('a to see gen 1c', () => a.members({ name: 'quick' })[0]?.tags.gen === '1c');
    const port = b.address.port;
    await b.close();
    b2 = await createNode({
      ...LOCAL,
      name: 'quick',
      bind: `127.0.0.1:${port}`,
      join: [addr(a)],
      tags: { gen: '2' },
    });
    await waitUntil(
      'a to see the restarted quick with gen 2',
      () => a.members({ name: 'quick' })[0]?.tags.gen === '2',
      20_000,
    );
    assert.equal(statusOf(a, 'quick'), 'alive');
  } finally {
    await Promise.all([a.close(), b?.close(), b2?.close()]);
  }
});

test('keepJoined refuses bad seeds and intervals, and stops when the node closes', async () => {
  const n = await createNode({ ...LOCAL, name: 'solo', bind: '127.0.0.1:0' });
  try {
    assert.throws(
      () => keepJoined(n, { seeds: ['nowhere'], minIntervalMs: 0, maxIntervalMs: -1 }),
      (err) => err instanceof ConfigError && err.problems.length === 3,
    );
    const loop = keepJoined(n, { seeds: ['127.0.0.1:1'] });
    loop.check(); // alone (no peers) with a seed: an attempt is scheduled
    assert.equal(loop.active, true);
    await n.close();
    assert.equal(loop.active, false);
  } finally {
    await n.close();
  }
});
