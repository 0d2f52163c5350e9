/**
 * Simulator scale benchmark (measures, asserts nothing). For each world size, in a child process of
 * its own (so peak RSS and CPU time are that size's alone), the same scenario `gossip-peer sim`
 * runs — `runSimulation` with a pre-joined world under symmetric loss — and we report:
 *
 * - per-node messages/s and bytes/s (UDP datagrams + TCP streams sent, whole run);
 * - dissemination: three meta updates (nodes 0, 1, 2, at 1/12, 3/12 and 5/12 of the run) and the
 *   gossip rounds (`gossipIntervalMs`) until every other live node had each, next to the epidemic
 *   bound for push gossip with fanout f: log_{f+1} N + ln(N) / f rounds (Pittel's log₂N + ln N
 *   generalised; f = `gossipNodes` = 3), and ln N;
 * - bytes per known member: member tables (deterministic) and RSS growth of the pre-join divided by
 *   the records it created (process-level, includes the cores themselves);
 * - wall time, CPU time, peak RSS; false failures, false suspicions, whether views agree.
 *
 * Usage: npm run build && node dist/bench/sim-scale.js [sizes…] [--seconds S] [--loss P]
 *        [--seed N] [--detector adaptive|memberlist] [--push-pull on|off|auto] [--out FILE]
 * Defaults: sizes 100 1000 10000, 60 s, loss 0.05, seed 1, push-pull auto (the CLI's default:
 * on up to 2,000 nodes, off above), out bench/results/sim-scale-<date>.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSimulation, type PushPullMode } from '../src/sim/run.js';
import { resolveConfig, type Detector } from '../src/swim/config.js';

interface SizeResult {
  nodes: number;
  seconds: number;
  loss: number;
  seed: number;
  bootstrap: string;
  detector: Detector;
  pushPull: PushPullMode;
  pushPullAuto: boolean;
  msgsPerNodePerSec: number;
  packetsPerNodePerSec: number;
  streamsPerNodePerSec: number;
  bytesPerNodePerSec: number;
  /** Per update: rounds until every other live node had it (null: someone never did). */
  disseminationRounds: (number | null)[];
  disseminationRoundsMax: number | null;
  epidemicBoundRounds: number;
  lnN: number;
  falseFailures: number;
  falseSuspicions: number;
  converged: boolean;
  tableBytesPerMember: number;
  rssBytesPerMember: number;
  memberRecords: number;
  traceHash: string;
  wallS: number;
  cpuS: number;
  peakRssMiB: number;
}

function one(
  nodes: number,
  seconds: number,
  loss: number,
  seed: number,
  pushPull: PushPullMode | undefined,
  detector: Detector,
) {
  const config = resolveConfig({}, 'lan');
  const rss0 = process.memoryUsage().rss;
  let rss1 = rss0;
  const durationMs = seconds * 1000;
  const updates = [0, 1, 2]
    .filter((n) => n < nodes)
    .map((node, k) => ({ node, at: Math.round((durationMs * (1 + 2 * k)) / 12), seen: 0, doneAt: -1 }));
  const report = runSimulation({
    nodes,
    seconds,
    seed,
    loss,
    bootstrap: 'prejoined',
    detector,
    ...(pushPull === undefined ? {} : { pushPull }),
    setup: (world) => {
      rss1 = process.memoryUsage().rss;
      world.observe({
        onEvent: (now, node, e) => {
          if (e.type !== 'update') return;
          for (const u of updates) {
            if (e.member.name === world.name(u.node) && node !== u.node && now >= u.at && u.doneAt < 0) {
              if (++u.seen === world.liveNodes().length - 1) u.doneAt = now;
            }
          }
        },
      });
      for (const u of updates) {
        world.at(u.at, `update ${world.name(u.node)}`, (w) =>
          w.command(u.node, (c, now) => c.updateMeta(now, Uint8Array.of(u.at & 0xff, u.node))),
        );
      }
    },
  });
  const f = report.figures;
  const rounds = updates.map((u) =>
    u.doneAt < 0 ? null : round((u.doneAt - u.at) / config.gossipIntervalMs),
  );
  const fanout = config.gossipNodes;
  const result: SizeResult = {
    nodes,
    seconds,
    loss,
    seed,
    bootstrap: f.bootstrap,
    detector: f.detector,
    pushPull: f.pushPull,
    pushPullAuto: f.pushPullAuto,
    msgsPerNodePerSec: f.perNode.msgsPerSec,
    packetsPerNodePerSec: f.perNode.packetsPerSec,
    streamsPerNodePerSec: f.perNode.streamsPerSec,
    bytesPerNodePerSec: f.perNode.bytesPerSec,
    disseminationRounds: rounds,
    disseminationRoundsMax: rounds.includes(null) ? null : Math.max(...(rounds as number[])),
    epidemicBoundRounds: round(Math.log(nodes) / Math.log(fanout + 1) + Math.log(nodes) / fanout),
    lnN: round(Math.log(nodes)),
    falseFailures: f.falseFailures,
    falseSuspicions: f.falseSuspicions,
    converged: f.converged,
    tableBytesPerMember: f.memory.tableBytesPerMember,
    rssBytesPerMember: round((rss1 - rss0) / Math.max(1, nodes * (nodes - 1))),
    memberRecords: f.memory.memberRecords,
    traceHash: f.traceHash,
    wallS: round(report.cost.wallMs / 1000),
    cpuS: round(report.cost.cpuMs / 1000),
    peakRssMiB: report.cost.peakRssMiB,
  };
  return result;
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}

