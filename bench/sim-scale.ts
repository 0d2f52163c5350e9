/**
 * Simulator scale benchmark: for each world size, in a child process of its own (so peak RSS is
 * that size's), a pre-joined world of Swim cores runs for the given simulated time under loss, and
 * we report:
 *
 * - per-node messages/s and bytes/s (UDP datagrams + TCP streams sent);
 * - dissemination: rounds (gossip intervals) until a meta update of one node has reached every
 *   other node, next to log10(N) and ln(N) (epidemic spread is O(log N) rounds);
 * - member-table bytes per known member, and RSS growth per known member for the pre-join;
 * - wall time, pre-join time and peak RSS.
 *
 * Usage: npm run build && node dist/bench/sim-scale.js [sizes…] [--seconds S] [--loss P] [--seed N]
 * (default sizes 100 1000 10000, 60 s, loss 0.05). Writes .bench-out/sim-scale.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { buildSwimWorld, prejoinAll } from '../src/sim/swim-nodes.js';
import { resolveConfig } from '../src/swim/config.js';

interface SizeResult {
  nodes: number;
  seconds: number;
  loss: number;
  msgsPerNodePerSec: number;
  bytesPerNodePerSec: number;
  disseminationMs: number | null;
  disseminationRounds: number | null;
  log10N: number;
  lnN: number;
  tableBytesPerMember: number;
  rssBytesPerMember: number;
  prejoinWallMs: number;
  runWallMs: number;
  peakRssMiB: number;
}

function one(nodes: number, seconds: number, loss: number, seed: number): SizeResult {
  const config = resolveConfig({}, 'lan');
  const world = buildSwimWorld({ seed, link: { loss } });
  for (let i = 0; i < nodes; i++) world.addNode();
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  prejoinAll(world);
  const t1 = performance.now();
  const rss1 = process.memoryUsage().rss;
  // Dissemination probe: node 0 changes its meta at 5 s; record when each other node sees it.
  const updateAt = Math.min(5000, Math.floor((seconds * 1000) / 4));
  let seen = 0;
  let doneAt = -1;
  world.observe({
    onEvent: (now, node, e) => {
      if (e.type === 'update' && e.member.name === 'node-0' && node !== 0 && now >= updateAt) {
        if (++seen === nodes - 1) doneAt = now;
      }
    },
  });
  world.at(updateAt, 'update node-0', (w) => w.command(0, (c, now) => c.updateMeta(now, Uint8Array.of(1))));
  world.runUntil(seconds * 1000);
  const t2 = performance.now();
  const net = world.net.stats;
  const nodeSec = nodes * seconds;
  const core = world.core(1);
  const known = core?.numKnown() ?? 1;
  const dms = doneAt >= 0 ? doneAt - updateAt : null;
  return {
    nodes,
    seconds,
    loss,
    msgsPerNodePerSec: round((net.packetsSent + net.streamsOpened) / nodeSec),
    bytesPerNodePerSec: round((net.packetBytesSent + net.streamBytes) / nodeSec),
    disseminationMs: dms,
    disseminationRounds: dms === null ? null : round(dms / config.gossipIntervalMs),
    log10N: round(Math.log10(nodes)),
    lnN: round(Math.log(nodes)),
    tableBytesPerMember: round((core?.memberTableBytes() ?? 0) / known),
    rssBytesPerMember: round((rss1 - rss0) / Math.max(1, nodes * (nodes - 1))),
    prejoinWallMs: Math.round(t1 - t0),
    runWallMs: Math.round(t2 - t1),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}

function main(argv: string[]): void {
  const flag = (name: string, def: number): number => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : def;
  };
  const seconds = flag('seconds', 60);
  const loss = flag('loss', 0.05);
  const seed = flag('seed', 1);
  const oneIdx = argv.indexOf('--one');
  if (oneIdx >= 0) {
    process.stdout.write(JSON.stringify(one(Number(argv[oneIdx + 1]), seconds, loss, seed)) + '\n');
    return;
  }
  const sizes = argv.filter((a, i) => /^\d+$/.test(a) && !argv[i - 1]?.startsWith('--')).map(Number);
  const results: SizeResult[] = [];
  const self = fileURLToPath(import.meta.url);
  for (const n of sizes.length > 0 ? sizes : [100, 1000, 10_000]) {
    const r = spawnSync(
      process.execPath,
      [
        '--max-old-space-size=8192',
        self,
        '--one',
        String(n),
        '--seconds',
        String(seconds),
        '--loss',
        String(loss),
        '--seed',
        String(seed),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    if (r.status !== 0) {
      process.stderr.write(`size ${n} failed (status ${r.status})\n`);
      continue;
    }
    const res = JSON.parse(r.stdout) as SizeResult;
    results.push(res);
    process.stdout.write(
      `${String(n).padStart(6)} nodes: ${res.msgsPerNodePerSec} msgs/s, ${res.bytesPerNodePerSec} B/s per node; ` +
        `update reached all in ${res.disseminationRounds ?? '-'} rounds (log10 N ${res.log10N}, ln N ${res.lnN}); ` +
        `${res.tableBytesPerMember} B/member table, ${res.rssBytesPerMember} B/member RSS; ` +
        `pre-join ${(res.prejoinWallMs / 1000).toFixed(1)} s, run ${(res.runWallMs / 1000).toFixed(1)} s wall, peak RSS ${res.peakRssMiB} MiB\n`,
    );
  }
  mkdirSync('.bench-out', { recursive: true });
  writeFileSync('.bench-out/sim-scale.json', JSON.stringify(results, null, 2) + '\n');
}

main(process.argv.slice(2));
