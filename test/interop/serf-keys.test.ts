/**
 * Key rotation across a mixed, encrypted cluster (3 serf agents + 3 gossip-peer nodes on
 * 127.0.0.1): `serf keys -install/-use/-remove/-list` run against a serf agent must find every node
 * — ours included — answering with success, and the cluster must stay whole on the new key.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode, type GossipNode } from '../../src/index.js';
import { SerfAgent, serfAvailable, type SerfCliMember } from '../helpers/serf-agent.js';
import { waitUntil } from '../helpers/wait.js';

const skip = serfAvailable() ? false : 'the serf binary is not installed (.ci/run installs it)';
// Throwaway keys made with `serf keygen`.
const K1 = 'W73oJMj3ie7NiYRhxJlVZBb3eN6nKBmNvgG1xQKPEYo=';
const K2 = 'qwYa6rwrvHlvBlf1T0XmcPVCY10FjL8lXbDjddgi4vo=';
const ALL = ['gp-1', 'gp-2', 'gp-3', 'serf-1', 'serf-2', 'serf-3'];

const agents: SerfAgent[] = [];
const nodes: GossipNode[] = [];
const received = new Set<string>();

async function allAliveOn(agent: SerfAgent): Promise<void> {
  let last: SerfCliMember[] = [];
  await waitUntil(
    `${agent.opts.name} to see all six alive`,
    async () => {
      last = await agent.members();
      return ALL.every((n) => last.some((m) => m.name === n && m.status === 'alive'));
    },
    20_000,
    200,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; last: ${JSON.stringify(last)}\n${agent.log.slice(-2000)}`);
  });
}

before(async () => {
  if (skip) return;
  for (const name of ['serf-1', 'serf-2', 'serf-3']) {
    agents.push(
      await SerfAgent.start({ name, encrypt: K1, join: agents.length > 0 ? [agents[0]!.addr] : [] }),
    );
  }
  for (const name of ['gp-1', 'gp-2', 'gp-3']) {
    const n = await createNode({
      name,
      bind: '127.0.0.1:0',
      encryptKey: K1,
      join: [agents[nodes.length]!.addr],
    });
    n.on('user', (e) => received.add(`${n.name}:${e.name}`));
    nodes.push(n);
  }
  for (const a of agents) await allAliveOn(a);
});

after(async () => {
  await Promise.all(nodes.map((n) => n.close()));
  await Promise.all(agents.map((a) => a.stop()));
});

test('serf keys rotates the key on our nodes too, and the cluster stays whole', { skip }, async () => {
  // `serf keys` fails when any node's answer misses the 3.2 s query window — under heavy CPU load a
  // query's gossip can miss it even among serf agents alone. The operations are idempotent, so an
  // attempt that only *lacked* answers is run again (at most 3 times); any node reporting a
  // failure fails the test at once.
  const keys = async (...args: string[]) => {
    let last = '';
    for (let attempt = 1; attempt <= 3; attempt++) {
      const r = await agents[1]!.cli(['keys', ...args], 20_000);
      last = `${r.stdout}${r.stderr}`;
      if (r.code === 0) return r.stdout;
      assert.doesNotMatch(last, /reported failure/, `serf keys ${args.join(' ')}:\n${last}`);
      assert.match(last, /nodes reported success/, `serf keys ${args.join(' ')}:\n${last}`);
    }
    assert.fail(`serf keys ${args.join(' ')} kept missing answers:\n${last}`);
  };
  await keys('-install', K2);
  await keys('-use', K2);
  const listed = await keys('-list');
  assert.match(listed, new RegExp(`${K2.replace(/[+/=]/g, '\\$&')}\\s+\\[6/6\\]`), listed);
  await keys('-remove', K1);
  const after = await keys('-list');
  assert.ok(!after.includes(K1), after);
  assert.match(after, /\[6\/6\]/);
  // Everybody now speaks K2 only: membership stays whole and new traffic flows.
  await new Promise((res) => setTimeout(res, 3000));
  for (const a of agents) await allAliveOn(a);
  for (const n of nodes) {
    await waitUntil(
      `${n.name} to see all six alive`,
      () => n.members({ status: 'alive' }).length === 6,
      20_000,
    ).catch((err: Error) => {
      throw new Error(
        `${err.message}: ${n
          .members()
          .map((m) => `${m.name}=${m.status}`)
          .join(' ')}`,
      );
    });
  }
  const r = await agents[0]!.cli(['event', 'after-rotation']);
  assert.equal(r.code, 0);
  await waitUntil(
    'every gossip-peer node to get the event sent on the new key',
    () => nodes.every((n) => received.has(`${n.name}:after-rotation`)),
    20_000,
  );
});
