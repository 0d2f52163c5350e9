/**
 * Across hosts: four network namespaces made by this test, each with its own address on a veth
 * pair plugged into a bridge that lives in a fifth namespace (nothing is added to the host's own
 * network). One `gossip-peer agent` per namespace, started with `ip netns exec`. They converge;
 * host-3 is cut off with nftables (table `inet gossip_peer_test` inside host-3's namespace, rules
 * on the gossip port only); the other three declare it failed; the table is deleted and every
 * view reconverges to four alive members, checked with `gossip-peer members` inside each
 * namespace. Every process is killed by PID and every namespace deleted in `finally`.
 *
 * Needs root, `ip` (iproute2) and `nft`; skipped with the reason otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { CLI_MAIN } from '../helpers/cli-process.js';
import { waitUntil } from '../helpers/wait.js';

const PORT = 7946;
const SUBNET = '10.77.0';
const TABLE = 'gossip_peer_test';

function usable(): string | false {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces need root (.ci/run runs as root)';
  for (const [cmd, args] of [
    ['ip', ['netns', 'list']],
    ['nft', ['--version']],
  ] as const) {
    try {
      execFileSync(cmd, args, { stdio: 'ignore' });
    } catch {
      return `${cmd} is not available (.ci/run installs iproute2 and nftables)`;
    }
  }
  return false;
}

const skip = usable();

function run(cmd: string, args: readonly string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', ...(input !== undefined ? { input } : {}) });
}

function inNs(ns: string, cmd: string, args: readonly string[], input?: string): string {
  return run('ip', ['netns', 'exec', ns, cmd, ...args], input);
}

/** One agent in a namespace, its JSON event lines collected. */
class NsAgent {
  readonly child: ChildProcess;
  out = '';
  err = '';
  constructor(
    readonly ns: string,
    readonly name: string,
    readonly ip: string,
    join: string | undefined,
  ) {
    const args = [
      'netns',
      'exec',
      ns,
      process.execPath,
      CLI_MAIN,
      'agent',
      '--node',
      name,
      '--bind',
      `${ip}:${PORT}`,
      '--http',
      '127.0.0.1:7374', // the namespace's own loopback
      '--events',
      'json',
      '--profile',
      'local',
      ...(join !== undefined ? ['--join', join] : []),
    ];
    // `ip netns exec` execs the command in place: this PID is the agent's.
    this.child = spawn('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (b: Buffer) => (this.out += b.toString()));
    this.child.stderr?.on('data', (b: Buffer) => (this.err += b.toString()));
  }

  events(): { event: string; member?: { name: string } }[] {
    return this.out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { event: string; member?: { name: string } });
  }

  /** Index of the first `event` about `name` at or after `from`, or -1. */
  indexOf(event: string, name: string, from = 0): number {
    return this.events().findIndex((e, i) => i >= from && e.event === event && e.member?.name === name);
  }

  async waitFor(event: string, name: string, from = 0, timeoutMs = 40_000): Promise<number> {
    try {
      return (
        (await waitUntil(
          `${this.name} to print ${event} for ${name}`,
          () => {
            const i = this.indexOf(event, name, from);
            return i >= 0 ? i + 1 : undefined; // +1: 0 is falsy
          },
          timeoutMs,
          50,
        )) - 1
      );
    } catch (err) {
      throw new Error(
        `${(err as Error).message}\nstdout:\n${this.out.slice(-3000)}\nstderr:\n${this.err.slice(-2000)}`,
      );
    }
  }

  /** `gossip-peer members --json` run inside the namespace against this agent. */
  members(): { name: string; status: string }[] {
    const text = inNs(this.ns, process.execPath, [CLI_MAIN, 'members', '--json', '--http', '127.0.0.1:7374']);
    return (JSON.parse(text) as { members: { name: string; status: string }[] }).members;
  }

