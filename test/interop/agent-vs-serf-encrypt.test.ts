/**
 * Interop (e): with the same `-encrypt` key everywhere, our agent and serf agents form one cluster
 * in both directions; a node with a wrong key or no key cannot join, and says why in one line.
 * All on 127.0.0.1; every process is stopped by PID in `finally`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { AgentProcess } from '../helpers/agent-process.js';
import { CliProcess } from '../helpers/cli-process.js';
import { freePorts } from '../helpers/ports.js';
import { SERF_BIN, SerfAgent, serfAvailable } from '../helpers/serf-agent.js';

const skip = serfAvailable() ? false : 'the serf binary is not installed (.ci/run installs it)';
const key = (): string => randomBytes(16).toString('base64');

/** Runs our agent expecting a failed start; returns its one stderr line. */
async function agentFails(args: string[]): Promise<string> {
  const p = new CliProcess(args);
  try {
    const exit = await p.exited(30_000);
    assert.equal(exit.code, 1, `exit code; stderr: ${p.stderr}`);
    const lines = p.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `one line, got: ${p.stderr}`);
    return lines[0] as string;
  } finally {
    await p.kill();
  }
}

test(
  '(e) with one key everywhere our agent and serf agents join each other; wrong or missing keys are refused with a reason',
  { skip },
  async () => {
    const k = key();
    const serfs: SerfAgent[] = [];
    let ours: AgentProcess | undefined;
    try {
      serfs.push(await SerfAgent.start({ name: 'serf-e1', encrypt: k }));
      ours = await AgentProcess.start({ name: 'gp-enc', encrypt: k, join: [serfs[0]!.addr], profile: 'lan' });
      // A serf agent joining through our agent.
      serfs.push(await SerfAgent.start({ name: 'serf-e2', encrypt: k, join: [ours.addr] }));
      for (const s of serfs) {
        await s.waitForMembers(`${s.opts.name} to list all three alive`, (ms) =>
          ['serf-e1', 'serf-e2', 'gp-enc'].every((n) => ms.some((m) => m.name === n && m.status === 'alive')),
        );
      }
      await ours.waitForMemberEvent('member-join', 'serf-e1');
      await ours.waitForMemberEvent('member-join', 'serf-e2');

      const [p1, h1, p2, h2] = await freePorts(4);
      const base = (port: number, http: number): string[] => [
        'agent',
        '--bind',
        `127.0.0.1:${port}`,
        '--http',
        `127.0.0.1:${http}`,
        '--profile',
        'lan',
      ];
      const wrong = await agentFails([
        ...base(p1!, h1!),
        '--node',
        'gp-wrong',
        '--encrypt',
        key(),
        '--join',
        serfs[0]!.addr,
      ]);
      assert.match(
        wrong,
        /^gossip-peer: agent: could not join any seed: .*different encryption key: check --encrypt\)$/,
      );
      const none = await agentFails([...base(p2!, h2!), '--node', 'gp-nokey', '--join', serfs[0]!.addr]);
      assert.match(none, /^gossip-peer: agent: could not join any seed: .*encryption is on at one end only/);

      // A serf agent with the wrong key cannot join our agent (serf says so itself and exits).
      const [sp, sr] = await freePorts(2);
      const bad = spawn(
        SERF_BIN,
        [
          'agent',
          '-node=serf-bad',
          `-bind=127.0.0.1:${sp}`,
          `-rpc-addr=127.0.0.1:${sr}`,
          `-encrypt=${key()}`,
          `-join=${ours.addr}`,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      bad.stdout.on('data', (b: Buffer) => (out += b.toString()));
      bad.stderr.on('data', (b: Buffer) => (out += b.toString()));
      try {
        const code = await new Promise<number | null>((resolve) => {
          const t = setTimeout(() => resolve(null), 30_000);
          bad.once('exit', (c) => {
            clearTimeout(t);
            resolve(c);
          });
        });
        assert.notEqual(code, 0, `serf with a wrong key should fail to join; log:\n${out}`);
        assert.notEqual(code, null, `serf with a wrong key should exit; log:\n${out}`);
        assert.match(out, /decrypt|encrypt/i);
      } finally {
        if (bad.exitCode === null && bad.signalCode === null) bad.kill('SIGKILL');
      }
      // Nobody was let in.
      assert.equal(ours.events.filter((e) => e.event === 'member-join').length, 3);
    } finally {
      await Promise.all([...serfs.map((s) => s.kill()), ours?.kill()]);
    }
  },
);
