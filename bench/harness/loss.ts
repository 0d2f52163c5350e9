/**
 * False failures under random packet loss: with no node stopped, every `member-failed` is false.
 * For each loss rate, `P`% of the packets on the clusters' gossip ports (UDP and TCP) are dropped
 * for a fixed time, then the loss is removed and a settling time still counts late declarations.
 * Clusters of both systems may run side by side: the rules and counters are per port range.
 */
import type { BenchEvent } from './agent-process.js';
import type { BenchCluster } from './cluster.js';
import type { Impl } from './impls.js';
import type { NftTable } from './nft.js';
import { nowMs, sleep } from './time.js';

/** One loss rate's outcome for one system. */
export interface LossResult {
  readonly percent: number;
  readonly seconds: number;
  readonly nodes: number;
  /** `member-failed` events (observer, member) about nodes that were running: all of them false. */
  readonly falseFailures: number;
  /** Distinct members some node falsely declared failed. */
  readonly membersFalselyFailed: number;
  /** A member declared failed and then alive again by the same observer (a flap). */
  readonly flaps: number;
  /** memberlist's own suspicions, where the system logs them (serf); null otherwise. */
  readonly suspicions: number | null;
  /** Packets dropped / packets to the cluster's ports, measured (null without counters). */
  readonly effectiveLossPct: number | null;
  /** Whether every node saw every other alive again within the deadline after the loss ended. */
  readonly reconverged: boolean;
  /** Nodes whose process exited during the phase (should be 0). */
  readonly exits: number;
}

function count(
  events: readonly BenchEvent[],
  live: ReadonlySet<string>,
): {
  falseFailures: number;
  members: number;
  flaps: number;
} {
  let falseFailures = 0;
  let flaps = 0;
  const members = new Set<string>();
  const down = new Set<string>();
  for (const e of events) {
    if (!live.has(e.member)) continue;
    const key = `${e.observer}\u0000${e.member}`;
    if (e.kind === 'failed') {
      falseFailures++;
      members.add(e.member);
      down.add(key);
    } else if (e.kind === 'join' && down.has(key)) {
      flaps++;
      down.delete(key);
    }
  }
  return { falseFailures, members: members.size, flaps };
}

/**
 * Runs one loss phase on all `clusters` at once: loss on, `seconds`, loss off, `settleSeconds`,
 * then up to `reconvergeMs` for the views to agree again.
 */
export async function lossPhase(
  clusters: readonly BenchCluster[],
  nft: NftTable,
  percent: number,
  seconds: number,
  settleSeconds: number,
  reconvergeMs: number,
): Promise<Map<Impl, LossResult>> {
  const start = new Map(clusters.map((c) => [c.impl, c.events.length] as const));
  const live = new Map(clusters.map((c) => [c.impl, c.live()] as const));
  const suspicions0 = new Map(
    clusters.map((c) => [c.impl, (live.get(c.impl) ?? []).reduce((s, a) => s + a.suspicions, 0)] as const),
  );
  const before = await nft.read();
  await nft.setLoss(percent);
  const t0 = nowMs();
  await sleep(seconds * 1000);
  const during = await nft.read();
  await nft.clearLoss();
  const elapsed = (nowMs() - t0) / 1000;
  await sleep(settleSeconds * 1000);
  const reconverged = new Map<Impl, boolean>();
  await Promise.all(
    clusters.map(async (c) => {
      try {
        await c.waitConverged(reconvergeMs);
        reconverged.set(c.impl, true);
      } catch {
        reconverged.set(c.impl, false);
      }
    }),
  );
  const out = new Map<Impl, LossResult>();
  for (const c of clusters) {
    const agents = live.get(c.impl) ?? [];
    const names = new Set(agents.map((a) => a.name));
    const events = c.events.slice(start.get(c.impl) ?? 0);
    const k = count(events, names);
    const b = before[c.impl];
    const d = during[c.impl];
    let effective: number | null = null;
    if (b !== undefined && d !== undefined) {
      const passed = d.udpPackets + d.tcpPackets - (b.udpPackets + b.tcpPackets);
      const dropped = d.droppedPackets;
      effective = passed + dropped > 0 ? (dropped / (passed + dropped)) * 100 : null;
    }
    const hasSuspicions = c.impl === 'serf';
    const s1 = agents.reduce((s, a) => s + a.suspicions, 0);
    out.set(c.impl, {
      percent,
      seconds: elapsed,
      nodes: agents.length,
      falseFailures: k.falseFailures,
      membersFalselyFailed: k.members,
      flaps: k.flaps,
      suspicions: hasSuspicions ? s1 - (suspicions0.get(c.impl) ?? 0) : null,
      effectiveLossPct: effective,
      reconverged: reconverged.get(c.impl) ?? false,
      exits: agents.filter((a) => !a.running).length,
    });
  }
  return out;
}
