/**
 * Service discovery and balancing through the agent, as a user runs them: `gossip-peer pick`,
 * the blocking `GET /v1/members?index=&wait=`, and `gossip-peer members --watch`, against three
 * agent processes; one backend is SIGKILLed mid-test.
 * Seen failing on a broken build: with the blocking query answering at once (the wait skipped),
 * the blocking answer arrives before the kill and the ordering check fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentProcess } from '../helpers/agent-process.js';
import { CliProcess } from '../helpers/cli-process.js';
import { waitUntil } from '../helpers/wait.js';

async function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = new CliProcess(args);
  try {
    const { code } = await p.exited(30_000);
    return { code, stdout: p.stdout, stderr: p.stderr };
  } finally {
    await p.kill();
  }
}

interface MembersAnswer {
  members: { name: string; status: string }[];
  index: number;
}

test('pick spreads over a service and keys stick; a blocking members query and members --watch wake on a failure', async () => {
  const agents: AgentProcess[] = [];
  let watcher: CliProcess | undefined;
  try {
    const a = await AgentProcess.start({ name: 'lb-a', profile: 'lan' });
    agents.push(a);
    const b = await AgentProcess.start({
      name: 'lb-b',
      tags: { service: 'api', port: '9001' },
      join: [a.addr],
      profile: 'lan',
    });
    agents.push(b);
    const c = await AgentProcess.start({
      name: 'lb-c',
      tags: { service: 'api' },
      join: [a.addr],
      profile: 'lan',
    });
    agents.push(c);
    await a.waitForMemberEvent('member-join', 'lb-b');
    await a.waitForMemberEvent('member-join', 'lb-c');
    const http = ['--http', a.http];

    // Round robin alternates; the port tag is the service port, else the gossip port.
    const picks: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await cli(['pick', '--tag', 'service=api', ...http]);
      assert.equal(r.code, 0, r.stderr);
      picks.push(r.stdout);
    }
    assert.deepEqual(picks, [
      'lb-b 127.0.0.1:9001\n',
      `lb-c 127.0.0.1:${c.port}\n`,
      'lb-b 127.0.0.1:9001\n',
      `lb-c 127.0.0.1:${c.port}\n`,
    ]);
    const k1 = await cli(['pick', '--tag', 'service=api', '--strategy', 'hash', '--key', 'user-7', ...http]);
    const k2 = await cli(['pick', '--tag', 'service=api', '--strategy', 'hash', '--key', 'user-7', ...http]);
    assert.equal(k1.code, 0, k1.stderr);
    assert.equal(k1.stdout, k2.stdout);
    const none = await cli(['pick', '--tag', 'service=nothing', ...http]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no member to pick/);
    const bad = await cli(['pick', '--tag', 'service=api', '--strategy', 'fastest', ...http]);
    assert.equal(bad.code, 2);

    // A watcher and a blocking query, both started before the kill.
    watcher = new CliProcess(['members', '--tag', 'service=api', '--watch', '--json', ...http]);
    await watcher.waitForLine(/"lb-b".*"lb-c"|"lb-c".*"lb-b"/, 15_000);
    const base = `http://${a.http}/v1/members?tag=service%3Dapi`;
    const first = (await (await fetch(base)).json()) as MembersAnswer;
    let answeredAt = 0;
    const blocking = fetch(`${base}&index=${first.index}&wait=60s`).then(async (res) => {
      answeredAt = Date.now();
      return { header: res.headers.get('x-gossip-peer-index'), body: (await res.json()) as MembersAnswer };
    });
    const killedAt = Date.now();
    await c.kill();
    const woke = await blocking;
    assert.ok(answeredAt >= killedAt, 'the blocking query answered before anything changed');
    assert.ok(woke.body.index > first.index);
    assert.equal(woke.header, String(woke.body.index));
    // The watcher prints a new line once lb-c is failed.
    await watcher.waitForLine(/"name":"lb-c"[^}]*"status":"failed"/, 30_000);
    // After the failure, picks go to lb-b only.
    await waitUntil(
      'lb-c failed at lb-a',
      async () =>
        ((await (await fetch(`${base}&status=failed`)).json()) as MembersAnswer).members.some(
          (m) => m.name === 'lb-c',
        ),
      30_000,
      200,
    );
    for (let i = 0; i < 3; i++) {
      const r = await cli(['pick', '--tag', 'service=api', ...http]);
      assert.equal(r.stdout, 'lb-b 127.0.0.1:9001\n');
    }

    // A bad wait is a 400 with a code.
    const badWait = await fetch(`${base}&index=1&wait=forever`);
    assert.equal(badWait.status, 400);
  } finally {
    await watcher?.kill();
    await Promise.all(agents.map((x) => x.kill()));
  }
});
