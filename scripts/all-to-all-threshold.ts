/**
 * The measurement behind `allToAllMaxNodes` (docs/failure-detection.md, "All-to-all or gossip"):
 * simulated clusters of N nodes in adaptive mode with all-to-all forced on or off, reporting
 *  - dissemination: from the first node declaring a crashed node dead to the last (p50 over the
 *    crashes), and crash → every live node (p50);
 *  - bytes/s per node on a clean network with 3 crashes (what all-to-all costs when little happens)
 *    and under loss (many suspicions and refutations, each sent to everyone).
 *
 *   npm run build && node dist/scripts/all-to-all-threshold.js [--seeds 3] [--sizes 8,16,32,48,64,96,128] [--losses 0.1,0.3]
 *
 * `--losses` (default 0.1,0.3) sets the lossy columns. Prints a Markdown table; deterministic: same
 * seeds, same table.
 */
import { runSimulation, type SimFigures } from '../src/sim/run.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : (process.argv[i + 1] ?? fallback);
}

const seeds = Number(arg('seeds', '3'));
const sizes = arg('sizes', '8,16,32,48,64,96,128').split(',').map(Number);
const losses = arg('losses', '0.1,0.3').split(',').map(Number);
if (
  !Number.isInteger(seeds) ||
  seeds < 1 ||
  sizes.some((n) => !Number.isInteger(n) || n < 4) ||
  losses.some((p) => !(p > 0 && p < 1))
) {
  console.error(
    'usage: all-to-all-threshold [--seeds N≥1] [--sizes n,n,… (each ≥ 4)] [--losses p,p,… in (0, 1)]',
  );
  process.exit(2);
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : (s[(s.length - 1) >> 1] as number);
}

function run(nodes: number, allToAll: boolean, seed: number, loss: number): SimFigures {
  return runSimulation({
    nodes,
    seconds: 120,
    seed,
    bootstrap: 'prejoined',
    loss,
    ...(loss === 0 ? { kill: 3, killAtMs: 30_000 } : {}),
    // On: never switch to gossip; off: never all-to-all.
    config: allToAll
      ? { allToAllMaxNodes: 100_000, allToAllResumeNodes: 100_000 }
      : { allToAllMaxNodes: 0, allToAllResumeNodes: 0 },
  }).figures;
}

const rows: string[] = [
  `| N | all-to-all | first → last declaration, p50 | crash → all nodes, p50 | bytes/s per node, clean + 3 crashes | ${losses.map((p) => `bytes/s per node, ${Math.round(p * 100)}% loss`).join(' | ')} |`,
  `|---:|---|---:|---:|---:|${losses.map(() => '---:').join('|')}|`,
];
for (const n of sizes) {
  for (const on of [false, true]) {
    const spreadMs: number[] = [];
    const allMs: number[] = [];
    const clean: number[] = [];
    const lossy: number[][] = losses.map(() => []);
    for (let s = 1; s <= seeds; s++) {
      const f = run(n, on, s, 0);
      if (f.detection.allMs.p50 !== null && f.detection.firstMs.p50 !== null) {
        spreadMs.push(f.detection.allMs.p50 - f.detection.firstMs.p50);
        allMs.push(f.detection.allMs.p50);
      }
      clean.push(f.perNode.bytesPerSec);
      losses.forEach((p, k) => lossy[k]?.push(run(n, on, s, p).perNode.bytesPerSec));
    }
    const ms = (x: number) => `${Math.round(x)} ms`;
    rows.push(
      `| ${n} | ${on ? 'on' : 'off'} | ${ms(median(spreadMs))} | ${ms(median(allMs))} | ${Math.round(median(clean))} | ${lossy.map((xs) => Math.round(median(xs))).join(' | ')} |`,
    );
    process.stderr.write(`${n} ${on ? 'on' : 'off'} done\n`);
  }
}
console.log(
  `${seeds} seed(s) per row, 120 simulated seconds each, lan profile, adaptive detector, pre-joined.\n`,
);
console.log(rows.join('\n'));
