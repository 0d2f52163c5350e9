/**
 * Balancing and coordinates, measured (never asserted; docs/balancing.md, README):
 *
 *   npm run build && node dist/bench/balance.js [--failover-rounds 3]
 *
 * 1. Distribution: max/mean picks per member over 10,000 picks across 16 members, per strategy
 *    (picks released at once; `hash` over 10,000 distinct keys; `nearest` with all members equally
 *    near). 1.00 is perfectly even.
 * 2. Skewed backends: 16 backends, one 10× slower (100 ms against 10 ms), Poisson arrivals at 70 %
 *    of the cluster's capacity, 20,000 requests in a virtual-time simulation, one client balancer:
 *    mean and p99 response time and the slow backend's share, least-loaded against round-robin.
 * 3. Hash: share of 10,000 keys that move when a 17th member joins / one of 16 leaves (ideal:
 *    1/17 and 1/16, all to the joiner / all from the leaver).
 * 4. Coordinates: after 2 simulated minutes of probing, mean and worst relative error of every
 *    node's estimate of every pair against the true round trip, in the simulator with per-link
 *    delays (a line of 8 nodes, 5 ms one way per hop). Our Vivaldi arithmetic is serf's to the
 *    bit (test/cluster/coordinates/serf-vectors.test.ts), so serf's error for the same probes is
 *    the same number.
 * 5. Failover: examples/balancing-proxy with three backends on 127.0.0.1 (`local` profile); one
 *    backend is SIGKILLed; time until the proxy stops picking it, and until its node declares it
 *    failed (what a client polling `serf members` for failed nodes would wait for, at best).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SeededRandom } from '../src/core/random.js';
import { Balancer } from '../src/balance/balancer.js';
import { createStrategy, type Candidate } from '../src/balance/strategies.js';
import { World } from '../src/sim/world.js';
import { Serf } from '../src/cluster/serf.js';
import type { SerfEvent } from '../src/cluster/events.js';
import { resolveSerfConfig } from '../src/cluster/config.js';
import { Swim } from '../src/swim/swim.js';
import { resolveConfig } from '../src/swim/config.js';

const here = dirname(fileURLToPath(import.meta.url));

function members(n: number): Candidate[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `m${String(i).padStart(2, '0')}`,
    addr: { ip: '127.0.0.1', port: 7000 + i },
    tags: {},
  }));
}

function maxOverMean(counts: Map<string, number>, n: number, total: number): number {
  let max = 0;
  for (const v of counts.values()) max = Math.max(max, v);
  return max / (total / n);
}

function distribution(): Record<string, number> {
  const out: Record<string, number> = {};
  const c = members(16);
  for (const name of ['round-robin', 'random', 'least-loaded', 'nearest', 'hash']) {
    const b = new Balancer({ strategy: name, random: new SeededRandom(1), rttOf: () => 0.001 });
    b.setCandidates(c);
    const counts = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const p = b.pick(0, `key-${i}`);
      counts.set(p.name, (counts.get(p.name) ?? 0) + 1);
      b.release(p.name);
    }
    out[name] = maxOverMean(counts, 16, 10_000);
  }
  return out;
}

/** Virtual-time queueing: each backend serves one request at a time, FIFO. */
function skewed(strategy: string): { meanMs: number; p99Ms: number; slowShare: number } {
  const n = 16;
  const service = (i: number): number => (i === 0 ? 100 : 10);
  const capacityPerMs = Array.from({ length: n }, (_, i) => 1 / service(i)).reduce((a, b) => a + b, 0);
  const rate = 0.7 * capacityPerMs; // requests per ms
  const r = new SeededRandom(42);
  const b = new Balancer({ strategy, random: new SeededRandom(7) });
  const c = members(n);
  b.setCandidates(c);
  const freeAt = new Array<number>(n).fill(0);
  const done: { at: number; name: string }[] = []; // pending completions, for release
  const times: number[] = [];
  let slow = 0;
  let t = 0;
  for (let k = 0; k < 20_000; k++) {
    t += -Math.log(1 - r.float()) / rate;
    // Release everything finished by now.
    for (let i = done.length - 1; i >= 0; i--) {
      const d = done[i] as { at: number; name: string };
      if (d.at <= t) {
        b.release(d.name);
        done.splice(i, 1);
      }
    }
    const p = b.pick(t);
    const idx = Number(p.name.slice(1));
    const start = Math.max(t, freeAt[idx] as number);
    const end = start + service(idx);
    freeAt[idx] = end;
    done.push({ at: end, name: p.name });
    times.push(end - t);
    if (idx === 0) slow++;
  }
  times.sort((a, b) => a - b);
  return {
    meanMs: times.reduce((a, b) => a + b, 0) / times.length,
    p99Ms: times[Math.floor(times.length * 0.99)] as number,
    slowShare: slow / 20_000,
  };
}

