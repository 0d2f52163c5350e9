/**
 * Network coordinates in a mixed cluster: a real serf agent learns our node's coordinate from our
 * acks, so `serf rtt <our node> <serf node>` answers (before coordinates were carried it said
 * `Could not find a coordinate for node "gp-c"`), and our agent learns serf's, so
 * `gossip-peer rtt` answers in serf's format. Both estimates are of a loopback round trip between
 * two processes on a shared, possibly loaded machine (event-loop delays count in a round trip), so
 * they are only checked to be plausible (under 250 ms); accuracy against a known delay is the
 * network-namespace test's job (test/netns/coordinates.test.ts).
 * Seen failing before coordinates were carried (issue 13): serf could not find our coordinate.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentProcess } from '../helpers/agent-process.js';
import { CliProcess } from '../helpers/cli-process.js';
import { SerfAgent, serfAvailable } from '../helpers/serf-agent.js';
import { waitUntil } from '../helpers/wait.js';

const skip = serfAvailable() ? false : 'the serf binary is not installed (.ci/run installs it)';
const LINE = /^Estimated (\S+) <-> (\S+) rtt: (\d+\.\d{3}) ms\n$/;

async function ourCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = new CliProcess(args);
  try {
    const { code } = await p.exited(30_000);
    return { code, stdout: p.stdout, stderr: p.stderr };
  } finally {
    await p.kill();
  }
}

test(
  'serf rtt answers for our node, and gossip-peer rtt answers for serf’s, both in serf’s format',
  { skip },
  async () => {
    let serf: SerfAgent | undefined;
    let ours: AgentProcess | undefined;
    try {
      serf = await SerfAgent.start({ name: 'serf-c' });
      ours = await AgentProcess.start({ name: 'gp-c', join: [serf.addr], profile: 'lan' });
      await ours.waitForMemberEvent('member-join', 'serf-c');
      const s = serf;
      // serf probes one member per second; with one other member, every probe is ours.
      const fromSerf = await waitUntil(
        'serf to learn our coordinate',
        async () => {
          const r = await s.cli(['rtt', 'gp-c', 'serf-c']);
          return r.code === 0 ? r.stdout : undefined;
        },
        30_000,
        500,
      );
      const m = LINE.exec(fromSerf);
      assert.ok(m !== null, fromSerf);
      assert.ok(Number(m[3]) < 250, `serf estimates ${m[3]} ms on loopback`);
      // With one name, serf takes its own agent as the second node.
      assert.match((await s.cli(['rtt', 'gp-c'])).stdout, /^Estimated gp-c <-> serf-c rtt: \d+\.\d{3} ms\n$/);

      const http = ['--http', `127.0.0.1:${ours.httpPort}`];
      const fromUs = await waitUntil(
        'our agent to learn serf’s coordinate',
        async () => {
          const r = await ourCli(['rtt', 'serf-c', ...http]);
          return r.code === 0 ? r.stdout : undefined;
        },
        30_000,
        500,
      );
      const m2 = LINE.exec(fromUs);
      assert.ok(m2 !== null, fromUs);
      assert.equal(m2[1], 'serf-c');
      assert.equal(m2[2], 'gp-c');
      assert.ok(Number(m2[3]) < 250, `we estimate ${m2[3]} ms on loopback`);

      // An unknown node: serf's message and exit code 1.
      const none = await ourCli(['rtt', 'nobody', ...http]);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /Could not find a coordinate for node "nobody"/);
    } finally {
      await ours?.kill();
      await serf?.stop();
    }
  },
);
