/**
 * The scenario runner behind `gossip-peer sim` and the scale benchmarks: builds a world of Swim
 * nodes, bootstraps it, applies a fault plan (kills, pauses, a partition, extra steps), runs it for
 * the simulated duration and computes the figures:
 *
 * - detection time of each crash to the **first** live observer and to **all** of them
 *   (p50/p99/max over the crashed nodes, nearest-rank), and per observer;
 * - false failures (a node that was not crashed declared dead by anyone) and false suspicions;
 * - messages (UDP datagrams + TCP streams) and bytes sent per node per simulated second;
 * - whether all live views agree at the end;
 * - the trace hash; and, apart from those deterministic figures, wall time and peak RSS.
 *
 * The same options (seed included) give the same deterministic figures, always.
 */
import { performance } from 'node:perf_hooks';
import type { Detector, Profile, SwimConfig } from '../swim/config.js';
import { SeededRandom } from '../core/random.js';
import { ConfigError } from '../wire/errors.js';
import {
  countAgreement,
  FailureChecker,
  percentile,
  viewAgreement,
  type Agreement,
  type FalseFailure,
} from './checkers.js';
import { formatStep, scheduleFaults, type ExpectResult, type FaultStep } from './faults.js';
import { buildSwimWorld, prejoinAll, type SwimSimCore, type SwimWorld } from './swim-nodes.js';
import { Trace } from './trace.js';

/** How the nodes come together. */
export type Bootstrap = 'join' | 'prejoined';

/** Periodic push-pull (memberlist's anti-entropy state exchange): as configured, or turned off. */
export type PushPullMode = 'on' | 'off';

/**
 * Above this many nodes a run turns periodic push-pull off unless told otherwise, and says so in
 * its figures. Why: memberlist staggers each node's first push-pull over the first 30 s, so a
 * faithful run of N nodes exchanges about 2·N² member entries in its first half-minute whatever
 * the scaled interval — 2·10⁸ at 10,000 nodes, tens of CPU-minutes of encoding, LZW and merging
 * (docs/scale.md) — while at 2,000 it is 8·10⁶. Join-time push-pulls are never turned off.
 */
export const PUSH_PULL_AUTO_OFF_ABOVE = 2000;

/** Everything a run can be told. Only `nodes`, `seconds` and `seed` are required. */
export interface SimRunOptions {
  /** Number of nodes (1 … 100,000). */
  readonly nodes: number;
  /** Simulated duration, seconds. */
  readonly seconds: number;
  /** Run seed (uint32). */
  readonly seed: number;
  /** memberlist profile. Default `lan`. */
  readonly profile?: Profile;
  /** Failure detector (docs/failure-detection.md). Default `adaptive`. */
  readonly detector?: Detector;
  /** Further core settings on top of the profile (library use, e.g. measurement scripts). */
  readonly config?: Partial<SwimConfig>;
  /** Symmetric UDP loss probability on every link, [0, 1). Default 0. */
  readonly loss?: number;
  /** One-way base delay ms (default 1) and jitter ms (default 1). */
  readonly delayMs?: number;
  readonly jitterMs?: number;
  /** UDP duplication and reordering probabilities (default 0). */
  readonly duplicate?: number;
  readonly reorder?: number;
  /**
   * `join`: node 0 (and the other seeds) start alone, the others join through a seed, staggered
   * over `joinWindowMs`. `prejoined`: every node starts knowing every other as alive (no join
   * traffic; see swim-nodes.ts). Default: `join` up to 2,000 nodes, `prejoined` above.
   */
  readonly bootstrap?: Bootstrap;
  /** Number of seed nodes for `join` (nodes 0 … seeds−1). Default 1. */
  readonly seeds?: number;
  /** Joins are spread evenly over this window. Default min(10 s, 10 % of the run). */
  readonly joinWindowMs?: number;
  /** Nodes to crash (random, never a seed). Default 0. */
  readonly kill?: number;
  /** When to crash them, ms. Default 25 % of the run. */
  readonly killAtMs?: number;
  /** Nodes to pause (random, distinct from the crashed ones). Default 0. */
  readonly pause?: number;
  /** When to pause them (default 25 % of the run) and for how long (default 2 s). */
  readonly pauseAtMs?: number;
  readonly pauseMs?: number;
  /** Fraction of nodes cut off from the rest, (0, 1). Default none. */
  readonly partition?: number;
  /** When the partition starts (default 25 % of the run) and how long it lasts (default 5 s). */
  readonly partitionAtMs?: number;
  readonly partitionMs?: number;
  /** More steps to run (see faults.ts). */
  readonly faults?: readonly FaultStep[];
  /** Call each core's `assertInvariants()` after each of its steps (slow; small runs). */
  readonly checkInvariants?: boolean;
  /** Keep this many trace lines (default 0). */
  readonly traceLines?: number;
  /** Called about once per simulated second with the virtual time (for progress output). */
  readonly onProgress?: (nowMs: number) => void;
  /**
   * Periodic push-pull. Default: `on` up to {@link PUSH_PULL_AUTO_OFF_ABOVE} nodes, `off` above;
   * the figures say which was run and whether it was chosen automatically.
   */
  readonly pushPull?: PushPullMode;
  /**
   * Called once the world is built and bootstrapped, before it runs: lets a benchmark observe
   * events or schedule actions of its own (they enter the trace like everything else).
   */
  readonly setup?: (world: SwimWorld) => void;
}

