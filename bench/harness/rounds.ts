/**
 * The timing scenarios, run on one system at a time (nothing else of ours running): a node
 * crashes (SIGKILL) and we time its detection by every other node; a node joins and we time how
 * fast every node learns of it; a node leaves gracefully and we time how fast every node learns
 * of that. Each round does kill → join → leave → join, so the cluster keeps its size.
 */
import type { BenchAgent } from './agent-process.js';
import type { BenchCluster } from './cluster.js';
import { nowMs } from './time.js';

/** One crash and its detection. */
export interface DetectSample {
  readonly victim: string;
  readonly observers: number;
  /** Per observer that declared it failed: ms from the SIGKILL. */
  readonly perObserverMs: number[];
  /** Observers that had not declared it failed at the deadline. */
  readonly missing: number;
  /** First observer, ms from the SIGKILL. */
  readonly firstMs: number | null;
  /** Last observer, ms from the SIGKILL (null if any is missing). */
  readonly allMs: number | null;
  /** The last observer to declare it, for diagnosis. */
  readonly slowest: string | null;
}

/** One graceful leave and its propagation. */
export interface LeaveSample {
  readonly node: string;
  readonly observers: number;
  readonly perObserverMs: number[];
  readonly missing: number;
  readonly firstMs: number | null;
  /** From the leave signal until every other node printed member-leave (null if any missed it). */
  readonly allMs: number | null;
  /** The last observer to print it, for diagnosis. */
  readonly slowest: string | null;
}

/** One new node and how its join spread. */
export interface JoinSample {
  readonly node: string;
  readonly observers: number;
  /** Spawn until its own join (process start plus the join exchange). */
  readonly readyMs: number;
  /** Spawn until every other node printed member-join for it (null if any missed it). */
  readonly allMs: number | null;
  /** First to last other node printing member-join for it: the dissemination alone. */
  readonly spreadMs: number | null;
  readonly missing: number;
  /** The last observer to print it, for diagnosis. */
  readonly slowest: string | null;
}

/** A small deterministic PRNG (mulberry32) for picking victims reproducibly from `--seed`. */
export class Picker {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  }

  /** One element of a non-empty list. */
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T;
  }
}

/** The observer with the latest time, or null. */
function slowestOf(got: ReadonlyMap<string, number>): string | null {
  let best: string | null = null;
  let bestT = -Infinity;
  for (const [o, t] of got)
    if (t > bestT) {
      bestT = t;
      best = o;
    }
  return best;
}

function others(cluster: BenchCluster, except: BenchAgent): string[] {
  return cluster
    .live()
    .filter((a) => a !== except)
    .map((a) => a.name);
}

/** A live node other than the seed (node 0 stays up as everybody's join target). */
function victimOf(cluster: BenchCluster, picker: Picker): BenchAgent {
  const candidates = cluster.live().slice(1);
  if (candidates.length === 0) throw new Error(`${cluster.impl}: no node to stop`);
  return picker.pick(candidates);
}

/** SIGKILLs one node and waits until every other node declared it failed (or `timeoutMs`). */
export async function detectOnce(
  cluster: BenchCluster,
  picker: Picker,
  timeoutMs: number,
): Promise<DetectSample> {
  const victim = victimOf(cluster, picker);
  const observers = others(cluster, victim);
  const from = cluster.events.length;
  const t0 = nowMs();
  await victim.kill();
  const got = await cluster.waitSeen(victim.name, 'failed', from, observers, timeoutMs);
  const times = [...got.values()].map((t) => t - t0);
  const missing = observers.length - got.size;
  return {
    victim: victim.name,
    observers: observers.length,
    perObserverMs: times,
    missing,
    firstMs: times.length > 0 ? Math.min(...times) : null,
    allMs: missing === 0 && times.length > 0 ? Math.max(...times) : null,
    slowest: slowestOf(got),
  };
}

/** Sends one node its graceful-leave signal and waits until every other node printed its leave. */
export async function leaveOnce(
  cluster: BenchCluster,
  picker: Picker,
  timeoutMs: number,
): Promise<LeaveSample> {
  const node = victimOf(cluster, picker);
  const observers = others(cluster, node);
  const from = cluster.events.length;
  const t0 = nowMs();
  node.signalLeave();
  const got = await cluster.waitSeen(node.name, 'leave', from, observers, timeoutMs);
  await node.exited(10_000);
  const times = [...got.values()].map((t) => t - t0);
  const missing = observers.length - got.size;
  return {
    node: node.name,
    observers: observers.length,
    perObserverMs: times,
    missing,
    firstMs: times.length > 0 ? Math.min(...times) : null,
    allMs: missing === 0 && times.length > 0 ? Math.max(...times) : null,
    slowest: slowestOf(got),
  };
}

/** Starts one new node joining the seed and waits until every other node printed its join. */
export async function joinOnce(cluster: BenchCluster, timeoutMs: number): Promise<JoinSample> {
  const live = cluster.live();
  const seed = live[0];
  if (seed === undefined) throw new Error(`${cluster.impl}: no live node to join`);
  const observers = live.map((a) => a.name);
  const from = cluster.events.length;
  const node = cluster.spawn([cluster.addr(seed)]);
  await node.waitReady(timeoutMs);
  const got = await cluster.waitSeen(node.name, 'join', from, observers, timeoutMs);
  const times = [...got.values()];
  const missing = observers.length - got.size;
  return {
    node: node.name,
    observers: observers.length,
    readyMs: (node.readyAt as number) - node.spawnedAt,
    allMs: missing === 0 ? Math.max(...times) - node.spawnedAt : null,
    spreadMs: missing === 0 && times.length > 0 ? Math.max(...times) - Math.min(...times) : null,
    missing,
    slowest: slowestOf(got),
  };
}
