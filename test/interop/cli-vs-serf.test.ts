/**
 * The client subcommands `event`, `query`, `tags` and `keys` as a user runs them, against our
 * agent in an encrypted cluster with a real serf agent: what one side's CLI does is seen by the
 * other side's CLI.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess, killAll } from '../helpers/agent-process.js';
import { CliProcess } from '../helpers/cli-process.js';
import { SerfAgent, serfAvailable, type SerfCliMember } from '../helpers/serf-agent.js';
import { waitUntil } from '../helpers/wait.js';

const skip = serfAvailable() ? false : 'the serf binary is not installed (.ci/run installs it)';
const K1 = 'W73oJMj3ie7NiYRhxJlVZBb3eN6nKBmNvgG1xQKPEYo=';
const K2 = 'qwYa6rwrvHlvBlf1T0XmcPVCY10FjL8lXbDjddgi4vo=';

async function client(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = new CliProcess(args);
  try {
    const { code } = await p.exited(30_000);
    return { code, stdout: p.stdout, stderr: p.stderr };
  } finally {
    await p.kill();
  }
}

test(
  "event, query, tags and keys from our CLI reach serf, and serf's reach our agent",
  { skip },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gp-cli-'));
    const file = join(dir, 'serf.events');
    let ours: AgentProcess | undefined;
    let serf: SerfAgent | undefined;
    try {
      serf = await SerfAgent.start({
        name: 'serf-x',
        encrypt: K1,
        eventHandlers: [
          `user=echo "user $SERF_USER_EVENT $(cat)" >> '${file}'`,
          'query:hello=printf "hi-from-serf"',
        ],
      });
      ours = await AgentProcess.start({ name: 'gp-x', encrypt: K1, join: [serf.addr] });
      await ours.waitForMemberEvent('member-join', 'serf-x');
      const http = ['--http', `127.0.0.1:${ours.httpPort}`];

      // Our event → serf's handler; serf's event → our agent's event stream.
      const ev = await client(['event', ...http, 'deploy', 'v1']);
      assert.equal(ev.code, 0, ev.stderr);
      assert.match(ev.stdout, /Event 'deploy' dispatched! Coalescing enabled: true/);
      await waitUntil(
        'serf handler to run',
        () => existsSync(file) && readFileSync(file, 'utf8').includes('user deploy v1'),
        20_000,
      );
      assert.equal((await serf.cli(['event', 'from-serf', 'p'])).code, 0);
      await waitUntil(
        'our agent to print the serf event',
        () => ours!.events.some((e) => e.event === 'user' && e.name === 'from-serf'),
        20_000,
      );

      // Our query gets serf's handler response (and our agent answers nothing without a handler).
      const q = await client(['query', ...http, '--json', '--timeout', '2000', 'hello']);
      assert.equal(q.code, 0, q.stderr);
      const qj = JSON.parse(q.stdout) as { Acks: string[]; Responses: Record<string, string> };
      assert.deepEqual(qj.Acks.sort(), ['gp-x', 'serf-x']);
      assert.equal(qj.Responses['serf-x'], 'hi-from-serf');

      // Tags set through our CLI are what `serf members -tag` filters on.
      const t = await client(['tags', ...http, '--set', 'role=api']);
      assert.equal(t.code, 0, t.stderr);
      let last: SerfCliMember[] = [];
      await waitUntil(
        'serf to filter gp-x by role=api',
        async () => {
          last = await serf!.members(['-tag', 'role=api']);
          return last.length === 1 && last[0]!.name === 'gp-x';
        },
        20_000,
        200,
      );

      // Keys through our CLI rotate serf's keyring; serf's CLI lists the result.
      for (const args of [
        ['--install', K2],
        ['--use', K2],
        ['--remove', K1],
      ]) {
        const k = await client(['keys', ...http, ...args]);
        assert.equal(k.code, 0, `keys ${args.join(' ')}: ${k.stdout}${k.stderr}`);
      }
      const ourList = await client(['keys', ...http, '--list']);
      assert.equal(ourList.code, 0, ourList.stderr);
      assert.ok(ourList.stdout.includes(`${K2}  [2/2]`), ourList.stdout);
      const serfList = await serf.cli(['keys', '-list'], 20_000);
      assert.equal(serfList.code, 0, serfList.stdout);
      assert.ok(serfList.stdout.includes(K2) && !serfList.stdout.includes(K1), serfList.stdout);
      // A bad key is a usage-level error with nothing sent.
      const bad = await client(['keys', ...http, '--install', 'not-base64!']);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /key/);
    } finally {
      await killAll([ours]);
      await serf?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
