/**
 * A partition between the two halves of a mixed cluster heals by itself: 3 serf agents on
 * 127.0.0.3 and 3 gossip-peer nodes on 127.0.0.2; an nftables table of our own (named
 * `gossip_peer_test_<pid>`, rules matching only this test's ports) drops UDP and TCP between the
 * halves until each declares the other failed, then is deleted. The drop is on the *input* hook, a
 * silent loss as on a real network: an output drop makes `sendto` fail with EPERM, and memberlist
 * 0.2.2 then skips the probe ("Failed to send ping") without ever suspecting the peer. No join is issued afterwards: the
 * cluster must merge again on its own (memberlist gossip to the dead, refutation, Serf reconnects).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createNode, type GossipNode } from '../../src/index.js';
import { SerfAgent, serfAvailable } from '../helpers/serf-agent.js';
import { freePort } from '../helpers/ports.js';
import { waitUntil } from '../helpers/wait.js';

const GP_IP = '127.0.0.2';
const SERF_IP = '127.0.0.3';
const TABLE = `gossip_peer_test_${process.pid}`;

function nftUsable(): boolean {
  try {
    execFileSync('nft', ['list', 'tables'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const skip = !serfAvailable()
  ? 'the serf binary is not installed'
  : !nftUsable()
    ? 'nft is not usable here (needs root)'
    : false;

function cut(gpPorts: number[], serfPorts: number[]): void {
  const gp = gpPorts.join(', ');
  const sf = serfPorts.join(', ');
  const rules = `table inet ${TABLE} {
  chain in {
    type filter hook input priority 0; policy accept;
    ip saddr ${GP_IP} ip daddr ${SERF_IP} th dport { ${sf} } drop
    ip saddr ${SERF_IP} ip daddr ${GP_IP} th dport { ${gp} } drop
    ip saddr 127.0.0.1 ip daddr ${GP_IP} tcp dport { ${gp} } drop
  }
}
`;
  execFileSync('nft', ['-f', '-'], { input: rules });
}

function heal(): void {
  try {
    execFileSync('nft', ['delete', 'table', 'inet', TABLE], { stdio: 'ignore' });
  } catch {
    // not created
  }
}

const GP = ['gp-a', 'gp-b', 'gp-c'];
const SERF = ['serf-a', 'serf-b', 'serf-c'];

test('a partition between serf agents and our nodes heals by itself', { skip }, async () => {
  const agents: SerfAgent[] = [];
  const nodes: GossipNode[] = [];
  try {
    for (const name of SERF) {
      agents.push(
        await SerfAgent.start({ name, ip: SERF_IP, join: agents.length > 0 ? [agents[0]!.addr] : [] }),
      );
    }
    for (const name of GP) {
      const port = await freePort(GP_IP);
      nodes.push(await createNode({ name, bind: `${GP_IP}:${port}`, join: [agents[0]!.addr] }));
    }
    const status = (n: GossipNode, names: string[], s: string) =>
      names.every((x) => n.members().some((m) => m.name === x && m.status === s));
    for (const n of nodes)
      await waitUntil(`${n.name} to see all six`, () => status(n, [...GP, ...SERF], 'alive'), 20_000);
    // Serf's side too: a serf agent that had not yet heard of gp-c when the cut came would never
    // list it failed (it has no entry to fail).
    for (const a of agents)
      await a.waitForMembers(
        `${a.opts.name} to see all six`,
        (ms) => [...GP, ...SERF].every((x) => ms.some((m) => m.name === x && m.status === 'alive')),
        20_000,
      );

    cut(
      nodes.map((n) => n.address.port),
      agents.map((a) => a.port),
    );
    for (const n of nodes)
      await waitUntil(`${n.name} to see the serf half failed`, () => status(n, SERF, 'failed'), 60_000);
    for (const a of agents) {
      await a.waitForMembers(
        `${a.opts.name} to see our half failed`,
        (ms) => GP.every((x) => ms.some((m) => m.name === x && m.status === 'failed')),
        // Suspicion starts at 24 s with 6 members (Lifeguard) and shrinks with confirmations.
        60_000,
      );
    }
    // The halves keep working on their own side meanwhile.
    for (const n of nodes) assert.ok(status(n, GP, 'alive'), n.name);

    heal();
    for (const n of nodes)
      await waitUntil(
        `${n.name} to see all six alive again`,
        () => status(n, [...GP, ...SERF], 'alive'),
        60_000,
      );
    for (const a of agents) {
      await a.waitForMembers(
        `${a.opts.name} to see all six alive again`,
        (ms) => [...GP, ...SERF].every((x) => ms.some((m) => m.name === x && m.status === 'alive')),
        60_000,
      );
    }
  } finally {
    heal();
    await Promise.all(nodes.map((n) => n.close()));
    await Promise.all(agents.map((a) => a.stop()));
  }
});
