/**
 * examples/balancing-proxy: a proxy and three backends as child processes on 127.0.0.1, a steady
 * stream of requests through the proxy, and one backend SIGKILLed mid-run. Outcomes checked from
 * the proxy's own log and the clients' answers:
 * - no request is forwarded to the dead backend after the proxy knows of its failure (its set of
 *   backends dropped it, which happens at suspicion);
 * - no request fails except those already sent to the dead backend when it was killed (requests
 *   refused by its closed port are retried on another backend);
 * - before the kill all three backends served, after it the other two.
 * Seen failing on a broken build: when a retry could land on the backend that had just refused the
 * request (no `exclude` in the pick), least-loaded kept choosing the dead backend — it fails fast,
 * so it looks idle — and refused requests came back as 502: the second check failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { repoPath } from '../helpers/repo-root.js';
import { freePorts } from '../helpers/ports.js';
import { waitUntil } from '../helpers/wait.js';

const PROXY = repoPath('dist', 'examples', 'balancing-proxy', 'proxy.js');
const BACKEND = repoPath('dist', 'examples', 'balancing-proxy', 'backend.js');

interface Proc {
  child: ChildProcess;
  output: () => string;
}

function start(script: string, args: string[]): Proc {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  return { child, output: () => out };
}

async function kill(c: ChildProcess | undefined): Promise<void> {
  if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
  const gone = new Promise((r) => c.once('exit', r));
  c.kill('SIGKILL');
  await gone;
}

interface LogLine {
  ts: number;
  event: string;
  id?: number;
  backend?: string;
  backends?: string[];
  code?: string;
  status?: number;
}

function logOf(p: Proc): LogLine[] {
  return p
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);
}

interface Answer {
  status: number;
  backend: string | undefined;
}

test('the proxy stops sending to a killed backend once its failure is known, and only requests in flight to it fail', async () => {
  const [pg, ph, ...ports] = await freePorts(8);
  const procs: Proc[] = [];
  try {
    const proxy = start(PROXY, [
      '--name',
      'proxy',
      '--http',
      `127.0.0.1:${ph}`,
      '--gossip',
      `127.0.0.1:${pg}`,
      '--log',
    ]);
    procs.push(proxy);
    const backends = [1, 2, 3].map((i) =>
      start(BACKEND, [
        '--name',
        `api-${i}`,
        '--http',
        `127.0.0.1:${ports[2 * i - 2]}`,
        '--gossip',
        `127.0.0.1:${ports[2 * i - 1]}`,
        '--join',
        `127.0.0.1:${pg}`,
        '--delay-ms',
        '20',
      ]),
    );
    procs.push(...backends);
    await waitUntil(
      'the proxy to see three backends',
      () => logOf(proxy).some((l) => l.event === 'set' && l.backends?.length === 3),
      30_000,
      50,
    );

    // Four clients in a loop, bounded in count and time.
    const answers: Answer[] = [];
    let stop = false;
    const deadline = Date.now() + 90_000;
    const client = async (): Promise<void> => {
      for (let i = 0; i < 3000 && !stop && Date.now() < deadline; i++) {
        try {
          const res = await fetch(`http://127.0.0.1:${ph}/work`);
          const text = await res.text();
          const backend = res.status === 200 ? (JSON.parse(text) as { backend: string }).backend : undefined;
          answers.push({ status: res.status, backend });
        } catch {
          answers.push({ status: 0, backend: undefined });
        }
      }
    };
    const clients = [client(), client(), client(), client()];

    await waitUntil('60 answers before the kill', () => answers.length >= 60, 30_000, 10);
    const beforeKill = answers.length;
    const killedAt = Date.now();
    await kill(backends[1]?.child);
    const diedAt = Date.now(); // its exit was seen: nothing sent later reached it
    const known = await waitUntil(
      'the proxy to drop api-2',
      () => logOf(proxy).find((l) => l.event === 'set' && l.ts >= killedAt && !l.backends?.includes('api-2')),
      30_000,
      20,
    );
    const afterKnown = answers.length;
    await waitUntil(
      '60 answers after the failure was known',
      () => answers.length >= afterKnown + 60,
      30_000,
      10,
    );
    stop = true;
    await Promise.all(clients);

    const log = logOf(proxy);
    // 1. Nothing forwarded to api-2 after the proxy knew.
    const late = log.filter((l) => l.event === 'forward' && l.backend === 'api-2' && l.ts > known.ts);
    assert.deepEqual(late, [], 'forwarded to api-2 after its failure was known');

    // 2. Failures are exactly the requests already sent to api-2 when it was killed.
    const failed = answers.filter((a) => a.status !== 200);
    const forwardTs = new Map(log.filter((l) => l.event === 'forward').map((l) => [l.id, l.ts]));
    const lost = log.filter((l) => l.event === 'error' && l.code !== 'ECONNREFUSED');
    for (const e of lost) {
      assert.equal(e.backend, 'api-2', `a request to ${e.backend} failed: ${JSON.stringify(e)}`);
      assert.ok((forwardTs.get(e.id) ?? Infinity) <= diedAt, `request ${e.id} was sent after api-2 died`);
    }
    assert.equal(
      failed.length,
      lost.length,
      `client failures ${JSON.stringify(failed)}; lost ${JSON.stringify(lost)}; errors ${JSON.stringify(log.filter((l) => l.event === 'error'))}`,
    );
    assert.ok(failed.length <= 4, 'more failures than requests in flight');

    // 3. Everyone served before; the two survivors after.
    const served = (from: number, to: number): Set<string | undefined> =>
      new Set(answers.slice(from, to).map((a) => a.backend));
    assert.deepEqual([...served(0, beforeKill)].sort(), ['api-1', 'api-2', 'api-3']);
    assert.deepEqual([...served(afterKnown, answers.length)].filter((b) => b !== undefined).sort(), [
      'api-1',
      'api-3',
    ]);
  } finally {
    await Promise.all(procs.map((p) => kill(p.child)));
  }
});
