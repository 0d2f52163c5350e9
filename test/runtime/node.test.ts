import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createNode, type GossipNode, type NodeEvent, type NodeMemberEvent } from '../../src/index.js';
import { ConfigError, GossipError, TransportError } from '../../src/index.js';
import { freePort } from '../helpers/ports.js';
import { deferred, waitUntil, withTimeout } from '../helpers/wait.js';

/**
 * Loopback nodes on the default `lan` profile: its 500 ms probe timeout tolerates a loaded CI
 * machine (the `local` profile's 200 ms made a busy event loop look like a failed peer).
 */
const LOOPBACK = { bind: '127.0.0.1:0', profile: 'lan' } as const;

/** Every member as `name:status`, for failure messages. */
function view(n: GossipNode): string {
  return n
    .members()
    .map((m) => `${m.name}:${m.status}`)
    .join(' ');
}

function addr(n: GossipNode): string {
  return `127.0.0.1:${n.address.port}`;
}

function aliveNames(n: GossipNode): string[] {
  return n
    .members({ status: 'alive' })
    .map((m) => m.name)
    .sort();
}

async function closeAll(nodes: (GossipNode | undefined)[]): Promise<void> {
  await Promise.all(nodes.map((n) => n?.close()));
}

/** Resolves with the first event of `type` about `name`. */
function nextMemberEvent(
  n: GossipNode,
  type: NodeMemberEvent['type'],
  name: string,
): Promise<NodeMemberEvent> {
  const d = deferred<NodeMemberEvent>();
  const on = (e: NodeMemberEvent): void => {
    if (e.member.name === name) {
      n.off(type, on);
      d.resolve(e);
    }
  };
  n.on(type, on);
  return d.promise;
}

test('three nodes in one process join through each other and agree on the membership', async () => {
  const a = await createNode({ ...LOOPBACK, name: 'a' });
  let b: GossipNode | undefined;
  let c: GossipNode | undefined;
  try {
    b = await createNode({ ...LOOPBACK, name: 'b', join: [addr(a)] });
    c = await createNode({ ...LOOPBACK, name: 'c', join: [addr(b)] });
    for (const n of [a, b, c]) {
      await waitUntil(`${n.name} to see a, b, c alive`, () => aliveNames(n).join() === 'a,b,c');
    }
    const seenByA = a.members({ name: 'c' })[0];
    assert.deepEqual(seenByA?.addr, { ip: '127.0.0.1', port: c.address.port });
  } finally {
    await closeAll([a, b, c]);
  }
});

test('a node that closes without leaving is seen as failed; one that leaves is seen as left', async () => {
  const a = await createNode({ ...LOOPBACK, name: 'a' });
  let b: GossipNode | undefined;
  let c: GossipNode | undefined;
  try {
    b = await createNode({ ...LOOPBACK, name: 'b', join: [addr(a)] });
    c = await createNode({ ...LOOPBACK, name: 'c', join: [addr(a)] });
    await waitUntil('a to see three alive', () => aliveNames(a).length === 3);
    await waitUntil('c to see three alive', () => aliveNames(c!).length === 3);

    // c first, while a and b can both suspect it (b's confirmation shortens a's suspicion timeout).
    const cFailed = nextMemberEvent(a, 'member-failed', 'c');
    await c.close();
    await withTimeout('a to see c fail', cFailed, 30_000).catch((err: Error) => {
      throw new Error(`${err.message}; a sees ${view(a)}`);
    });
    assert.equal(a.members({ name: 'c' })[0]?.status, 'failed');

    const bLeft = nextMemberEvent(a, 'member-leave', 'b');
    await withTimeout('b to leave', b.leave(), 20_000);
    await b.close();
    await withTimeout('a to see b leave', bLeft, 20_000).catch((err: Error) => {
      throw new Error(`${err.message}; a sees ${view(a)}`);
    });
    assert.equal(a.members({ name: 'b' })[0]?.status, 'left');
  } finally {
    await closeAll([a, b, c]);
  }
});

test("the node's first event is its own member-join, delivered to listeners attached after createNode", async () => {
  const a = await createNode({ ...LOOPBACK, name: 'first' });
  try {
    const it = a.events();
    const first = await withTimeout('the first event', it.next());
    assert.equal(first.done, false);
    const e = first.value as NodeEvent;
    assert.equal(e.type, 'member-join');
    assert.equal(e.type === 'member-join' ? e.member.name : '', 'first');
    await it.return?.();
  } finally {
    await a.close();
  }
});

