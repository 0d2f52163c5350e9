/**
 * Interop at the membership level with the real serf agent (Debian's serf 0.9.4 on memberlist
 * 0.2.2): our node joins serf clusters, serf agents join our node, and failures and leaves are
 * detected in both directions. Every agent runs on 127.0.0.1 and is stopped by PID in `finally`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { createNode, GossipError, type GossipNode } from '../../src/index.js';
import { SerfAgent, serfAvailable } from '../helpers/serf-agent.js';
import { CliProcess } from '../helpers/cli-process.js';
import { freePort } from '../helpers/ports.js';
import { waitUntil, withTimeout } from '../helpers/wait.js';
import { nextMemberEvent } from '../helpers/node-events.js';

const skip = serfAvailable() ? false : 'the serf binary is not installed (.ci/run installs it)';

async function stopAll(agents: SerfAgent[]): Promise<void> {
  await Promise.all(agents.map((a) => a.stop()));
}

test(
  'our node joins a 3-agent serf cluster, is listed alive with its tags, and detects a killed agent',
  { skip },
  async () => {
    const agents: SerfAgent[] = [];
    let node: GossipNode | undefined;
    try {
      agents.push(await SerfAgent.start({ name: 'serf-a', tags: { role: 'serf' } }));
      agents.push(await SerfAgent.start({ name: 'serf-b', join: [agents[0]!.addr] }));
      agents.push(await SerfAgent.start({ name: 'serf-c', join: [agents[0]!.addr] }));
      node = await createNode({
        name: 'gp-1',
        bind: '127.0.0.1:0',
        tags: { role: 'web', lang: 'ts' },
        join: [agents[1]!.addr],
      });

      for (const agent of agents) {
        const members = await agent.waitForMembers(`${agent.opts.name} to list gp-1 alive`, (ms) =>
          ms.some((m) => m.name === 'gp-1' && m.status === 'alive'),
        );
        const gp = members.find((m) => m.name === 'gp-1')!;
        assert.deepEqual(gp.tags, { role: 'web', lang: 'ts' });
        assert.equal(gp.addr, `127.0.0.1:${node.address.port}`);
      }
      const filtered = await agents[2]!.members(['-tag', 'role=web']);
      assert.deepEqual(
        filtered.map((m) => m.name),
        ['gp-1'],
      );
      await waitUntil(
        'our node to see 4 alive',
        () => node!.members({ status: 'alive' }).length === 4,
        20_000,
      );
      assert.deepEqual(node.members({ name: 'serf-a' })[0]?.tags, { role: 'serf' });

      const failed = nextMemberEvent(node, 'member-failed', 'serf-c');
      await agents[2]!.kill();
      const e = await withTimeout('member-failed for serf-c', failed, 40_000);
      assert.equal(e.member.status, 'failed');
    } finally {
      await node?.close();
      await stopAll(agents);
    }
  },
);

test(
  'serf agents join our node as their seed and every node sees every other; our leave shows as left',
  { skip },
  async () => {
    const agents: SerfAgent[] = [];
    let node: GossipNode | undefined;
    try {
      node = await createNode({ name: 'gp-seed', bind: '127.0.0.1:0', tags: { role: 'seed' } });
      const seed = `127.0.0.1:${node.address.port}`;
      agents.push(await SerfAgent.start({ name: 'serf-1', join: [seed] }));
      agents.push(await SerfAgent.start({ name: 'serf-2', join: [seed] }));
      const names = ['gp-seed', 'serf-1', 'serf-2'];
      for (const agent of agents) {
        await agent.waitForMembers(`${agent.opts.name} to list all three alive`, (ms) =>
          names.every((n) => ms.some((m) => m.name === n && m.status === 'alive')),
        );
      }
      await waitUntil(
        'our node to see all three alive',
        () => node!.members({ status: 'alive' }).length === 3,
        20_000,
      );

      await withTimeout('our leave', node.leave(), 20_000);
      await node.close();
      for (const agent of agents) {
        await agent.waitForMembers(`${agent.opts.name} to list gp-seed as left`, (ms) =>
          ms.some((m) => m.name === 'gp-seed' && m.status === 'left'),
        );
      }
    } finally {
      await node?.close();
      await stopAll(agents);
    }
  },
);

test('SIGKILL of our seed-mode process makes the serf agents report it failed', { skip }, async () => {
  const agents: SerfAgent[] = [];
  const port = await freePort();
  const ours = new CliProcess([String(port)]);
  try {
    await ours.waitForLine(`listening at: ${port}`);
    agents.push(await SerfAgent.start({ name: 'serf-x', join: [`127.0.0.1:${port}`] }));
    agents.push(await SerfAgent.start({ name: 'serf-y', join: [`127.0.0.1:${port}`] }));
    const ourName = `${hostname()}-${port}`;
    await ours.waitForLine(`append: serf-x 127.0.0.1:${agents[0]!.port}`);
    await ours.waitForLine(`append: serf-y 127.0.0.1:${agents[1]!.port}`);
    for (const agent of agents) {
      await agent.waitForMembers(`${agent.opts.name} to list us alive`, (ms) =>
        ms.some((m) => m.name === ourName && m.status === 'alive'),
      );
    }
    await ours.kill();
    for (const agent of agents) {
      await agent.waitForMembers(
        `${agent.opts.name} to report us failed`,
        (ms) => ms.some((m) => m.name === ourName && m.status === 'failed'),
        40_000,
      );
    }
  } finally {
    await ours.kill();
    await stopAll(agents);
  }
});

test(
  'with the same key our node joins encrypted serf agents; with another key it cannot',
  { skip },
  async () => {
    const key = randomBytes(32).toString('base64');
    const agents: SerfAgent[] = [];
    let node: GossipNode | undefined;
    try {
      agents.push(await SerfAgent.start({ name: 'serf-e1', encrypt: key }));
      agents.push(await SerfAgent.start({ name: 'serf-e2', encrypt: key, join: [agents[0]!.addr] }));
      await assert.rejects(
        createNode({
          name: 'gp-wrong',
          bind: '127.0.0.1:0',
          encryptKey: randomBytes(32).toString('base64'),
          join: [agents[0]!.addr],
          joinAttempts: 1,
        }),
        (e: unknown) => e instanceof GossipError && e.code === 'GP_ERR_JOIN',
      );
      node = await createNode({
        name: 'gp-enc',
        bind: '127.0.0.1:0',
        encryptKey: key,
        tags: { enc: 'yes' },
        join: [agents[0]!.addr],
      });
      for (const agent of agents) {
        const ms = await agent.waitForMembers(`${agent.opts.name} to list gp-enc alive`, (list) =>
          list.some((m) => m.name === 'gp-enc' && m.status === 'alive'),
        );
        assert.ok(!ms.some((m) => m.name === 'gp-wrong'), 'the node with the wrong key never got in');
      }
      await waitUntil(
        'our node to see both agents alive',
        () => node!.members({ status: 'alive' }).length === 3,
        20_000,
      );
    } finally {
      await node?.close();
      await stopAll(agents);
    }
  },
);
