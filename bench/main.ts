/**
 * gossip-peer against the real serf agent, measured in the same run on this machine: N real agent
 * processes of each system on 127.0.0.1, the same `lan` profile timings.
 *
 *   npm run bench -- --impl both --nodes 32 --scenario all
 *
 * Prints a side-by-side table (metric, serf, ours, ours/serf, goal) and writes
 * `bench/results/<date>-n<N>.json` and a `.svg` chart of detection times. See bench/README.md for
 * what each scenario measures and how. Needs root for nft (traffic counters and packet loss);
 * without it those figures are skipped. Every process it starts is killed by PID on exit, also on
 * SIGINT/SIGTERM, and its nft table is deleted.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchAgent } from './harness/agent-process.js';
import { parseBenchArgs, UsageError, type BenchOptions } from './harness/args.js';
import { loadNow, machineInfo } from './harness/machine.js';
import { NftTable, nftUsable } from './harness/nft.js';
import { findPortBlock } from './harness/ports.js';
import { clockTicks } from './harness/procfs.js';
import { resultText, writeOutputs } from './harness/output.js';
import { buildTable } from './harness/report.js';
import { RESULT_SCHEMA, SCENARIOS, type BenchResult, type RunSettings } from './harness/result.js';
import { runBench } from './harness/run.js';
import { nowMs } from './harness/time.js';

const USAGE = `usage: npm run bench -- [options]

  --impl ours|serf|both      systems to measure (default both)
  --nodes N                  agents per system (default 32)
  --scenario LIST|all        comma list of join,detect,leave,steady,loss (default all)
  --rounds R                 crash/join/leave rounds per system (default 3)
  --loss P,P,...             loss rates in percent (default 10,20,30)
  --loss-seconds S           time under each loss rate (default 120)
  --settle-seconds S         quiet time after formation and after each loss phase (default 10)
  --steady-seconds S         length of the steady measurement (default 60)
  --formation-concurrency C  agents starting at once when a cluster forms (default 16)
  --sequential               run steady and loss one system at a time (default: side by side)
  --seed N                   picks which nodes are killed and leave (default 1)
  --out DIR                  where the JSON and SVG go (default bench/results)
  --serf PATH                serf binary (default /usr/bin/serf)
`;

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bench'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('repository root not found');
}

function outName(o: BenchOptions, date: string): string {
  let name = `${date.slice(0, 10)}-n${o.nodes}`;
  if (o.scenarios.length !== SCENARIOS.length) name += `-${o.scenarios.join('-')}`;
  if (o.impls.length === 1) name += `-${o.impls[0]}`;
  return name;
}

async function main(): Promise<number> {
  let o: BenchOptions;
  try {
    o = parseBenchArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`bench: ${err.message}\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  if (o.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const root = repoRoot();
  const oursMain = join(root, 'dist', 'src', 'cli', 'main.js');
  if (o.impls.includes('ours') && !existsSync(oursMain)) {
    process.stderr.write(`bench: ${oursMain} not found (run npm run build)\n`);
    return 2;
  }
  if (o.impls.includes('serf') && !existsSync(o.serf)) {
    process.stderr.write(`bench: serf binary ${o.serf} not found (apt-get install serf, or --serf PATH)\n`);
    return 2;
  }
  const started = nowMs();
  const date = new Date(started).toISOString();
  const machine = machineInfo(o.serf, root);
  const log = (line: string): void => {
    process.stderr.write(`${((nowMs() - started) / 1000).toFixed(1).padStart(7)}s  ${line}\n`);
  };
  log(
    `bench: ${o.impls.join(' + ')}, N=${o.nodes}, scenarios ${o.scenarios.join(',')}, load ${machine.loadAtStart.join(' ')}, ${machine.nproc} cores`,
  );

  // Ports: one block for both systems' gossip ports (nft matches each half as a range) and their
  // control ports (our HTTP API, serf RPC), which are not counted.
  const slots = o.nodes + 2 * o.rounds + 8;
  const base = await findPortBlock(slots * 4, process.pid);
  const ports = {
    ours: { gossipBase: base, ctlBase: base + 2 * slots, slots },
    serf: { gossipBase: base + slots, ctlBase: base + 3 * slots, slots },
  };

  const registry = new Set<BenchAgent>();
  const needNft = o.scenarios.includes('steady') || o.scenarios.includes('loss');
  let nft: NftTable | undefined;
  if (needNft && (await nftUsable())) {
    nft = new NftTable(`gossip_peer_test_bench_${process.pid}`, [
      { label: 'ours', lo: ports.ours.gossipBase, hi: ports.ours.gossipBase + slots - 1 },
      { label: 'serf', lo: ports.serf.gossipBase, hi: ports.serf.gossipBase + slots - 1 },
    ]);
    await nft.create();
  } else if (needNft)
    log('nft is not usable (root and nftables needed): no traffic figures, no loss scenarios');

  const cleanup = (): void => {
    for (const a of registry) a.killNow();
    nft?.deleteSync();
  };
  process.once('exit', cleanup);
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.once(sig, () => {
      log(`${sig}: stopping every agent and deleting the nft table`);
      cleanup();
      process.exit(130);
    });

  // Only the settings, not the options' CLI-only fields (help, out, serf), are recorded.
  const settings: RunSettings = {
    impls: o.impls,
    nodes: o.nodes,
    scenarios: o.scenarios,
    rounds: o.rounds,
    lossPercents: o.lossPercents,
    lossSeconds: o.lossSeconds,
    settleSeconds: o.settleSeconds,
    steadySeconds: o.steadySeconds,
    formationConcurrency: o.formationConcurrency,
    sideBySide: o.sideBySide,
    seed: o.seed,
  };
  let impls;
  try {
    impls = await runBench({
      ...settings,
      bin: { oursMain, node: process.execPath, serf: o.serf },
      ports,
      nft,
      registry,
      ticksPerSecond: clockTicks(),
      log,
    });
  } finally {
    cleanup();
    await nft?.delete();
  }

  const result: BenchResult = {
    schema: RESULT_SCHEMA,
    date,
    durationSeconds: Math.round((nowMs() - started) / 100) / 10,
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    machine,
    loadAtEnd: loadNow(),
    config: { ...settings, profile: 'lan' },
    impls,
    table: buildTable(impls, o.scenarios.includes('loss') ? o.lossPercents : []),
  };
  const outDir = resolve(o.out ?? join(root, 'bench', 'results'));
  mkdirSync(outDir, { recursive: true });
  const name = outName(o, date);
  const paths = writeOutputs(result, outDir, name);
  process.stdout.write(`\n${resultText(result)}`);
  for (const p of paths) process.stdout.write(`wrote ${p}\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
