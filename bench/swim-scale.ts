/**
 * Scale benchmark of the SWIM core (not a test: it asserts nothing, it measures).
 *
 *   npm run build && node dist/bench/swim-scale.js [--nodes 2000] [--seconds 20] [--loss 0]
 *        [--push-pull on|off] [--compression on|off] [--seed 1]
 *
 * Builds a pre-joined world of N Swim cores on the simulator (one shared interner, one
 * PreloadBatch), then runs it. Prints: preload time, memory per known member (member tables and
 * process RSS / array buffers), and for the run: simulated/wall time, CPU per delivered packet,
 * packets per node per second. CPU time (process.cpuUsage) is reported next to wall time because
 * wall time on a shared machine says little.
 */
import { performance } from 'node:perf_hooks';
import { buildSwimWorld } from '../src/sim/swim-nodes.js';
import { simAddress } from '../src/sim/world.js';
import { PreloadBatch } from '../src/swim/preload.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? (process.argv[i + 1] as string) : def;
}

const nodes = Number(arg('nodes', '2000'));
const seconds = Number(arg('seconds', '20'));
const loss = Number(arg('loss', '0'));
const seed = Number(arg('seed', '1'));
const pushPull = arg('push-pull', 'off') === 'on';
const compression = arg('compression', 'on') === 'on';

const mib = (b: number) => (b / 2 ** 20).toFixed(0);
const mem0 = process.memoryUsage();

const world = buildSwimWorld({
  seed,
  config: { compression, ...(pushPull ? {} : { pushPullIntervalMs: 0 }) },
  link: { loss },
});
// Intern every name before building the other cores, so that each member table is allocated
// once at its final size (see MemberTable.ensure).
world.addNode();
const first = world.core(0);
if (first === null) throw new Error('no core');
const members = Array.from({ length: nodes }, (_, i) => ({
  name: `node-${i}`,
  addr: simAddress(i),
  meta: new Uint8Array(0),
  incarnation: 1,
  vsn: [1, 5, 2, 2, 5, 5] as const,
}));
const tb = performance.now();
const cb = process.cpuUsage();
const batch = new PreloadBatch(first.interner, members);
for (let i = 1; i < nodes; i++) world.addNode(`node-${i}`);
const buildCpu = process.cpuUsage(cb);
console.log(
  `build: ${nodes} cores in ${((performance.now() - tb) / 1000).toFixed(2)} s wall, ${((buildCpu.user + buildCpu.system) / 1e6).toFixed(2)} s CPU`,
);
const t0 = performance.now();
const c0 = process.cpuUsage();
for (let i = 0; i < nodes; i++) world.command(i, (core, now) => core.preload(now, batch));
const preloadCpu = process.cpuUsage(c0);
const preloadMs = performance.now() - t0;
let tableBytes = 0;
for (let i = 0; i < nodes; i++) tableBytes += (world.core(i) as typeof first).memberTableBytes();
const mem1 = process.memoryUsage();
const known = nodes * nodes;
console.log(
  `swim-scale: ${nodes} nodes, ${seconds} s, loss ${loss}, push-pull ${pushPull ? 'on' : 'off'}, compression ${compression ? 'on' : 'off'}, seed ${seed}`,
);
console.log(
  `preload: ${known.toExponential(2)} member records in ${(preloadMs / 1000).toFixed(2)} s wall, ${((preloadCpu.user + preloadCpu.system) / 1e6).toFixed(2)} s CPU`,
);
console.log(
  `memory: member tables ${(tableBytes / known).toFixed(1)} B/member (${mib(tableBytes)} MiB); ` +
    `process +${((mem1.rss - mem0.rss) / known).toFixed(1)} B/member RSS, +${((mem1.arrayBuffers - mem0.arrayBuffers) / known).toFixed(1)} B/member array buffers, heap ${mib(mem1.heapUsed)} MiB`,
);

const t1 = performance.now();
const c1 = process.cpuUsage();
world.runFor(seconds * 1000);
const runCpu = process.cpuUsage(c1);
const runMs = performance.now() - t1;
const st = world.net.stats;
const cpuS = (runCpu.user + runCpu.system) / 1e6;
console.log(
  `run: ${seconds} s simulated in ${(runMs / 1000).toFixed(1)} s wall, ${cpuS.toFixed(1)} s CPU; ` +
    `${st.packetsSent} packets (${(st.packetsSent / nodes / seconds).toFixed(2)} per node per s), ` +
    `${((cpuS * 1e6) / Math.max(1, st.packetsDelivered)).toFixed(1)} µs CPU per delivered packet; peak RSS ${mib(process.resourceUsage().maxRSS * 1024)} MiB`,
);
let live = 0;
for (let i = 0; i < nodes; i++) live += (world.core(i) as typeof first).numAlive();
console.log(`end state: ${known - live} member records not alive or suspect across all views`);