function keysMoved(): { joinShare: number; leaveShare: number; allToJoiner: boolean; onlyLeaver: boolean } {
  const s = createStrategy('hash');
  const ctx = { random: new SeededRandom(1), loadOf: () => 0, rttOf: () => undefined };
  const keys = Array.from({ length: 10_000 }, (_, i) => `key-${i}`);
  const c16 = members(16);
  const c17 = members(17);
  const c15 = c16.filter((m) => m.name !== 'm05');
  const own = (list: Candidate[]): string[] => keys.map((key) => s.pick(list, { ...ctx, key }).name);
  const a = own(c16);
  const j = own(c17);
  const l = own(c15);
  const movedJ = keys.filter((_, i) => a[i] !== j[i]);
  const movedL = keys.filter((_, i) => a[i] !== l[i]);
  return {
    joinShare: movedJ.length / keys.length,
    leaveShare: movedL.length / keys.length,
    allToJoiner: keys.every((_, i) => a[i] === j[i] || j[i] === 'm16'),
    onlyLeaver: keys.every((_, i) => a[i] === l[i] || a[i] === 'm05'),
  };
}

function coordinateError(): { meanRel: number; maxRel: number; pairs: number } {
  const n = 8;
  const world = new World<Serf, SerfEvent>({
    seed: 3,
    link: { delayMs: 0, jitterMs: 0 },
    createCore: (ctx) =>
      new Serf({
        config: resolveSerfConfig({ nodeName: ctx.name }),
        random: ctx.random,
        now: ctx.now,
        createSwim: (delegate) =>
          new Swim({
            name: ctx.name,
            advertise: ctx.addr,
            config: resolveConfig({}, 'lan'),
            now: ctx.now,
            random: ctx.random,
            delegate,
          }),
      }),
  });
  for (let i = 0; i < n; i++) world.addNode();
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++)
      if (i !== j) world.net.setLink(i, j, { delayMs: 5 * Math.abs(i - j), jitterMs: 0 });
  for (let i = 1; i < n; i++) world.command(i, (s, now) => s.join(now, [world.address(0)]));
  world.runFor(120_000);
  let sum = 0;
  let max = 0;
  let pairs = 0;
  for (let o = 0; o < n; o++) {
    const coords = world.core(o)?.coordinates();
    for (let a = 0; a < n; a++)
      for (let b = a + 1; b < n; b++) {
        const est = coords?.rttSeconds(world.name(a), world.name(b));
        const truth = 0.01 * (b - a);
        if (est === undefined) continue;
        const rel = Math.abs(est - truth) / truth;
        sum += rel;
        max = Math.max(max, rel);
        pairs++;
      }
  }
  return { meanRel: sum / pairs, maxRel: max, pairs };
}

async function freePorts(k: number): Promise<number[]> {
  const out: number[] = [];
  const servers = [];
  for (let i = 0; i < k; i++) {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    servers.push(s);
    out.push((s.address() as { port: number }).port);
  }
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return out;
}