function main(argv: string[]): void {
  const flag = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const seconds = Number(flag('seconds') ?? 60);
  const loss = Number(flag('loss') ?? 0.05);
  const seed = Number(flag('seed') ?? 1);
  const pp = flag('push-pull') ?? 'auto';
  if (!['on', 'off', 'auto'].includes(pp)) throw new Error(`--push-pull: on, off or auto (got ${pp})`);
  const pushPull = pp === 'auto' ? undefined : (pp as PushPullMode);
  const detector = flag('detector') ?? 'adaptive';
  if (detector !== 'adaptive' && detector !== 'memberlist') {
    throw new Error(`--detector: adaptive or memberlist (got ${detector})`);
  }
  const oneArg = flag('one');
  if (oneArg !== undefined) {
    process.stdout.write(JSON.stringify(one(Number(oneArg), seconds, loss, seed, pushPull, detector)) + '\n');
    return;
  }
  const sizes = argv.filter((a, i) => /^\d+$/.test(a) && !argv[i - 1]?.startsWith('--')).map(Number);
  const out = flag('out') ?? `bench/results/sim-scale-${new Date().toISOString().slice(0, 10)}.json`;
  const self = fileURLToPath(import.meta.url);
  const results: SizeResult[] = [];
  for (const n of sizes.length > 0 ? sizes : [100, 1000, 10_000]) {
    const args = [
      '--one',
      String(n),
      '--seconds',
      String(seconds),
      '--loss',
      String(loss),
      '--seed',
      String(seed),
    ];
    const r = spawnSync(process.execPath, [self, ...args, '--push-pull', pp, '--detector', detector], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 20,
    });
    if (r.status !== 0) {
      process.stderr.write(`size ${n} failed (status ${r.status}, signal ${r.signal})\n`);
      continue;
    }
    const res = JSON.parse(r.stdout) as SizeResult;
    results.push(res);
    process.stdout.write(
      `${String(n).padStart(6)} nodes (${res.detector}, push-pull ${res.pushPull}): ${res.msgsPerNodePerSec} msgs/s, ${res.bytesPerNodePerSec} B/s per node; ` +
        `updates reached all in ${res.disseminationRounds.map((x) => x ?? '-').join('/')} rounds (bound ${res.epidemicBoundRounds}, ln N ${res.lnN}); ` +
        `${res.tableBytesPerMember} B/member table, ${res.rssBytesPerMember} B/member RSS; false failures ${res.falseFailures}; ` +
        `${res.wallS} s wall, ${res.cpuS} s CPU, peak RSS ${res.peakRssMiB} MiB\n`,
    );
  }
  const machine = {
    date: new Date().toISOString(),
    node: process.version,
    nproc: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    totalMemGiB: Math.round(totalmem() / 2 ** 30),
    loadAverage: loadavg().map(round),
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    JSON.stringify({ machine, seconds, loss, seed, detector, pushPull: pp, results }, null, 2) + '\n',
  );
  process.stdout.write(`wrote ${out}\n`);
}

main(process.argv.slice(2));