/** p50/p99/max in ms; `null` when there is no sample. */
export interface Spread {
  readonly p50: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

/** The deterministic figures of a run. */
export interface SimFigures {
  readonly seed: number;
  readonly nodes: number;
  readonly seconds: number;
  readonly profile: Profile;
  readonly detector: Detector;
  readonly loss: number;
  readonly bootstrap: Bootstrap;
  /** Whether periodic push-pull ran, and whether that was the size-based default. */
  readonly pushPull: PushPullMode;
  readonly pushPullAuto: boolean;
  /** The fault plan actually run, in the text form of faults.ts. */
  readonly schedule: readonly string[];
  readonly detection: {
    /** Crashed nodes. */
    readonly crashed: number;
    /** Crashes declared by at least one observer / by every expected observer. */
    readonly detectedByFirst: number;
    readonly detectedByAll: number;
    /** Per crash: delay to the first observer, and to all of them. */
    readonly firstMs: Spread;
    readonly allMs: Spread;
    /** Every (observer, crash) delay. */
    readonly perObserverMs: Spread;
  };
  /** Declarations of death of nodes that were not crashed (paused or up). */
  readonly falseFailures: number;
  /** Distinct nodes falsely declared dead. */
  readonly falseFailureNodes: number;
  /**
   * The first {@link MAX_FALSE_FAILURE_DETAILS} false failures, each with the target's recent
   * timeline (who suspected it at which incarnation, its refutations), to tell a missed refutation
   * from a suspicion that was never heard.
   */
  readonly falseFailureDetails: readonly FalseFailure[];
  /** Suspect events about nodes that were not crashed. */
  readonly falseSuspicions: number;
  /** Per node per simulated second. */
  readonly perNode: {
    /** UDP datagrams + TCP streams sent. */
    readonly msgsPerSec: number;
    readonly packetsPerSec: number;
    readonly streamsPerSec: number;
    /** UDP payload + TCP request/reply bytes sent. */
    readonly bytesPerSec: number;
  };
  readonly network: {
    readonly packetsSent: number;
    readonly packetsDelivered: number;
    readonly lostToLoss: number;
    readonly lostToPartition: number;
    readonly streamsOpened: number;
    readonly streamsFailed: number;
  };
  /**
   * Member tables at the end, over the live nodes: bytes per known member (typed arrays, see
   * src/swim/members.ts; names, addresses and meta are shared in the interner and not counted),
   * and the member records held in all.
   */
  readonly memory: {
    readonly tableBytesPerMember: number;
    readonly memberRecords: number;
    readonly tableMiB: number;
  };
  /** Do all live nodes agree on the up set at the end? */
  readonly converged: boolean;
  /** `exact` (every view compared) or `count` (numAlive only, for very large worlds). */
  readonly convergenceCheck: 'exact' | 'count';
  readonly convergenceDetail: string;
  readonly expectations: readonly ExpectResult[];
  /** Fingerprint of the whole run; equal for equal seeds. */
  readonly traceHash: string;
  /** Records processed (deliveries, deadlines, actions). */
  readonly steps: number;
}

/** Wall-clock measurements: not deterministic, reported apart. */
export interface SimCost {
  readonly wallMs: number;
  /** CPU time of this process during the run (user + system), ms: wall time on a shared machine says little. */
  readonly cpuMs: number;
  /** Peak resident set size of this process, MiB. */
  readonly peakRssMiB: number;
  /** Simulated seconds per wall second. */
  readonly speedup: number;
}

/** A run's result. */
export interface SimReport {
  readonly figures: SimFigures;
  readonly cost: SimCost;
  /** Kept trace lines (when asked for). */
  readonly traceLines: readonly string[];
}

/** Limits of the options (also used by the CLI for its messages). */
export const SIM_LIMITS = Object.freeze({ maxNodes: 100_000, maxSeconds: 86_400 });

/** Validate options; every problem at once in one {@link ConfigError}. */
export function checkRunOptions(o: SimRunOptions): void {
  const p: string[] = [];
  const int = (name: string, v: number | undefined, min: number, max: number): void => {
    if (v !== undefined && !(Number.isInteger(v) && v >= min && v <= max)) {
      p.push(`${name}: must be an integer between ${min} and ${max} (got ${v})`);
    }
  };
  const prob = (name: string, v: number | undefined, maxExclusive = false): void => {
    if (v !== undefined && !(v >= 0 && (maxExclusive ? v < 1 : v <= 1))) {
      p.push(`${name}: must be in [0, 1${maxExclusive ? ')' : ']'} (got ${v})`);
    }
  };
  int('nodes', o.nodes, 1, SIM_LIMITS.maxNodes);
  if (!(o.seconds > 0 && o.seconds <= SIM_LIMITS.maxSeconds)) {
    p.push(`seconds: must be > 0 and <= ${SIM_LIMITS.maxSeconds} (got ${o.seconds})`);
  }
  int('seed', o.seed, 0, 0xffffffff);
  prob('loss', o.loss, true);
  prob('duplicate', o.duplicate);
  prob('reorder', o.reorder);
  int('delayMs', o.delayMs, 0, 60_000);
  int('jitterMs', o.jitterMs, 0, 60_000);
  int('seeds', o.seeds, 1, Math.max(1, o.nodes));
  int('kill', o.kill, 0, Math.max(0, o.nodes - 1));
  int('pause', o.pause, 0, Math.max(0, o.nodes - 1));
  int('killAtMs', o.killAtMs, 0, 2 ** 31);
  int('pauseAtMs', o.pauseAtMs, 0, 2 ** 31);
  int('pauseMs', o.pauseMs, 0, 2 ** 31);
  int('partitionAtMs', o.partitionAtMs, 0, 2 ** 31);
  int('partitionMs', o.partitionMs, 0, 2 ** 31);
  int('joinWindowMs', o.joinWindowMs, 0, 2 ** 31);
  if (o.partition !== undefined && !(o.partition > 0 && o.partition < 1)) {
    p.push(`partition: must be a fraction in (0, 1) (got ${o.partition})`);
  }
  if (o.profile !== undefined && !['lan', 'wan', 'local'].includes(o.profile)) {
    p.push(`profile: must be one of lan, wan, local (got ${String(o.profile)})`);
  }
  if (o.detector !== undefined && !['adaptive', 'memberlist'].includes(o.detector)) {
    p.push(`detector: must be adaptive or memberlist (got ${String(o.detector)})`);
  }
  if (o.pushPull !== undefined && o.pushPull !== 'on' && o.pushPull !== 'off') {
    p.push(`pushPull: must be on or off (got ${String(o.pushPull)})`);
  }
  if (o.bootstrap !== undefined && o.bootstrap !== 'join' && o.bootstrap !== 'prejoined') {
    p.push(`bootstrap: must be join or prejoined (got ${String(o.bootstrap)})`);
  }
  const seeds = o.seeds ?? 1;
  if (Number.isInteger(o.nodes) && o.nodes >= 1 && (o.kill ?? 0) + (o.pause ?? 0) > o.nodes - seeds) {
    p.push(
      `kill + pause: at most ${Math.max(0, o.nodes - seeds)} nodes can be crashed or paused (seeds are spared)`,
    );
  }
  if (p.length > 0) throw new ConfigError(p);
}

/** Build the fault plan of a run (victims drawn from a generator of its own). */
export function planFaults(o: SimRunOptions): FaultStep[] {
  const durationMs = Math.round(o.seconds * 1000);
  const quarter = Math.round(durationMs / 4);
  const seeds = o.seeds ?? 1;
  const rng = new SeededRandom((o.seed ^ 0x5eed5eed) >>> 0);
  // Victims: a seeded partial Fisher–Yates over the non-seed nodes.
  const pool: number[] = [];
  for (let i = seeds; i < o.nodes; i++) pool.push(i);
  const pick = (k: number): number[] => {
    const out: number[] = [];
    for (let j = 0; j < k && pool.length > 0; j++) {
      const r = rng.int(pool.length);
      out.push(pool[r] as number);
      pool[r] = pool[pool.length - 1] as number;
      pool.pop();
    }
    return out.sort((a, b) => a - b);
  };
  const steps: FaultStep[] = [];
  const kill = pick(o.kill ?? 0);
  if (kill.length > 0) steps.push({ at: o.killAtMs ?? quarter, do: 'kill', nodes: kill });
  const paused = pick(o.pause ?? 0);
  if (paused.length > 0) {
    steps.push({ at: o.pauseAtMs ?? quarter, do: 'pause', nodes: paused, forMs: o.pauseMs ?? 2000 });
  }
  if (o.partition !== undefined) {
    const cutCount = Math.max(1, Math.min(o.nodes - 1, Math.round(o.nodes * o.partition)));
    const side: number[] = [];
    for (let i = o.nodes - cutCount; i < o.nodes; i++) side.push(i);
    const at = o.partitionAtMs ?? quarter;
    steps.push({ at, do: 'cut', a: side });
    steps.push({ at: at + (o.partitionMs ?? 5000), do: 'heal' });
  }
  for (const s of o.faults ?? []) steps.push(s);
  return steps;
}

function spread(values: readonly number[]): Spread {
  const s = [...values].sort((a, b) => a - b);
  return {
    p50: percentile(s, 50) ?? null,
    p99: percentile(s, 99) ?? null,
    max: s.length > 0 ? (s[s.length - 1] as number) : null,
  };
}

/** False failures listed with their timelines in the figures. */
export const MAX_FALSE_FAILURE_DETAILS = 20;

/** Above this many nodes the end-of-run agreement check counts instead of comparing views. */
const EXACT_VIEW_LIMIT = 2000;

/** Run one scenario to completion (synchronously) and compute its figures. */
export function runSimulation(o: SimRunOptions): SimReport {
  checkRunOptions(o);
  const wallStart = performance.now();
  const cpuStart = process.cpuUsage();
  const profile = o.profile ?? 'lan';
  const detector = o.detector ?? 'adaptive';
  const durationMs = Math.round(o.seconds * 1000);
  const bootstrap: Bootstrap = o.bootstrap ?? (o.nodes <= 2000 ? 'join' : 'prejoined');
  const pushPullAuto = o.pushPull === undefined;
  const pushPull: PushPullMode =
    o.pushPull ?? (o.config?.pushPullIntervalMs === 0 || o.nodes > PUSH_PULL_AUTO_OFF_ABOVE ? 'off' : 'on');
  const trace = new Trace({ keepLines: o.traceLines ?? 0 });
  const world = buildSwimWorld({
    seed: o.seed,
    profile,
    config: { ...o.config, detector, ...(pushPull === 'off' ? { pushPullIntervalMs: 0 } : {}) },
    trace,
    link: {
      loss: o.loss ?? 0,
      delayMs: o.delayMs ?? 1,
      jitterMs: o.jitterMs ?? 1,
      duplicate: o.duplicate ?? 0,
      reorder: o.reorder ?? 0,
      reorderMs: 10,
    },
    checkInvariants: o.checkInvariants ?? false,
  });
  const checker = new FailureChecker<SwimSimCore>(world);
  world.observe(checker);
  for (let i = 0; i < o.nodes; i++) world.addNode();

  const seeds = Math.min(o.seeds ?? 1, o.nodes);
  const steps: FaultStep[] = [];
  if (bootstrap === 'prejoined') prejoinAll(world);
  else if (o.nodes > 1) {
    const window = o.joinWindowMs ?? Math.min(10_000, Math.round(durationMs / 10));
    for (let i = 1; i < o.nodes; i++) {
      const via = i < seeds ? 0 : i % seeds;
      steps.push({ at: Math.floor((i * window) / o.nodes), do: 'join', nodes: [i], seeds: [via] });
    }
  }
  const plan = planFaults(o);
  const expectations = scheduleFaults(world, [...steps, ...plan]);
  o.setup?.(world);

  for (let t = 1000; ; t += 1000) {
    world.runUntil(Math.min(t, durationMs));
    o.onProgress?.(world.now);
    if (t >= durationMs) break;
  }

  const det = checker.detections();
  const firsts: number[] = [];
  const alls: number[] = [];
  const per: number[] = [];
  for (const d of det) {
    if (d.firstMs !== undefined) firsts.push(d.firstMs);
    if (d.allMs !== undefined) alls.push(d.allMs);
    per.push(...d.perObserverMs);
  }
  const exact = o.nodes <= EXACT_VIEW_LIMIT;
  const agreement: Agreement = exact ? viewAgreement(world) : countAgreement(world);
  const net = world.net.stats;
  let tableBytes = 0;
  let memberRecords = 0;
  for (const i of world.liveNodes()) {
    const core = world.core(i);
    if (core === null) continue;
    tableBytes += core.memberTableBytes();
    memberRecords += core.numKnown();
  }
  const nodeSeconds = o.nodes * (durationMs / 1000);
  const figures: SimFigures = {
    seed: o.seed,
    nodes: o.nodes,
    seconds: durationMs / 1000,
    profile,
    detector,
    loss: o.loss ?? 0,
    bootstrap,
    pushPull,
    pushPullAuto,
    schedule: plan.map(formatStep),
    detection: {
      crashed: det.length,
      detectedByFirst: firsts.length,
      detectedByAll: alls.length,
      firstMs: spread(firsts),
      allMs: spread(alls),
      perObserverMs: spread(per),
    },
    falseFailures: checker.falseFailures.length,
    falseFailureNodes: new Set(checker.falseFailures.map((f) => f.target)).size,
    falseFailureDetails: checker.falseFailures.slice(0, MAX_FALSE_FAILURE_DETAILS),
    falseSuspicions: checker.falseSuspicions,
    perNode: {
      msgsPerSec: round3((net.packetsSent + net.streamsOpened) / nodeSeconds),
      packetsPerSec: round3(net.packetsSent / nodeSeconds),
      streamsPerSec: round3(net.streamsOpened / nodeSeconds),
      bytesPerSec: round3((net.packetBytesSent + net.streamBytes) / nodeSeconds),
    },
    network: {
      packetsSent: net.packetsSent,
      packetsDelivered: net.packetsDelivered,
      lostToLoss: net.lostToLoss,
      lostToPartition: net.lostToPartition,
      streamsOpened: net.streamsOpened,
      streamsFailed: net.streamsFailed,
    },
    memory: {
      tableBytesPerMember: round3(tableBytes / Math.max(1, memberRecords)),
      memberRecords,
      tableMiB: round3(tableBytes / 2 ** 20),
    },
    converged: agreement.ok,
    convergenceCheck: exact ? 'exact' : 'count',
    convergenceDetail: agreement.detail,
    expectations,
    traceHash: trace.hash(),
    steps: world.stats.steps,
  };
  const wallMs = performance.now() - wallStart;
  const cpu = process.cpuUsage(cpuStart);
  return {
    figures,
    cost: {
      wallMs: Math.round(wallMs),
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      speedup: round3(durationMs / Math.max(1, wallMs)),
    },
    traceLines: trace.lines(),
  };
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