async function waitFor<T>(what: string, f: () => T | undefined, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function failover(rounds: number): Promise<{ excludedMs: number[]; failedMs: number[] }> {
  const excludedMs: number[] = [];
  const failedMs: number[] = [];
  const proxyJs = join(here, '..', 'examples', 'balancing-proxy', 'proxy.js');
  const backendJs = join(here, '..', 'examples', 'balancing-proxy', 'backend.js');
  for (let round = 0; round < rounds; round++) {
    const [pg, ph, ...p] = await freePorts(8);
    const kids: ChildProcess[] = [];
    let out = '';
    try {
      const proxy = spawn(process.execPath, [
        proxyJs,
        '--http',
        `127.0.0.1:${ph}`,
        '--gossip',
        `127.0.0.1:${pg}`,
        '--log',
      ]);
      kids.push(proxy);
      proxy.stdout.on('data', (b: Buffer) => (out += b.toString()));
      for (let i = 1; i <= 3; i++) {
        kids.push(
          spawn(process.execPath, [
            backendJs,
            '--name',
            `api-${i}`,
            '--http',
            `127.0.0.1:${p[2 * i - 2]}`,
            '--gossip',
            `127.0.0.1:${p[2 * i - 1]}`,
            '--join',
            `127.0.0.1:${pg}`,
          ]),
        );
      }
      const lines = (): { ts: number; event: string; backends?: string[]; name?: string }[] =>
        out
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as { ts: number; event: string; backends?: string[]; name?: string });
      await waitFor(
        '3 backends',
        () => lines().find((l) => l.event === 'set' && l.backends?.length === 3),
        30_000,
      );
      await new Promise((r) => setTimeout(r, 3000)); // let probes settle
      const victim = kids[2] as ChildProcess;
      const t0 = Date.now();
      victim.kill('SIGKILL');
      const ex = await waitFor(
        'exclusion',
        () => lines().find((l) => l.event === 'set' && l.ts >= t0 && !(l.backends ?? []).includes('api-2')),
        60_000,
      );
      const fl = await waitFor(
        'failure',
        () => lines().find((l) => l.event === 'member-failed' && l.name === 'api-2' && l.ts >= t0),
        60_000,
      );
      excludedMs.push(ex.ts - t0);
      failedMs.push(fl.ts - t0);
    } finally {
      for (const k of kids) if (k.exitCode === null && k.signalCode === null) k.kill('SIGKILL');
    }
  }
  return { excludedMs, failedMs };
}

const rounds = Number(process.argv[process.argv.indexOf('--failover-rounds') + 1] ?? 3) || 3;
const fmt = (x: number): string => x.toFixed(2);
const dist = distribution();
console.log('1. distribution, max/mean over 10,000 picks across 16 members');
for (const [k, v] of Object.entries(dist)) console.log(`   ${k.padEnd(13)} ${fmt(v)}`);
console.log('2. 16 backends, one 10x slower, 70 % load, 20,000 requests (virtual time)');
for (const s of ['round-robin', 'least-loaded']) {
  const r = skewed(s);
  console.log(
    `   ${s.padEnd(13)} mean ${fmt(r.meanMs)} ms  p99 ${fmt(r.p99Ms)} ms  slow backend's share ${(r.slowShare * 100).toFixed(1)} %`,
  );
}
const km = keysMoved();
console.log('3. hash, 10,000 keys');
console.log(
  `   join 16→17: ${(km.joinShare * 100).toFixed(2)} % moved (ideal ${(100 / 17).toFixed(2)} %), all to the joiner: ${km.allToJoiner}`,
);
console.log(
  `   leave 16→15: ${(km.leaveShare * 100).toFixed(2)} % moved (ideal ${(100 / 16).toFixed(2)} %), only the leaver's: ${km.onlyLeaver}`,
);
const ce = coordinateError();
console.log('4. coordinates, 8 simulated nodes on a line (10–70 ms), after 120 s');
console.log(
  `   relative error over ${ce.pairs} estimates: mean ${(ce.meanRel * 100).toFixed(1)} %, worst ${(ce.maxRel * 100).toFixed(1)} %`,
);
const fo = await failover(rounds);
console.log(`5. failover through examples/balancing-proxy, ${rounds} rounds (local profile)`);
console.log(`   kill → proxy stops picking: ${fo.excludedMs.join(', ')} ms`);
console.log(`   kill → member-failed:       ${fo.failedMs.join(', ')} ms`);