test('events() ends when the node closes, and when its signal aborts', async () => {
  const a = await createNode({ ...LOOPBACK, name: 'x' });
  const ac = new AbortController();
  const aborted = a.events({ signal: ac.signal });
  const untilClose = a.events();
  ac.abort();
  assert.equal((await withTimeout('aborted iterator', aborted.next())).done, true);
  await a.close();
  const rest: NodeEvent[] = [];
  for await (const e of untilClose) rest.push(e);
  assert.ok(rest.length <= 1, 'at most the held-back self join');
});

test('an AbortSignal aborts createNode while it retries an unreachable seed, and releases the port', async () => {
  const deadPort = await freePort();
  const port = await freePort();
  const ac = new AbortController();
  const started = createNode({
    bind: `127.0.0.1:${port}`,
    profile: 'local',
    join: [`127.0.0.1:${deadPort}`],
    joinAttempts: 1000,
    joinRetryIntervalMs: 200,
    signal: ac.signal,
  });
  setTimeout(() => ac.abort(), 300);
  await assert.rejects(
    withTimeout('createNode to reject', started),
    (e: unknown) => e instanceof GossipError && e.code === 'GP_ERR_ABORTED',
  );
  // The port is free again.
  const again = await createNode({ bind: `127.0.0.1:${port}`, profile: 'local' });
  await again.close();
});

test('an unreachable seed makes createNode reject with GP_ERR_JOIN after its attempts', async () => {
  const deadPort = await freePort();
  await assert.rejects(
    createNode({ ...LOOPBACK, join: [`127.0.0.1:${deadPort}`], joinAttempts: 2, joinRetryIntervalMs: 50 }),
    (e: unknown) => e instanceof GossipError && e.code === 'GP_ERR_JOIN',
  );
});

test('`await using` closes the node at the end of the scope', async () => {
  let node: GossipNode | undefined;
  {
    await using n = await createNode({ ...LOOPBACK, name: 'scoped' });
    node = n;
    assert.equal(n.closed, false);
  }
  assert.equal(node.closed, true);
  await assert.rejects(
    node.setTags({ a: 'b' }),
    (e: unknown) => e instanceof GossipError && e.code === 'GP_ERR_STATE',
  );
});

test('bad options reject with one ConfigError listing every problem, node and tunables alike', async () => {
  await assert.rejects(
    createNode({
      bind: 'nope',
      profile: 'moon' as 'lan',
      swim: { probeIntervalMs: -1 },
      serf: { userEventSizeLimit: 0 },
      extra: 1,
    } as never),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      const want = ['bind:', 'profile:', 'extra:', 'swim.probeIntervalMs', 'serf.userEventSizeLimit'];
      for (const w of want)
        assert.ok(
          e.problems.some((p) => p.startsWith(w)),
          `${w} in ${e.problems.join(' | ')}`,
        );
      return true;
    },
  );
});

test('binding a port in use rejects with a TransportError', async () => {
  const a = await createNode({ ...LOOPBACK });
  try {
    await assert.rejects(
      createNode({ bind: `127.0.0.1:${a.address.port}`, profile: 'local' }),
      (e: unknown) => {
        return e instanceof TransportError && e.code === 'GP_ERR_TRANSPORT' && e.syscallCode === 'EADDRINUSE';
      },
    );
  } finally {
    await a.close();
  }
});

test('members() filters by tag (exact string or RegExp) and status', async () => {
  const a = await createNode({ ...LOOPBACK, name: 'web-1', tags: { role: 'web', zone: 'a' } });
  let b: GossipNode | undefined;
  try {
    b = await createNode({ ...LOOPBACK, name: 'db-1', tags: { role: 'db', zone: 'a' }, join: [addr(a)] });
    await waitUntil('a to see both', () => aliveNames(a).length === 2);
    assert.deepEqual(
      a.members({ tags: { role: 'web' } }).map((m) => m.name),
      ['web-1'],
    );
    assert.deepEqual(
      a.members({ tags: { role: /^d/ } }).map((m) => m.name),
      ['db-1'],
    );
    assert.equal(a.members({ tags: { zone: 'a' }, status: 'alive' }).length, 2);
    assert.equal(a.members({ status: 'failed' }).length, 0);
    assert.deepEqual(a.members({ name: 'db-1' })[0]?.tags, { role: 'db', zone: 'a' });
  } finally {
    await closeAll([a, b]);
  }
});

