/**
 * `gossip-peer demo`: a living cluster a newcomer can watch within seconds. Several real nodes run
 * in this one process, each with its own UDP+TCP sockets on 127.0.0.1, speaking the real protocol
 * (memberlist's `local` timings by default). A scripted story is told as it happens, in the blog's
 * `append:` / `remove:` lines as the first node sees them:
 *
 *   1. the nodes start and join through node-1; the demo waits until every node sees every other;
 *   2. node-3 is killed: its sockets close with no goodbye, and the others detect the failure;
 *   3. node-4 leaves gracefully, and the others see it left;
 *   4. the cluster keeps running and the demo prints the seed-mode command that joins it from a
 *      second terminal; whatever happens next (that node joining, Ctrl-C there) is printed too.
 *
 * Ctrl-C (SIGINT) or SIGTERM: every remaining node leaves gracefully, exit 0.
 */
import { createNode } from '../runtime/create-node.js';
import type { GossipNode } from '../runtime/node.js';
import type { NodeMemberEvent } from '../runtime/events.js';
import type { Profile } from '../swim/config.js';
import { formatAddress } from '../core/io.js';
import { ConfigError } from '../wire/errors.js';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Nodes in the cluster, 4…32. Default 5. */
  readonly nodes?: number;
  /** Port of node-1 (the one to join); the others take free ports. Default 0 (a free port). */
  readonly port?: number;
  /** memberlist timing profile. Default `local` (fast, for one machine). */
  readonly profile?: Profile;
  /** Stops the demo (as Ctrl-C does). */
  readonly signal?: AbortSignal;
  /** Where the story is printed. Default stdout. */
  readonly out?: (line: string) => void;
}

/** How long each step may take before the demo says so and moves on (bounded, never stuck). */
const STEP_LIMIT_MS = 60_000;
const POLL_MS = 50;

function validate(o: DemoOptions): { nodes: number; port: number; profile: Profile } {
  const problems: string[] = [];
  const nodes = o.nodes ?? 5;
  if (!Number.isInteger(nodes) || nodes < 4 || nodes > 32)
    problems.push('nodes: must be an integer from 4 to 32');
  const port = o.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push('port: must be 0…65535');
  const profile = o.profile ?? 'local';
  if (!['lan', 'wan', 'local'].includes(profile)) problems.push('profile: must be lan, wan or local');
  if (problems.length > 0) throw new ConfigError(problems);
  return { nodes, port, profile };
}

/** Runs the demo until `signal` aborts; resolves with the exit code (0). */
export async function runDemo(opts: DemoOptions = {}): Promise<number> {
  const { nodes: count, port, profile } = validate(opts);
  const write = opts.out ?? ((l: string) => void process.stdout.write(`${l}\n`));
  const t0 = Date.now();
  const stamp = (): string => `[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s]`;
  const say = (l: string): void => write(`${stamp()} ${l}`);
  const stopped = new Promise<void>((resolve) => {
    if (opts.signal?.aborted) resolve();
    opts.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  const isStopped = (): boolean => opts.signal?.aborted === true;

  const nodes: GossipNode[] = [];
  const live = (): GossipNode[] => nodes.filter((n) => !n.closed);
  /** Waits until `cond` holds, the demo is stopped, or the step limit passes; returns whether it held. */
  const until = async (cond: () => boolean): Promise<boolean> => {
    const deadline = Date.now() + STEP_LIMIT_MS;
    while (!cond()) {
      if (isStopped() || Date.now() > deadline) return false;
      await Promise.race([new Promise((r) => setTimeout(r, POLL_MS)), stopped]);
    }
    return true;
  };
  const statusEverywhere = (name: string, status: string): boolean =>
    live().every((n) => n.name === name || n.members({ name })[0]?.status === status);

  write(
    `gossip-peer demo: ${count} nodes in this process on 127.0.0.1 — real UDP+TCP sockets, the memberlist/Serf protocol, '${profile}' timings.`,
  );
  write('Lines below are what node-1 sees (append: a peer is alive, remove: it failed or left).');
  try {
    const first = await createNode({ name: 'node-1', bind: `127.0.0.1:${port}`, profile, rejoin: false });
    nodes.push(first);
    const observe = (verb: 'append' | 'remove') => (e: NodeMemberEvent) => {
      if (e.member.name === first.name) return;
      say(
        `${verb}: ${e.member.name} ${formatAddress(e.member.addr)}${verb === 'remove' ? ` (${e.member.status})` : ''}`,
      );
    };
    first.on('member-join', observe('append'));
    first.on('member-leave', observe('remove'));
    first.on('member-failed', observe('remove'));
    const seed = formatAddress(first.address);
    say(`node-1 listening at ${seed}`);

    // 1. Joins.
    for (let i = 2; i <= count && !isStopped(); i++) {
      nodes.push(
        await createNode({ name: `node-${i}`, bind: '127.0.0.1:0', profile, join: [seed], rejoin: false }),
      );
    }
    const t1 = Date.now();
    if (await until(() => live().every((n) => n.members({ status: 'alive' }).length === count))) {
      say(`converged: every node sees ${count} alive (${Date.now() - t1} ms after the last join)`);
    } else if (!isStopped()) say(`not converged after ${STEP_LIMIT_MS / 1000}s; going on`);

    // 2. A crash.
    if (!isStopped()) {
      await Promise.race([new Promise((r) => setTimeout(r, 1000)), stopped]);
      const victim = nodes[2] as GossipNode;
      say(`killing ${victim.name}: its sockets close, no goodbye — the others must detect it`);
      const t = Date.now();
      await victim.close();
      if (await until(() => statusEverywhere(victim.name, 'failed'))) {
        say(
          `every remaining node declared ${victim.name} failed (${((Date.now() - t) / 1000).toFixed(1)}s after the kill)`,
        );
      } else if (!isStopped())
        say(`${victim.name} not declared failed everywhere after ${STEP_LIMIT_MS / 1000}s`);
    }

    // 3. A graceful leave.
    if (!isStopped()) {
      const leaver = nodes[3] as GossipNode;
      say(`${leaver.name} leaves gracefully`);
      const t = Date.now();
      await leaver.leave();
      await leaver.close();
      if (await until(() => statusEverywhere(leaver.name, 'left'))) {
        say(`every remaining node sees ${leaver.name} left (${((Date.now() - t) / 1000).toFixed(1)}s)`);
      }
    }

    // 4. Keep running.
    if (!isStopped()) {
      write('');
      write(
        "The cluster keeps running. Join it from another terminal with seed mode (the blog post's form):",
      );
      write(`    npx gossip-peer 12000 ${seed}`);
      write('Its join, and its leave when you press Ctrl-C there, show up here. Ctrl-C here stops the demo.');
      write('');
    }
    await stopped;
    say(`stopping: the ${live().length} remaining nodes leave gracefully`);
    return 0;
  } finally {
    await Promise.all(
      live().map(async (n) => {
        try {
          await n.leave({ signal: AbortSignal.timeout(10_000) });
        } catch {
          // leaving is best effort on the way out
        }
        await n.close();
      }),
    );
  }
}
