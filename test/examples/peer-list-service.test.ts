/**
 * examples/peer-list-service, run as its README says: two instances as child processes on
 * 127.0.0.1; each lists the other (with its URL); a gracefully stopped one leaves the other's list
 * and exits 0; a killed one is dropped after the failure detector declares it dead.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { repoPath } from '../helpers/repo-root.js';
import { freePorts } from '../helpers/ports.js';
import { waitUntil } from '../helpers/wait.js';

const SERVER = repoPath('dist', 'examples', 'peer-list-service', 'server.js');

interface Peers {
  self: string;
  peers: { name: string; gossip: string; url: string }[];
}

function startService(args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [SERVER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  return { child, output: () => out };
}

async function peersOf(httpPort: number): Promise<Peers | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${httpPort}/`);
    return (await res.json()) as Peers;
  } catch {
    return undefined; // not listening yet
  }
}

function exited(c: ChildProcess): Promise<number | null> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve(c.exitCode);
  return new Promise((r) => c.once('exit', (code) => r(code)));
}

async function kill(c: ChildProcess | undefined): Promise<void> {
  if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
  const gone = exited(c);
  c.kill('SIGKILL');
  await gone;
}

test('two instances of the peer-list service each list the other; a stopped one leaves the list', async () => {
  const [ga, ha, gb, hb, gc, hc] = await freePorts(6);
  const a = startService(['--name', 'a', '--http', `127.0.0.1:${ha}`, '--gossip', `127.0.0.1:${ga}`]);
  let b: ReturnType<typeof startService> | undefined;
  let c: ReturnType<typeof startService> | undefined;
  try {
    await waitUntil('a to answer', () => peersOf(ha!), 20_000, 100);
    b = startService([
      '--name',
      'b',
      '--http',
      `127.0.0.1:${hb}`,
      '--gossip',
      `127.0.0.1:${gb}`,
      '--join',
      `127.0.0.1:${ga}`,
    ]);
    const seenByA = await waitUntil(
      `a to list b (a: ${a.output()})`,
      async () => {
        const p = await peersOf(ha!);
        return p?.peers.length === 1 ? p : undefined;
      },
      20_000,
      100,
    );
    assert.deepEqual(seenByA, {
      self: 'a',
      peers: [{ name: 'b', gossip: `127.0.0.1:${gb}`, url: `http://127.0.0.1:${hb}/` }],
    });
    const seenByB = await waitUntil(
      'b to list a',
      async () => {
        const p = await peersOf(hb!);
        return p?.peers.length === 1 ? p : undefined;
      },
      20_000,
      100,
    );
    assert.deepEqual(seenByB.peers, [
      { name: 'a', gossip: `127.0.0.1:${ga}`, url: `http://127.0.0.1:${ha}/` },
    ]);

    // Graceful stop: gone from a's list, exit 0.
    b.child.kill('SIGINT');
    assert.equal(await exited(b.child), 0, b.output());
    await waitUntil('a to list nobody', async () => (await peersOf(ha!))?.peers.length === 0, 20_000, 100);
    assert.match(a.output(), /a: b left/);

    // A crash: dropped once declared failed.
    c = startService([
      '--name',
      'c',
      '--http',
      `127.0.0.1:${hc}`,
      '--gossip',
      `127.0.0.1:${gc}`,
      '--join',
      `127.0.0.1:${ga}`,
    ]);
    await waitUntil('a to list c', async () => (await peersOf(ha!))?.peers[0]?.name === 'c', 20_000, 100);
    await kill(c.child);
    await waitUntil(
      'a to drop the killed c',
      async () => (await peersOf(ha!))?.peers.length === 0,
      40_000,
      200,
    );
    assert.match(a.output(), /a: c failed/);
  } finally {
    await Promise.all([kill(a.child), kill(b?.child), kill(c?.child)]);
  }
});