test('nodes sharing an encryption key form a cluster; a node with another key cannot join', async () => {
  const k1 = randomBytes(32).toString('base64');
  const k2 = randomBytes(32).toString('base64');
  const a = await createNode({ ...LOOPBACK, name: 'a', encryptKey: k1 });
  let b: GossipNode | undefined;
  try {
    b = await createNode({ ...LOOPBACK, name: 'b', encryptKey: k1, join: [addr(a)] });
    await waitUntil(
      'a and b to agree',
      () => aliveNames(a).join() === 'a,b' && aliveNames(b!).join() === 'a,b',
    );
    await assert.rejects(
      createNode({ ...LOOPBACK, name: 'intruder', encryptKey: k2, join: [addr(a)], joinAttempts: 1 }),
      (e: unknown) => e instanceof GossipError && e.code === 'GP_ERR_JOIN',
    );
    await assert.rejects(
      createNode({ ...LOOPBACK, name: 'plain', join: [addr(a)], joinAttempts: 1 }),
      (e: unknown) => e instanceof GossipError && e.code === 'GP_ERR_JOIN',
    );
    assert.deepEqual(aliveNames(a), ['a', 'b']);
  } finally {
    await closeAll([a, b]);
  }
});

test('tags set on one node reach the other as member-update', async () => {
  const a = await createNode({ ...LOOPBACK, name: 'a', tags: { v: '1' } });
  let b: GossipNode | undefined;
  try {
    b = await createNode({ ...LOOPBACK, name: 'b', join: [addr(a)] });
    await waitUntil('b to see a', () => aliveNames(b!).length === 2);
    const updated = nextMemberEvent(b, 'member-update', 'a');
    await a.setTags({ v: '2' });
    const e = await withTimeout('the update', updated, 10_000);
    assert.deepEqual(e.member.tags, { v: '2' });
  } finally {
    await closeAll([a, b]);
  }
});

test('two nodes on IPv6 loopback join and agree', async () => {
  const a = await createNode({ bind: '[::1]:0', name: 'v6-a' });
  let b: GossipNode | undefined;
  try {
    assert.deepEqual(a.advertiseAddress, { ip: '::1', port: a.address.port });
    b = await createNode({ bind: '[::1]:0', name: 'v6-b', join: [`[::1]:${a.address.port}`] });
    await waitUntil(
      'both to see two alive',
      () => aliveNames(a).join() === 'v6-a,v6-b' && aliveNames(b!).join() === 'v6-a,v6-b',
    );
    assert.deepEqual(a.members({ name: 'v6-b' })[0]?.addr, { ip: '::1', port: b.address.port });
  } finally {
    await closeAll([a, b]);
  }
});

test('a node advertises an address distinct from its bind address, and peers reach it there', async () => {
  const a = await createNode({ ...LOOPBACK, name: 'a' });
  let b: GossipNode | undefined;
  let c: GossipNode | undefined;
  try {
    // Bound to every interface, advertised as 127.0.0.2: peers only ever send to 127.0.0.2.
    b = await createNode({ bind: '0.0.0.0:0', advertise: '127.0.0.2', name: 'b', join: [addr(a)] });
    assert.deepEqual(b.advertiseAddress, { ip: '127.0.0.2', port: b.address.port });
    await waitUntil(
      'a to list b at its advertised address',
      () => a.members({ name: 'b', status: 'alive' })[0],
    );
    assert.deepEqual(a.members({ name: 'b' })[0]?.addr, { ip: '127.0.0.2', port: b.address.port });
    // A third node joins through the advertised address: TCP push-pull to 127.0.0.2 reaches b.
    c = await createNode({ ...LOOPBACK, name: 'c', join: [`127.0.0.2:${b.address.port}`], joinAttempts: 1 });
    await waitUntil('c to see a and b through b', () => aliveNames(c!).join() === 'a,b,c');
  } finally {
    await closeAll([a, b, c]);
  }
});

test('a user event reaches every node once, and a query gets the answer a listener gives', async () => {
  const a = await createNode({ ...LOOPBACK, name: 'a' });
  let b: GossipNode | undefined;
  try {
    b = await createNode({ ...LOOPBACK, name: 'b', join: [addr(a)] });
    await waitUntil('both to see two alive', () => aliveNames(a).length === 2 && aliveNames(b!).length === 2);
    const got = deferred<string>();
    b.on('user', (e) => got.resolve(`${e.name}:${new TextDecoder().decode(e.payload)}`));
    b.on('query', (q) => {
      if (q.name === 'load') q.respond(`load of ${b!.name}`); // answering from inside the listener
    });
    await a.event('deploy', 'v42');
    assert.equal(await withTimeout('the user event at b', got.promise), 'deploy:v42');

    const replies: string[] = [];
    for await (const r of a.query('load', '', { filterNodes: ['b'], timeoutMs: 3000 })) {
      if (r.type === 'response') replies.push(`${r.from}=${new TextDecoder().decode(r.payload)}`);
    }
    assert.deepEqual(replies, ['b=load of b']);
  } finally {
    await closeAll([a, b]);
  }
});
