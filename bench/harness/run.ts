/**
 * One benchmark run: the scenarios in order, for each system, with the scheduling the numbers
 * need on a small machine.
 *
 * - Timing scenarios (formation, then rounds of crash → join → leave → join) run one system at a
 *   time, with nothing else of ours running: they measure latency, which CPU contention would bend.
 * - The steady minute and the loss phases run both systems side by side by default (different
 *   port ranges, their own nft rules and counters): CPU seconds, bytes and false-failure counts
 *   are per process and per range, and running them together halves the time (3 × 120 s of loss
 *   per N fits the 30-minute budget for N = 8, 32, 64 only this way). `--sequential` runs them one
 *   system at a time instead.
 */
import type { BenchAgent } from './agent-process.js';
import { BenchCluster } from './cluster.js';
import type { Binaries, Impl } from './impls.js';
import { lossPhase } from './loss.js';
import type { NftTable } from './nft.js';
import { emptyImplResult, type ImplResult, type RunSettings, type Scenario } from './result.js';
import { detectOnce, joinOnce, leaveOnce, Picker } from './rounds.js';
import { measureSteady } from './steady.js';
import { sleep } from './time.js';

/** What a run needs from its caller. */
export interface RunContext extends RunSettings {
  readonly bin: Binaries;
  /** Gossip and control port bases per system. */
  readonly ports: Readonly<Record<Impl, { gossipBase: number; ctlBase: number; slots: number }>>;
  /** nft table (created) or undefined when nft cannot be used (no traffic figures, no loss). */
  readonly nft: NftTable | undefined;
  readonly registry: Set<BenchAgent>;
  readonly ticksPerSecond: number;
  /** Progress lines (stderr). */
  readonly log: (line: string) => void;
}

const FORM_TIMEOUT_MS = 600_000;
const DETECT_TIMEOUT_MS = 90_000;
const LEAVE_TIMEOUT_MS = 30_000;
const JOIN_TIMEOUT_MS = 60_000;
const RECONVERGE_MS = 60_000;

const s = (ms: number | null | undefined): string =>
  ms === null || ms === undefined ? '—' : `${(ms / 1000).toFixed(2)} s`;

function message(err: unknown): string {
  return err instanceof Error ? (err.message.split('\n')[0] ?? String(err)) : String(err);
}

async function formCluster(
  ctx: RunContext,
  impl: Impl,
  res: ImplResult,
  alongside: boolean,
): Promise<BenchCluster> {
  const c = new BenchCluster(impl, ctx.ports[impl], ctx.bin, ctx.registry);
  const f = await c.form(ctx.nodes, ctx.formationConcurrency, FORM_TIMEOUT_MS);
  if (res.formation === null) {
    res.formation = f;
    res.formationAlongside = alongside;
  }
  ctx.log(
    `[${impl}] formed ${ctx.nodes} nodes: all see all after ${s(f.allSeeAllMs)} (last node up at ${s(f.lastReadyMs)}, startup median ${s(f.startupMs?.median)})`,
  );
  return c;
}

async function topUp(ctx: RunContext, c: BenchCluster): Promise<void> {
  while (c.live().length < ctx.nodes) await joinOnce(c, JOIN_TIMEOUT_MS);
}

async function timingRounds(
  ctx: RunContext,
  c: BenchCluster,
  res: ImplResult,
  picker: Picker,
): Promise<void> {
  const want = (x: Scenario): boolean => ctx.scenarios.includes(x);
  for (let r = 0; r < ctx.rounds; r++) {
    try {
      if (want('detect')) {
        const d = await detectOnce(c, picker, DETECT_TIMEOUT_MS);
        res.detect.push(d);
        ctx.log(
          `[${c.impl}] round ${r + 1}: SIGKILL ${d.victim}: first ${s(d.firstMs)}, all ${s(d.allMs)}${d.missing > 0 ? ` (${d.missing} missed)` : ''}`,
        );
      }
      if (want('join') || want('detect')) {
        const j = await joinOnce(c, JOIN_TIMEOUT_MS);
        if (want('join')) res.join.push(j);
        ctx.log(
          `[${c.impl}] round ${r + 1}: join ${j.node}: all see it ${s(j.allMs)}, spread ${s(j.spreadMs)}`,
        );
      }
      if (want('leave')) {
        const l = await leaveOnce(c, picker, LEAVE_TIMEOUT_MS);
        res.leave.push(l);
        ctx.log(`[${c.impl}] round ${r + 1}: leave ${l.node}: all see it ${s(l.allMs)}`);
        const j = await joinOnce(c, JOIN_TIMEOUT_MS);
        if (want('join')) res.join.push(j);
        ctx.log(
          `[${c.impl}] round ${r + 1}: join ${j.node}: all see it ${s(j.allMs)}, spread ${s(j.spreadMs)}`,
        );
      }
    } catch (err) {
      res.errors.push(`round ${r + 1}: ${message(err)}`);
      ctx.log(`[${c.impl}] round ${r + 1} failed: ${message(err)}`);
      await topUp(ctx, c).catch(() => {});
    }
  }
}

