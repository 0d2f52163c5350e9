/**
 * The steady minute: a formed, idle cluster (no faults) measured per node for bytes and packets
 * sent (nft counters on its gossip ports, see ./nft.ts), CPU time and resident memory (/proc).
 * Clusters of both systems may be measured side by side: CPU time and traffic are per process and
 * per port range, so they do not mix.
 */
import type { BenchCluster } from './cluster.js';
import type { Impl } from './impls.js';
import type { NftTable, RangeCounters } from './nft.js';
import { cpuSeconds, rssBytes } from './procfs.js';
import { summarize, type Summary } from './stats.js';
import { nowMs, sleep } from './time.js';

/** What one system's nodes cost while idle. */
export interface SteadyResult {
  readonly seconds: number;
  readonly nodes: number;
  /** IP bytes per node per second (UDP + TCP), or null without nft. */
  readonly bytesPerNodePerSec: number | null;
  readonly udpBytesPerNodePerSec: number | null;
  readonly tcpBytesPerNodePerSec: number | null;
  readonly packetsPerNodePerSec: number | null;
  /** Per node: percent of one core over the interval. */
  readonly cpuPctPerNode: Summary | null;
  /** Per node: resident memory at the end, MiB. */
  readonly rssMiB: Summary | null;
}

function delta(a: RangeCounters | undefined, b: RangeCounters | undefined): RangeCounters | undefined {
  if (a === undefined || b === undefined) return undefined;
  return {
    udpPackets: b.udpPackets - a.udpPackets,
    udpBytes: b.udpBytes - a.udpBytes,
    tcpPackets: b.tcpPackets - a.tcpPackets,
    tcpBytes: b.tcpBytes - a.tcpBytes,
    droppedPackets: 0,
  };
}

/** Measures each cluster for `seconds` (all at once); nft may be undefined (no traffic figures). */
export async function measureSteady(
  clusters: readonly BenchCluster[],
  nft: NftTable | undefined,
  seconds: number,
  ticksPerSecond: number,
): Promise<Map<Impl, SteadyResult>> {
  const agents = new Map(clusters.map((c) => [c.impl, c.live()] as const));
  const cpu0 = new Map<number, number>();
  for (const list of agents.values())
    for (const a of list) {
      const s = a.pid === undefined ? undefined : cpuSeconds(a.pid, ticksPerSecond);
      if (s !== undefined) cpu0.set(a.pid as number, s);
    }
  const c0 = nft === undefined ? undefined : await nft.read();
  const t0 = nowMs();
  await sleep(seconds * 1000);
  const c1 = nft === undefined ? undefined : await nft.read();
  const elapsed = (nowMs() - t0) / 1000;
  const out = new Map<Impl, SteadyResult>();
  for (const c of clusters) {
    const list = agents.get(c.impl) ?? [];
    const cpu: number[] = [];
    const rss: number[] = [];
    for (const a of list) {
      if (a.pid === undefined || !a.running) continue;
      const s0 = cpu0.get(a.pid);
      const s1 = cpuSeconds(a.pid, ticksPerSecond);
      if (s0 !== undefined && s1 !== undefined) cpu.push(((s1 - s0) / elapsed) * 100);
      const r = rssBytes(a.pid);
      if (r !== undefined) rss.push(r / 2 ** 20);
    }
    const d = delta(c0?.[c.impl], c1?.[c.impl]);
    const n = list.length;
    const per = (x: number | undefined): number | null =>
      x === undefined || n === 0 ? null : x / n / elapsed;
    out.set(c.impl, {
      seconds: elapsed,
      nodes: n,
      bytesPerNodePerSec: per(d === undefined ? undefined : d.udpBytes + d.tcpBytes),
      udpBytesPerNodePerSec: per(d?.udpBytes),
      tcpBytesPerNodePerSec: per(d?.tcpBytes),
      packetsPerNodePerSec: per(d === undefined ? undefined : d.udpPackets + d.tcpPackets),
      cpuPctPerNode: summarize(cpu),
      rssMiB: summarize(rss),
    });
  }
  return out;
}
