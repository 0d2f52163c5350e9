import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serfWorld } from './serf-world.js';
import { Keyring, keyFromBase64, keyToBase64 } from '../../src/wire/keyring.js';

const K1 = keyFromBase64('W73oJMj3ie7NiYRhxJlVZBb3eN6nKBmNvgG1xQKPEYo=');
const K2 = keyFromBase64('qwYa6rwrvHlvBlf1T0XmcPVCY10FjL8lXbDjddgi4vo=');

function cluster(n: number, opts: Parameters<typeof serfWorld>[0] = {}) {
  const w = serfWorld(opts);
  w.add(n);
  for (let i = 1; i < n; i++) w.join(i, 0);
  assert.ok(
    w.world.runUntilTrue(
      () => Array.from({ length: n }, (_, i) => i).every((i) => w.names(i).length === n),
      30_000,
    ),
  );
  return w;
}

test('install, use, list and remove rotate the key on every node', () => {
  const rings: Keyring[] = [];
  const w = cluster(4, {
    keyring: () => {
      const r = new Keyring([K1]);
      rings.push(r);
      return r;
    },
  });
  const run = (op: 'install-key' | 'use-key' | 'remove-key' | 'list-keys', key: Uint8Array) => {
    const id = w.world.command(2, (s, now) => s.keyOperation(now, op, key));
    assert.ok(w.world.runUntilTrue(() => w.ofType(2, 'key-result').some((e) => e.requestId === id), 10_000));
    return w.ofType(2, 'key-result').find((e) => e.requestId === id)?.result;
  };
  const installed = run('install-key', K2);
  assert.equal(installed?.ok, true, JSON.stringify(installed));
  assert.equal(installed?.numResp, 4);
  assert.ok(rings.every((r) => r.size === 2));
  assert.equal(run('use-key', K2)?.ok, true);
  assert.ok(rings.every((r) => keyToBase64(r.primary()) === keyToBase64(K2)));
  const list = run('list-keys', new Uint8Array(0));
  assert.deepEqual(list?.keys, { [keyToBase64(K2)]: 4, [keyToBase64(K1)]: 4 });
  assert.deepEqual(list?.primaryKeys, { [keyToBase64(K2)]: 4 });
  const refused = run('remove-key', K2);
  assert.equal(refused?.ok, false);
  assert.equal(refused?.error, '4/4 nodes reported failure');
  assert.equal(refused?.messages['node-0'], 'Removing the primary key is not allowed');
  assert.equal(run('remove-key', K1)?.ok, true);
  assert.ok(rings.every((r) => r.size === 1));
});

test('key operations on a cluster without encryption fail the way serf keys reports it', () => {
  const w = cluster(2);
  const id = w.world.command(0, (s, now) => s.keyOperation(now, 'list-keys', new Uint8Array(0)));
  w.world.runUntilTrue(() => w.ofType(0, 'key-result').length === 1, 10_000);
  const r = w.ofType(0, 'key-result')[0];
  assert.equal(r?.requestId, id);
  assert.equal(r?.result.ok, false);
  assert.equal(r?.result.messages['node-1'], 'Keyring is empty (encryption not enabled)');
});

test('_serf_ping is acked and never delivered to the application', () => {
  const w = cluster(3);
  const h = w.world.command(0, (s, now) =>
    s.query(now, '_serf_ping', new Uint8Array(0), { requestAck: true, timeoutMs: 1_000 }),
  );
  w.world.runFor(1_500);
  assert.deepEqual(
    w
      .ofType(0, 'query-ack')
      .filter((a) => a.queryLTime === h.lTime)
      .map((a) => a.from)
      .sort(),
    ['node-0', 'node-1', 'node-2'],
  );
  for (let i = 0; i < 3; i++) assert.equal(w.ofType(i, 'query').length, 0);
});

test('a duplicate name at another address loses the conflict vote and shuts itself down', () => {
  // World names must be unique; the Serf name of the 4th node duplicates node-1's.
  const w = serfWorld({ nodeName: (ctx) => (ctx.name === 'dup' ? 'node-1' : ctx.name) });
  w.add(3);
  w.join(1, 0);
  w.join(2, 0);
  assert.ok(w.world.runUntilTrue(() => w.names(0).length === 3, 10_000));
  const dup = w.world.addNode('dup');
  w.join(dup, 2);
  assert.ok(
    w.world.runUntilTrue(() => w.ofType(dup, 'shutdown').length + w.ofType(1, 'shutdown').length > 0, 20_000),
    'no resolution',
  );
  const s = w.ofType(dup, 'shutdown')[0];
  assert.equal(s?.reason, 'name-conflict');
  assert.equal(w.serf(dup).serfState, 'shutdown');
  assert.equal(w.ofType(1, 'shutdown').length, 0, 'the original owner keeps its name');
  assert.ok((s?.responses ?? 0) >= 1 && (s?.matching ?? 1) === 0, JSON.stringify(s));
});

function partitionAndHeal(reconnectIntervalMs: number): boolean {
  const w = cluster(6, { serf: { reconnectIntervalMs } });
  const a = [0, 1, 2];
  const b = [3, 4, 5];
  const cut = w.world.net.partition(a, b);
  assert.ok(
    w.world.runUntilTrue(
      () =>
        a.every((i) => w.names(i, 'failed').length === 3) &&
        b.every((i) => w.names(i, 'failed').length === 3),
      60_000,
    ),
    'the halves did not declare each other failed',
  );
  // Stay cut past GossipToTheDeadTime (30 s): memberlist stops gossiping to, then forgets, the
  // other half, so only Serf (which keeps failed members for 24 h) can bring them back.
  w.world.runFor(60_000);
  w.world.net.heal(cut);
  // No join command: only Serf's periodic reconnects to failed members can merge the halves.
  return w.world.runUntilTrue(() => [...a, ...b].every((i) => w.names(i).length === 6), 120_000, 500);
}

test('a long partition between two halves heals by itself through reconnect attempts', () => {
  assert.equal(partitionAndHeal(30_000), true);
});

test('without reconnect attempts the same partition stays split (the control)', () => {
  assert.equal(partitionAndHeal(0), false);
});
