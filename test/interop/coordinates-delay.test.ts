/**
 * Network coordinates against measured round trips, in a mixed cluster with a real serf agent:
 * each node sits behind its own one-way delay (test/helpers/delay-relay.ts: 10 ms for serf,
 * 20 and 30 ms for our two agents), so a round trip between two nodes is the sum of their delays.
 * The test measures each node's delay with memberlist pings through its relay (median of 15) and
 * takes the sum as the measured round trip of a pair; then both `serf rtt` (serf's estimates,
 * which include its coordinate of our nodes, learnt from our acks) and `gossip-peer rtt` (ours)
 * must come within 25 % + 3 ms of it for all three pairs.
 *
 * The issue asked for `tc netem` in network namespaces; this kernel has no netem qdisc, so the
 * delays are made in user space on loopback instead (same shape: per-node access delays).
 * Seen failing on a broken build: with our round trips doubled before they reach the Vivaldi
 * client (network.ts), our estimates stay far from the measured ones and the wait times out.
 */
import { test } from 'node:test';
import { createSocket } from 'node:dgram';
import { AgentProcess } from '../helpers/agent-process.js';
import { CliProcess } from '../helpers/cli-process.js';
import { DelayRelay } from '../helpers/delay-relay.js';
import { freePorts } from '../helpers/ports.js';
import { SerfAgent, serfAvailable } from '../helpers/serf-agent.js';
import { waitUntil } from '../helpers/wait.js';
import { encodeMessage } from '../../src/wire/memberlist-codec.js';

const skip = serfAvailable() ? false : 'the serf binary is not installed (.ci/run installs it)';
const LINE = /^Estimated \S+ <-> \S+ rtt: (\d+\.\d{3}) ms\n$/;

/** Median round trip (ms) of memberlist pings sent to `port`, answered straight back to us. */
async function pingMedianMs(port: number, count: number): Promise<number> {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const me = sock.address().port;
  const samples: number[] = [];
  try {
    for (let seq = 1; seq <= count; seq++) {
      const ping = encodeMessage({
        type: 'ping',
        body: {
          seqNo: seq,
          node: '',
          sourceAddr: new Uint8Array([127, 0, 0, 1]),
          sourcePort: me,
          sourceNode: 'probe',
        },
      });
      const t0 = performance.now();
      const got = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no ack within 2 s')), 2000);
        sock.once('message', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      sock.send(ping, port, '127.0.0.1');
      await got;
      samples.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    sock.close();
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1] as number;
}

async function ourRtt(http: string, a: string, b: string): Promise<number | undefined> {
  const p = new CliProcess(['rtt', a, b, '--http', http]);
  try {
    const { code } = await p.exited(30_000);
    const m = code === 0 ? LINE.exec(p.stdout) : null;
    return m === null ? undefined : Number(m[1]);
  } finally {
    await p.kill();
  }
}

test(
  'serf’s and our round-trip estimates in a mixed cluster come within 25 % + 3 ms of the measured round trips',
  { skip, timeout: 240_000 },
  async (t) => {
    const [sPort, sRelay, g1Port, g1Relay, g2Port, g2Relay] = await freePorts(6);
    const relays: DelayRelay[] = [];
    let serf: SerfAgent | undefined;
    const ours: AgentProcess[] = [];
    try {
      relays.push(await DelayRelay.start(sRelay as number, sPort as number, 10));
      relays.push(await DelayRelay.start(g1Relay as number, g1Port as number, 20));
      relays.push(await DelayRelay.start(g2Relay as number, g2Port as number, 30));
      serf = await SerfAgent.start(
        { name: 'serf-d', args: [`-advertise=127.0.0.1:${sRelay}`] },
        { port: sPort as number, rpcPort: (await freePorts(1))[0] as number },
      );
      for (const [name, port, relay] of [
        ['gp-d1', g1Port, g1Relay],
        ['gp-d2', g2Port, g2Relay],
      ] as const) {
        ours.push(
          await AgentProcess.start({
            name,
            port,
            join: [`127.0.0.1:${sRelay}`],
            profile: 'lan',
            extra: ['--advertise', `127.0.0.1:${relay}`],
          }),
        );
      }
      const [g1] = ours as [AgentProcess, AgentProcess];
      await g1.waitForMemberEvent('member-join', 'gp-d2', 30_000);

      // Each node's access delay as measured, and the pairs' round trips from them.
      const oneWay = {
        'serf-d': await pingMedianMs(sRelay as number, 15),
        'gp-d1': await pingMedianMs(g1Relay as number, 15),
        'gp-d2': await pingMedianMs(g2Relay as number, 15),
      };
      const pairs = [
        ['serf-d', 'gp-d1'],
        ['serf-d', 'gp-d2'],
        ['gp-d1', 'gp-d2'],
      ] as const;
      const measured = (a: keyof typeof oneWay, b: keyof typeof oneWay): number => oneWay[a] + oneWay[b];
      const close = (est: number | undefined, truth: number): boolean =>
        est !== undefined && Math.abs(est - truth) <= 0.25 * truth + 3;

      const s = serf;
      let last = '';
      await waitUntil(
        'every estimate near the measured round trip',
        async () => {
          const rows: string[] = [];
          let ok = true;
          for (const [a, b] of pairs) {
            const r = await s.cli(['rtt', a, b]);
            const m = r.code === 0 ? LINE.exec(r.stdout) : null;
            const bySerf = m === null ? undefined : Number(m[1]);
            const byUs = await ourRtt(g1.http, a, b);
            const truth = measured(a, b);
            rows.push(`${a}↔${b}: measured ${truth.toFixed(1)}, serf ${bySerf}, ours ${byUs}`);
            ok &&= close(bySerf, truth) && close(byUs, truth);
          }
          last = rows.join('; ');
          return ok;
        },
        180_000,
        3000,
      ).catch((err: Error) => {
        throw new Error(`${err.message}: ${last}`);
      });
      t.diagnostic(last);
    } finally {
      await Promise.all(ours.map((o) => o.kill()));
      await serf?.kill();
      await Promise.all(relays.map((r) => r.close()));
    }
  },
);