async function steadyAndLoss(
  ctx: RunContext,
  clusters: readonly BenchCluster[],
  results: Partial<Record<Impl, ImplResult>>,
): Promise<void> {
  const names = clusters.map((c) => c.impl).join(' + ');
  for (const c of clusters) {
    await topUp(ctx, c);
    await c.waitConverged(RECONVERGE_MS);
  }
  await sleep(ctx.settleSeconds * 1000);
  if (ctx.scenarios.includes('steady')) {
    ctx.log(`[${names}] steady: measuring ${ctx.steadySeconds} s`);
    const st = await measureSteady(clusters, ctx.nft, ctx.steadySeconds, ctx.ticksPerSecond);
    for (const [impl, r] of st) {
      (results[impl] as ImplResult).steady = r;
      ctx.log(
        `[${impl}] steady: ${r.bytesPerNodePerSec?.toFixed(0) ?? '—'} B/s and ${r.packetsPerNodePerSec?.toFixed(2) ?? '—'} pkt/s per node, CPU ${r.cpuPctPerNode?.mean.toFixed(2) ?? '—'}% of a core, RSS ${r.rssMiB?.mean.toFixed(1) ?? '—'} MiB`,
      );
    }
  }
  if (ctx.scenarios.includes('loss')) {
    if (ctx.nft === undefined) {
      for (const c of clusters) (results[c.impl] as ImplResult).errors.push('loss: nft not usable, skipped');
      ctx.log('loss: nft is not usable here (root and nftables needed); skipped');
      return;
    }
    for (const p of ctx.lossPercents) {
      ctx.log(`[${names}] loss ${p}%: ${ctx.lossSeconds} s, then ${ctx.settleSeconds} s settling`);
      const lr = await lossPhase(clusters, ctx.nft, p, ctx.lossSeconds, ctx.settleSeconds, RECONVERGE_MS);
      for (const [impl, r] of lr) {
        (results[impl] as ImplResult).loss.push(r);
        ctx.log(
          `[${impl}] loss ${p}% (measured ${r.effectiveLossPct?.toFixed(1) ?? '—'}%): ${r.falseFailures} false failures (${r.membersFalselyFailed} members), ${r.flaps} flaps${r.suspicions !== null ? `, ${r.suspicions} suspicions` : ''}${r.reconverged ? '' : ', NOT reconverged'}`,
        );
      }
      for (const c of clusters) await topUp(ctx, c).catch(() => {});
    }
  }
}

/** Runs every selected scenario for every selected system; returns what was measured. */
export async function runBench(ctx: RunContext): Promise<Partial<Record<Impl, ImplResult>>> {
  const results: Partial<Record<Impl, ImplResult>> = {};
  for (const impl of ctx.impls) results[impl] = emptyImplResult();
  const wantRounds = ctx.scenarios.some((x) => x === 'join' || x === 'detect' || x === 'leave');
  const wantLong = ctx.scenarios.some((x) => x === 'steady' || x === 'loss');
  const running = new Map<Impl, BenchCluster>();

  // Timing scenarios: one system at a time.
  for (const [i, impl] of ctx.impls.entries()) {
    const res = results[impl] as ImplResult;
    const picker = new Picker(ctx.seed + i);
    let c: BenchCluster;
    try {
      c = await formCluster(ctx, impl, res, false);
    } catch (err) {
      res.errors.push(`formation: ${message(err)}`);
      ctx.log(`[${impl}] formation failed: ${message(err)}`);
      continue;
    }
    if (wantRounds) await timingRounds(ctx, c, res, picker);
    if (wantLong && !ctx.sideBySide) {
      await steadyAndLoss(ctx, [c], results).catch((err) => {
        res.errors.push(`steady/loss: ${message(err)}`);
        ctx.log(`[${impl}] steady/loss failed: ${message(err)}`);
      });
    }
    // The last system stays up for the side-by-side phase; the others stop.
    if (wantLong && ctx.sideBySide && i === ctx.impls.length - 1) running.set(impl, c);
    else await c.stopAll();
  }

  // Steady minute and loss: both systems at once.
  if (wantLong && ctx.sideBySide) {
    const clusters: BenchCluster[] = [];
    for (const impl of ctx.impls) {
      const res = results[impl] as ImplResult;
      let c = running.get(impl);
      if (c === undefined) {
        try {
          c = await formCluster(ctx, impl, res, running.size > 0 || clusters.length > 0);
        } catch (err) {
          res.errors.push(`formation (side by side): ${message(err)}`);
          continue;
        }
      }
      clusters.push(c);
    }
    try {
      await steadyAndLoss(ctx, clusters, results);
    } catch (err) {
      for (const c of clusters) (results[c.impl] as ImplResult).errors.push(`steady/loss: ${message(err)}`);
      ctx.log(`steady/loss failed: ${message(err)}`);
    }
    await Promise.all(clusters.map((c) => c.stopAll()));
  }
  return results;
}
