/**
 * `gossip-peer agent` and its client commands as a user runs them: child processes on 127.0.0.1,
 * events read from `--events json` on stdout, `members` / `leave` run as further child processes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentProcess, killAll } from '../helpers/agent-process.js';
import { CliProcess } from '../helpers/cli-process.js';

/** Runs a client command to completion. */
async function client(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = new CliProcess(args);
  try {
    const { code } = await p.exited(20_000);
    return { code, stdout: p.stdout, stderr: p.stderr };
  } finally {
    await p.kill();
  }
}

test('two agents join; each prints the other; members lists both, filtered by tag and status', async () => {
  let a: AgentProcess | undefined;
  let b: AgentProcess | undefined;
  try {
    a = await AgentProcess.start({ name: 'agent-a', tags: { role: 'db' } });
    b = await AgentProcess.start({ name: 'agent-b', join: [a.addr], tags: { role: 'web', dc: 'x1' } });
    await a.waitForMemberEvent('member-join', 'agent-b');
    await b.waitForMemberEvent('member-join', 'agent-a');

    // Every stdout line is a JSON event of this node; the first is its own join.
    for (const agent of [a, b]) {
      const lines = agent.proc.lines;
      const events = agent.events;
      assert.equal(events.length, lines.length, `non-JSON lines on stdout: ${agent.proc.stdout}`);
      assert.equal(events[0]?.event, 'member-join');
      assert.equal(events[0]?.member?.name, agent.name);
      for (const e of events) {
        assert.equal(e.node, agent.name);
        assert.equal(typeof e.ts, 'number');
      }
    }
    const joinB = a.events.find((e) => e.event === 'member-join' && e.member?.name === 'agent-b');
    assert.deepEqual(joinB?.member, {
      name: 'agent-b',
      addr: '127.0.0.1',
      port: b.port,
      status: 'alive',
      tags: { role: 'web', dc: 'x1' },
    });

    const table = await client(['members', '--http', a.http]);
    assert.equal(table.code, 0, table.stderr);
    assert.deepEqual(
      table.stdout
        .trimEnd()
        .split('\n')
        .map((l) => l.split(/\s+/)),
      [
        ['agent-a', `127.0.0.1:${a.port}`, 'alive', 'role=db'],
        ['agent-b', `127.0.0.1:${b.port}`, 'alive', 'role=web,dc=x1'],
      ],
    );

    const json = await client(['members', '--json', '--http', b.http, '--tag', 'role=web']);
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as { members: { name: string; port: number; status: string }[] };
    assert.deepEqual(
      parsed.members.map((m) => [m.name, m.port, m.status]),
      [['agent-b', b.port, 'alive']],
    );

    const byStatus = await client(['members', '--json', '--http', a.http, '--status', 'failed']);
    assert.deepEqual(JSON.parse(byStatus.stdout), { members: [] });
  } finally {
    await killAll([a, b]);
  }
});

test('`gossip-peer leave` makes the agent leave: it exits 0 and the other prints member-leave', async () => {
  let a: AgentProcess | undefined;
  let b: AgentProcess | undefined;
  try {
    a = await AgentProcess.start({ name: 'leave-a' });
    b = await AgentProcess.start({ name: 'leave-b', join: [a.addr] });
    await a.waitForMemberEvent('member-join', 'leave-b');

    const r = await client(['leave', '--http', b.http]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Graceful leave complete\n');
    assert.deepEqual(await b.exited(20_000), { code: 0, signal: null });
    const left = await a.waitForMemberEvent('member-leave', 'leave-b');
    assert.equal(left.member?.status, 'left');
    assert.equal(a.count('member-failed', 'leave-b'), 0);
  } finally {
    await killAll([a, b]);
  }
});

test('SIGKILL is seen as member-failed; SIGTERM leaves gracefully (member-leave) and exits 0', async () => {
  let a: AgentProcess | undefined;
  let b: AgentProcess | undefined;
  let c: AgentProcess | undefined;
  try {
    a = await AgentProcess.start({ name: 'sig-a' });
    b = await AgentProcess.start({ name: 'sig-b', join: [a.addr] });
    c = await AgentProcess.start({ name: 'sig-c', join: [a.addr] });
    await a.waitForMemberEvent('member-join', 'sig-b');
    await a.waitForMemberEvent('member-join', 'sig-c');

    // The crash first, while two observers remain to confirm the suspicion (Lifeguard).
    await c.kill();
    const failed = await a.waitForMemberEvent('member-failed', 'sig-c', 30_000);
    assert.equal(failed.member?.status, 'failed');

    b.signal('SIGTERM');
    assert.deepEqual(await b.exited(20_000), { code: 0, signal: null });
    await a.waitForMemberEvent('member-leave', 'sig-b');
    assert.equal(a.count('member-failed', 'sig-b'), 0);
  } finally {
    await killAll([a, b, c]);
  }
});

test('a --retry-join seed that is down at start is retried, and the agent joins once it is up', async () => {
  let a: AgentProcess | undefined;
  let b: AgentProcess | undefined;
  try {
    const { freePort } = await import('../helpers/ports.js');
    const seedPort = await freePort();
    b = await AgentProcess.start({ name: 'retry-b', retryJoin: [`127.0.0.1:${seedPort}`] });
    // Not joined yet: only itself.
    assert.deepEqual(
      b.events.map((e) => e.member?.name),
      ['retry-b'],
    );
    a = await AgentProcess.start({ name: 'retry-a', port: seedPort });
    await b.waitForMemberEvent('member-join', 'retry-a', 30_000);
    await a.waitForMemberEvent('member-join', 'retry-b', 30_000);
  } finally {
    await killAll([a, b]);
  }
});
