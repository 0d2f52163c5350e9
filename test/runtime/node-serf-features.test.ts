/**
 * Serf features through the public node API on real loopback sockets: the snapshot file
 * (restart rejoins without replaying events), key rotation driven from our side, multicast to a tag
 * group, and the serf-format snapshot on disk.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNode, type GossipNode, type NodeUserEvent } from '../../src/index.js';
import { GossipError } from '../../src/index.js';
import { waitUntil } from '../helpers/wait.js';

const LOOPBACK = { bind: '127.0.0.1:0', profile: 'lan' } as const;
const K1 = 'W73oJMj3ie7NiYRhxJlVZBb3eN6nKBmNvgG1xQKPEYo=';
const K2 = 'qwYa6rwrvHlvBlf1T0XmcPVCY10FjL8lXbDjddgi4vo=';

function addr(n: GossipNode): string {
  return `127.0.0.1:${n.address.port}`;
}

function view(n: GossipNode): string {
  return n
    .members()
    .map((m) => `${m.name}:${m.status}`)
    .join(' ');
}

async function allSee(nodes: GossipNode[], count: number): Promise<void> {
  for (const n of nodes) {
    await waitUntil(
      `${n.name} to see ${count} alive (${view(n)})`,
      () => n.members({ status: 'alive' }).length === count,
      20_000,
    );
  }
}

function record(n: GossipNode): NodeUserEvent[] {
  const out: NodeUserEvent[] = [];
  n.on('user', (e) => out.push(e));
  return out;
}

test('a node restarted from its snapshot file rejoins by itself and replays no old event', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gp-snap-'));
  const path = join(dir, 'node.snapshot');
  const nodes: GossipNode[] = [];
  try {
    const a = await createNode({ ...LOOPBACK, name: 'snap-a' });
    nodes.push(a);
    const b = await createNode({ ...LOOPBACK, name: 'snap-b', snapshotPath: path, join: [addr(a)] });
    nodes.push(b);
    const seenB = record(b);
    await allSee([a, b], 2);
    await a.event('before', 'x');
    await waitUntil('b to get the first event', () => seenB.length === 1, 10_000);
    const port = b.address.port;
    await b.close(); // no leave: the snapshot keeps the members to rejoin
    const text = readFileSync(path, 'utf8');
    assert.match(text, new RegExp(`^alive: snap-a 127\\.0\\.0\\.1:${a.address.port}$`, 'm'));
    assert.match(text, /^event-clock: [1-9]\d*$/m);

    const b2 = await createNode({
      ...LOOPBACK,
      bind: `127.0.0.1:${port}`,
      name: 'snap-b',
      snapshotPath: path,
    });
    nodes.push(b2);
    const seenB2 = record(b2);
    await allSee([a, b2], 2);
    await a.event('after', 'y');
    await waitUntil(
      'the restarted node to get the new event',
      () => seenB2.some((e) => e.name === 'after'),
      10_000,
    );
    assert.deepEqual(
      seenB2.map((e) => e.name),
      ['after'],
      'the old event was replayed',
    );
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a corrupt snapshot file is a clear error and nothing starts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gp-snap-'));
  const path = join(dir, 'bad.snapshot');
  try {
    writeFileSync(path, 'clock: nope\n');
    await assert.rejects(
      createNode({ ...LOOPBACK, name: 'bad', snapshotPath: path }),
      (e: unknown) => e instanceof GossipError && e.code === 'GP_ERR_CONFIG' && e.message.includes(path),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('key rotation driven from our node leaves every node on the new key', async () => {
  const nodes: GossipNode[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      nodes.push(
        await createNode({
          ...LOOPBACK,
          name: `key-${i}`,
          encryptKey: K1,
          ...(i > 0 ? { join: [addr(nodes[0] as GossipNode)] } : {}),
        }),
      );
    }
    await allSee(nodes, 3);
    const n = nodes[1] as GossipNode;
    const installed = await n.installKey(K2);
    assert.equal(installed.ok, true, JSON.stringify(installed));
    assert.equal(installed.numResp, 3);
    assert.equal((await n.useKey(K2)).ok, true);
    const refused = await n.removeKey(K2);
    assert.equal(refused.ok, false);
    assert.equal(refused.messages['key-0'], 'Removing the primary key is not allowed');
    assert.equal((await n.removeKey(K1)).ok, true);
    const list = await n.listKeys();
    assert.deepEqual(list.keys, { [K2]: 3 });
    assert.deepEqual(list.primaryKeys, { [K2]: 3 });
    assert.throws(
      () => void n.installKey('not-a-key'),
      (e: unknown) => e instanceof GossipError && e.code === 'GP_ERR_KEYRING',
    );
    // Still one cluster on the new key.
    const seen = record(nodes[2] as GossipNode);
    await (nodes[0] as GossipNode).event('on-k2');
    await waitUntil('an event under K2', () => seen.some((e) => e.name === 'on-k2'), 10_000);
  } finally {
    await Promise.all(nodes.map((x) => x.close()));
  }
});

test('a multicast event reaches the tag group only', async () => {
  const nodes: GossipNode[] = [];
  try {
    for (let i = 0; i < 4; i++) {
      nodes.push(
        await createNode({
          ...LOOPBACK,
          name: `mc-${i}`,
          tags: { role: i < 2 ? 'web' : 'db' },
          ...(i > 0 ? { join: [addr(nodes[0] as GossipNode)] } : {}),
        }),
      );
    }
    await allSee(nodes, 4);
    const seen = nodes.map(record);
    await (nodes[3] as GossipNode).event('reload', 'cfg', { tags: { role: '^web$' } });
    await waitUntil(
      'both web nodes to get the multicast',
      () => seen[0]!.length === 1 && seen[1]!.length === 1,
      10_000,
    );
    assert.equal(seen[0]![0]!.multicast, true);
    assert.equal(new TextDecoder().decode(seen[1]![0]!.payload), 'cfg');
    // A broadcast sent after it reaches the db nodes; the multicast never did.
    await (nodes[0] as GossipNode).event('all');
    await waitUntil(
      'db nodes to get the broadcast',
      () => seen[2]!.length > 0 && seen[3]!.length > 0,
      10_000,
    );
    assert.deepEqual(
      seen[2]!.map((e) => e.name),
      ['all'],
    );
    assert.deepEqual(
      seen[3]!.map((e) => e.name),
      ['all'],
    );
  } finally {
    await Promise.all(nodes.map((x) => x.close()));
  }
});