  async kill(): Promise<void> {
    const c = this.child;
    if (c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGKILL');
    await gone;
  }
}

test(
  'four agents in four network namespaces converge, detect a host cut off by nft, and reconverge after the heal',
  { skip },
  async () => {
    const prefix = `gp-test-${process.pid}`;
    const bridgeNs = `${prefix}-br`;
    const hostNs = [0, 1, 2, 3].map((i) => `${prefix}-${i}`);
    const made: string[] = [];
    const agents: NsAgent[] = [];
    try {
      for (const ns of [bridgeNs, ...hostNs]) {
        run('ip', ['netns', 'add', ns]);
        made.push(ns);
        inNs(ns, 'ip', ['link', 'set', 'lo', 'up']);
      }
      inNs(bridgeNs, 'ip', ['link', 'add', 'br0', 'type', 'bridge']);
      inNs(bridgeNs, 'ip', ['link', 'set', 'br0', 'up']);
      hostNs.forEach((ns, i) => {
        // Both ends are created directly inside the namespaces: the host's own stack never sees them.
        run('ip', [
          'link',
          'add',
          'eth0',
          'netns',
          ns,
          'type',
          'veth',
          'peer',
          'name',
          `p${i}`,
          'netns',
          bridgeNs,
        ]);
        inNs(bridgeNs, 'ip', ['link', 'set', `p${i}`, 'master', 'br0']);
        inNs(bridgeNs, 'ip', ['link', 'set', `p${i}`, 'up']);
        inNs(ns, 'ip', ['addr', 'add', `${SUBNET}.${i + 1}/24`, 'dev', 'eth0']);
        inNs(ns, 'ip', ['link', 'set', 'eth0', 'up']);
      });

      const names = hostNs.map((_, i) => `host-${i}`);
      const seed = `${SUBNET}.1:${PORT}`;
      agents.push(new NsAgent(hostNs[0]!, names[0]!, `${SUBNET}.1`, undefined));
      await agents[0]!.waitFor('member-join', names[0]!);
      for (let i = 1; i < 4; i++) agents.push(new NsAgent(hostNs[i]!, names[i]!, `${SUBNET}.${i + 1}`, seed));

      // Converge: every agent prints a join for every host.
      for (const a of agents) for (const n of names) await a.waitFor('member-join', n);

      // Cut host-3 off: drop its gossip port, in and out, UDP and TCP, inside its namespace only.
      const cut = agents[3]!;
      inNs(
        cut.ns,
        'nft',
        ['-f', '-'],
        `table inet ${TABLE} {
  chain in { type filter hook input priority 0; policy accept; udp dport ${PORT} drop; tcp dport ${PORT} drop; }
  chain out { type filter hook output priority 0; policy accept; udp dport ${PORT} drop; tcp dport ${PORT} drop; }
}
`,
      );
      const failedAt: number[] = [];
      for (const a of agents.slice(0, 3))
        failedAt.push(await a.waitFor('member-failed', cut.name, 0, 60_000));

      // Heal, and every view reconverges: host-3 joins again everywhere, all four list four alive.
      inNs(cut.ns, 'nft', ['delete', 'table', 'inet', TABLE]);
      for (const [i, a] of agents.slice(0, 3).entries()) {
        await a.waitFor('member-join', cut.name, (failedAt[i] as number) + 1, 60_000);
      }
      for (const a of agents) {
        await waitUntil(
          `${a.name} to list four alive members`,
          () => {
            const ms = a.members();
            return names.every((n) => ms.some((m) => m.name === n && m.status === 'alive'));
          },
          60_000,
          500,
        );
      }
      assert.deepEqual(
        agents[3]!
          .members()
          .map((m) => `${m.name}:${m.status}`)
          .sort(),
        names.map((n) => `${n}:alive`),
      );
    } finally {
      await Promise.all(agents.map((a) => a.kill()));
      for (const ns of made.reverse()) {
        try {
          run('ip', ['netns', 'del', ns]);
        } catch {
          // already gone
        }
      }
    }
  },
);
