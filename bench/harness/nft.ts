/**
 * Packet counters and random loss on the benchmark clusters' gossip ports, with nftables, in a
 * table of our own (`inet gossip_peer_test_bench_<pid>`) that is deleted on exit.
 *
 * Two input-hook chains: `loss` (priority -10) drops `P`% of the packets to a cluster's ports at
 * random; `count` (priority 10) counts what gets through. On loopback every packet crosses the
 * input hook exactly once, at its receiver, so a range's counters hold everything its nodes sent
 * each other: UDP to a gossip port, TCP to a gossip port (push-pull, join, fallback pings) and the
 * TCP replies from a gossip port to the dialer's ephemeral port. Bytes are IP packet lengths.
 * Loss applies to UDP and TCP alike: memberlist's TCP fallback probe would mask UDP-only loss.
 */
import { execFile, execFileSync } from 'node:child_process';

/** A named port range (one system's gossip ports). */
export interface PortRange {
  readonly label: string;
  readonly lo: number;
  readonly hi: number;
}

/** Counter values of one range. */
export interface RangeCounters {
  udpPackets: number;
  udpBytes: number;
  tcpPackets: number;
  tcpBytes: number;
  /** Packets dropped by the loss rules. */
  droppedPackets: number;
}

const NFT = '/usr/sbin/nft';

function run(args: readonly string[], stdin?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(NFT, [...args], { timeout: 15_000 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`nft ${args.join(' ')}: ${stderr || err.message}`));
      else resolve(stdout);
    });
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

/** Whether nft can be used here (installed and permitted). */
export async function nftUsable(): Promise<boolean> {
  try {
    await run(['list', 'tables']);
    return true;
  } catch {
    return false;
  }
}

const zero = (): RangeCounters => ({
  udpPackets: 0,
  udpBytes: 0,
  tcpPackets: 0,
  tcpBytes: 0,
  droppedPackets: 0,
});

/** Our table. Create once, then read counters, set and clear loss, and delete it. */
export class NftTable {
  private created = false;

  constructor(
    readonly name: string,
    private readonly ranges: readonly PortRange[],
  ) {
    if (!/^gossip_peer_test[a-z0-9_]*$/.test(name)) throw new Error(`table name ${name} is not ours`);
  }

  /** Creates the table with the counter rules and an empty loss chain (replacing a stale one). */
  async create(): Promise<void> {
    await this.delete();
    const lines = [
      `table inet ${this.name} {`,
      '  chain loss {',
      '    type filter hook input priority -10; policy accept;',
      '  }',
      '  chain count {',
      '    type filter hook input priority 10; policy accept;',
    ];
    for (const r of this.ranges) {
      const range = `${r.lo}-${r.hi}`;
      lines.push(`    udp dport ${range} counter comment "${r.label} udp"`);
      lines.push(`    tcp dport ${range} counter comment "${r.label} tcp"`);
      lines.push(`    tcp sport ${range} tcp dport != ${range} counter comment "${r.label} tcp"`);
    }
    lines.push('  }', '}', '');
    await run(['-f', '-'], lines.join('\n'));
    this.created = true;
  }

  /** Drops `percent`% of the packets (UDP and TCP, both directions) on every range, at random. */
  async setLoss(percent: number): Promise<void> {
    const p = Math.round(percent);
    const lines = [`flush chain inet ${this.name} loss`];
    for (const r of this.ranges) {
      const range = `${r.lo}-${r.hi}`;
      const drop = `numgen random mod 100 < ${p} counter drop comment "${r.label} drop"`;
      lines.push(`add rule inet ${this.name} loss udp dport ${range} ${drop}`);
      lines.push(`add rule inet ${this.name} loss tcp dport ${range} ${drop}`);
      lines.push(`add rule inet ${this.name} loss tcp sport ${range} tcp dport != ${range} ${drop}`);
    }
    await run(['-f', '-'], lines.join('\n') + '\n');
  }

  /** Removes the loss rules. */
  async clearLoss(): Promise<void> {
    await run(['flush', 'chain', 'inet', this.name, 'loss']);
  }

  /** Current counters per range label (cumulative since {@link create}; drops since the last setLoss). */
  async read(): Promise<Record<string, RangeCounters>> {
    const out: Record<string, RangeCounters> = {};
    for (const r of this.ranges) out[r.label] = zero();
    const json = JSON.parse(await run(['-j', 'list', 'table', 'inet', this.name])) as {
      nftables: { rule?: { comment?: string; expr?: { counter?: { packets: number; bytes: number } }[] } }[];
    };
    for (const item of json.nftables) {
      const rule = item.rule;
      if (rule?.comment === undefined) continue;
      const counter = rule.expr?.find((e) => e.counter !== undefined)?.counter;
      if (counter === undefined) continue;
      const [label, what] = rule.comment.split(' ');
      const c = out[label as string];
      if (c === undefined) continue;
      if (what === 'udp') {
        c.udpPackets += counter.packets;
        c.udpBytes += counter.bytes;
      } else if (what === 'tcp') {
        c.tcpPackets += counter.packets;
        c.tcpBytes += counter.bytes;
      } else if (what === 'drop') c.droppedPackets += counter.packets;
    }
    return out;
  }

  /** Deletes the table if it exists. */
  async delete(): Promise<void> {
    try {
      await run(['delete', 'table', 'inet', this.name]);
    } catch {
      // not there
    }
    this.created = false;
  }

  /** Synchronous delete for process-exit handlers. */
  deleteSync(): void {
    if (!this.created) return;
    try {
      execFileSync(NFT, ['delete', 'table', 'inet', this.name], { stdio: 'ignore', timeout: 5000 });
    } catch {
      // already gone
    }
    this.created = false;
  }
}
