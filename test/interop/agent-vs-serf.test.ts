/**
 * Interop at the membership level between `gossip-peer agent` (a child process, observed through
 * `--events json` and the `members` client command) and real serf agents (Debian's serf 0.9.4),
 * all on 127.0.0.1, in both directions:
 * (a) our agent joins a 3-agent serf cluster and every `serf members` lists it alive with its tags;
 * (b) serf agents join our agent as their seed and all see each other;
 * (c) SIGKILL of our agent: every serf agent reports it failed; SIGKILL of a serf agent: our
 *     agent prints member-failed;
 * (d) graceful leave in both directions shows as left on the other side.
 * Encryption (e) is in agent-vs-serf-encrypt.test.ts. Every process is stopped by PID in `finally`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentProcess } from '../helpers/agent-process.js';
import { CliProcess } from '../helpers/cli-process.js';
import { SerfAgent, serfAvailable, type SerfCliMember } from '../helpers/serf-agent.js';

const skip = serfAvailable() ? false : 'the serf binary is not installed (.ci/run installs it)';

const has = (name: string, status: string) => (ms: SerfCliMember[]) =>
  ms.some((m) => m.name === name && m.status === status);

/** `gossip-peer members --json` against our agent. */
async function ourMembers(a: AgentProcess): Promise<{ name: string; status: string; tags: object }[]> {
  const p = new CliProcess(['members', '--json', '--http', a.http]);
  try {
    const exit = await p.exited(20_000);
    assert.equal(exit.code, 0, p.stderr);
    return (JSON.parse(p.stdout) as { members: { name: string; status: string; tags: object }[] }).members;
  } finally {
    await p.kill();
  }
}

async function stopAll(serfs: SerfAgent[], ours: (AgentProcess | undefined)[]): Promise<void> {
  await Promise.all([...serfs.map((s) => s.kill()), ...ours.map((o) => o?.kill())]);
}

test(
  '(a)(c)(d) our agent joins a 3-agent serf cluster, is listed alive with its tags; a killed serf agent is failed, a leaving one left',
  { skip },
  async () => {
    const serfs: SerfAgent[] = [];
    let ours: AgentProcess | undefined;
    try {
      serfs.push(await SerfAgent.start({ name: 'serf-a', tags: { role: 'serf' } }));
      serfs.push(await SerfAgent.start({ name: 'serf-b', join: [serfs[0]!.addr] }));
      serfs.push(await SerfAgent.start({ name: 'serf-c', join: [serfs[0]!.addr] }));
      ours = await AgentProcess.start({
        name: 'gp-agent',
        join: [serfs[1]!.addr],
        tags: { role: 'web', lang: 'ts' },
        profile: 'lan',
      });

      for (const s of serfs) {
        const list = await s.waitForMembers(
          `${s.opts.name} to list gp-agent alive`,
          has('gp-agent', 'alive'),
        );
        const gp = list.find((m) => m.name === 'gp-agent')!;
        assert.deepEqual(gp.tags, { role: 'web', lang: 'ts' });
        assert.equal(gp.addr, ours.addr);
      }
      for (const s of serfs) await ours.waitForMemberEvent('member-join', s.opts.name);
      const seen = await ourMembers(ours);
      assert.deepEqual(seen.map((m) => `${m.name}:${m.status}`).sort(), [
        'gp-agent:alive',
        'serf-a:alive',
        'serf-b:alive',
        'serf-c:alive',
      ]);
      assert.deepEqual(seen.find((m) => m.name === 'serf-a')?.tags, { role: 'serf' });

      // (c) a crashed serf agent.
      await serfs[2]!.kill();
      const failed = await ours.waitForMemberEvent('member-failed', 'serf-c', 40_000);
      assert.equal(failed.member?.status, 'failed');

      // (d) a serf agent leaving gracefully.
      const r = await serfs[1]!.cli(['leave']);
      assert.equal(r.code, 0, r.stderr);
      const left = await ours.waitForMemberEvent('member-leave', 'serf-b', 30_000);
      assert.equal(left.member?.status, 'left');
      assert.equal(ours.count('member-failed', 'serf-b'), 0);
    } finally {
      await stopAll(serfs, [ours]);
    }
  },
);

test(
  '(b)(d) serf agents join our agent as their seed and all see each other; `gossip-peer leave` shows as left',
  { skip },
  async () => {
    const serfs: SerfAgent[] = [];
    let ours: AgentProcess | undefined;
    try {
      ours = await AgentProcess.start({ name: 'gp-seed', tags: { role: 'seed' }, profile: 'lan' });
      serfs.push(await SerfAgent.start({ name: 'serf-1', join: [ours.addr] }));
      serfs.push(await SerfAgent.start({ name: 'serf-2', join: [ours.addr] }));
      const names = ['gp-seed', 'serf-1', 'serf-2'];
      for (const s of serfs) {
        await s.waitForMembers(`${s.opts.name} to list all three alive`, (ms) =>
          names.every((n) => has(n, 'alive')(ms)),
        );
      }
      await ours.waitForMemberEvent('member-join', 'serf-1');
      await ours.waitForMemberEvent('member-join', 'serf-2');

      const p = new CliProcess(['leave', '--http', ours.http]);
      try {
        assert.equal((await p.exited(60_000)).code, 0, p.stderr);
      } finally {
        await p.kill();
      }
      assert.deepEqual(await ours.exited(20_000), { code: 0, signal: null });
      for (const s of serfs)
        await s.waitForMembers(`${s.opts.name} to list gp-seed left`, has('gp-seed', 'left'));
    } finally {
      await stopAll(serfs, [ours]);
    }
  },
);

test('(c) SIGKILL of our agent makes every serf agent report it failed', { skip }, async () => {
  const serfs: SerfAgent[] = [];
  let ours: AgentProcess | undefined;
  try {
    serfs.push(await SerfAgent.start({ name: 'serf-x' }));
    serfs.push(await SerfAgent.start({ name: 'serf-y', join: [serfs[0]!.addr] }));
    ours = await AgentProcess.start({ name: 'gp-doomed', join: [serfs[0]!.addr], profile: 'lan' });
    for (const s of serfs)
      await s.waitForMembers(`${s.opts.name} to list gp-doomed alive`, has('gp-doomed', 'alive'));
    await ours.kill();
    for (const s of serfs) {
      await s.waitForMembers(`${s.opts.name} to report gp-doomed failed`, has('gp-doomed', 'failed'), 40_000);
    }
  } finally {
    await stopAll(serfs, [ours]);
  }
});
