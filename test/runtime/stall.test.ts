/**
 * A stalled process in a real cluster (child processes on 127.0.0.1, lan profile, adaptive
 * detector): one node's event loop is blocked by a busy loop (test-only fixture,
 * fixtures/stall-node.ts). The suspicion bound for a silent member is at least
 * `stallToleranceMs` (6 s) after the probe that fails (up to a probe interval after the stall
 * began), so:
 *  - 2 s and 5 s stalls: nobody is declared failed, neither the stalled node by the others nor
 *    anyone by the stalled node (it restarts the timeouts that ran out while it was stalled);
 *  - a 10 s stall exceeds the bound: the others declare it failed, and it is alive again once it
 *    resumes and refutes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitUntil } from '../helpers/wait.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/stall-node.js', import.meta.url));

interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  port: number;
  /** Every member event it reported: `event member`. */
  readonly events: string[];
  /** Current status of each member as it reported them. */
  readonly view: Map<string, string>;
  stalls: number;
}

function start(name: string, join?: number): Child {
  const proc = fork(FIXTURE, [], {
    env: { ...process.env, NODE_NAME: name, ...(join !== undefined ? { JOIN: `127.0.0.1:${join}` } : {}) },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const c: Child = { name, proc, port: 0, events: [], view: new Map(), stalls: 0 };
  proc.on(
    'message',
    (m: { ready?: number; event?: string; member?: string; status?: string; stalled?: number }) => {
      if (m.ready !== undefined) c.port = m.ready;
      if (m.stalled !== undefined) c.stalls++;
      if (m.event !== undefined && m.member !== undefined) {
        c.events.push(`${m.event} ${m.member}`);
        c.view.set(m.member, m.event === 'member-join' ? 'alive' : (m.status ?? m.event));
      }
    },
  );
  return c;
}

function failedEvents(children: readonly Child[]): string[] {
  return children.flatMap((c) =>
    c.events.filter((e) => e.startsWith('member-failed')).map((e) => `${c.name}: ${e}`),
  );
}

const allAlive = (children: readonly Child[]) => () =>
  children.every((c) => children.every((o) => o === c || c.view.get(o.name) === 'alive'));

async function stall(c: Child, ms: number): Promise<void> {
  const before = c.stalls;
  c.proc.send({ stall: ms });
  await waitUntil(`${c.name} to finish its ${ms} ms stall`, () => c.stalls > before, ms + 10_000, 50);
}

test('a node whose event loop is blocked for 2 s, then 5 s, is never declared failed and declares nobody failed; one blocked for 10 s is declared failed, then is alive again', async () => {
  const children: Child[] = [];
  try {
    children.push(start('stall-a'));
    await waitUntil('the seed to start', () => children[0]!.port > 0, 15_000, 20);
    for (const n of ['stall-b', 'stall-c', 'stall-d']) children.push(start(n, children[0]!.port));
    await waitUntil('the four nodes to see each other alive', allAlive(children), 20_000, 50);
    const d = children[3]!;

    for (const ms of [2000, 5000]) {
      await stall(d, ms);
      // Long enough for any suspicion raised during the stall to have run out (6 s and more).
      await new Promise((r) => setTimeout(r, 8000));
      assert.deepEqual(failedEvents(children), [], `after a ${ms} ms stall`);
      assert.ok(allAlive(children)(), `views after a ${ms} ms stall`);
    }

    await stall(d, 10_000);
    const others = children.slice(0, 3);
    // Declared failed while it was stalled (its refutation came only after the stall) …
    for (const o of others)
      assert.ok(o.events.includes(`member-failed ${d.name}`), `${o.name} declared it failed`);
    // … and nobody else, by anyone.
    assert.deepEqual(
      failedEvents(children).filter((e) => !e.endsWith(` ${d.name}`)),
      [],
    );
    await waitUntil('the stalled node to be alive everywhere again', allAlive(children), 20_000, 50);
  } finally {
    for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
  }
});
