/**
 * The Vivaldi client against serf 0.9.4: one update worked out by hand from serf's rules
 * (coordinate/client.go), serf's latency-filter and defence tests, and serf's synthetic
 * topologies (coordinate/performance_test.go: same topologies and cycles). serf's accuracy bounds
 * there sit just above what Go's math/rand seed 1 happens to give (line: avg 0.1735 % against a
 * bound of 0.18 %); our peer choices come from our own seeded source, so for the line and the
 * circle the bounds below are the worst we measured over seeds 1–8 with some room, and say so.
 * Exact agreement with serf's arithmetic is serf-vectors.test.ts's job.
 * Seen failing on a broken build: dropping the `weight` factor from the force, or the halving of
 * the adjustment, fails the hand-worked update and the split-topology target.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../../../src/core/random.js';
import { resolveVivaldiConfig, type VivaldiConfig } from '../../../src/cluster/coordinates/config.js';
import { LatencyFilter, VivaldiClient } from '../../../src/cluster/coordinates/client.js';
import { magnitude, newCoordinate, type Coordinate } from '../../../src/cluster/coordinates/coordinate.js';

const MS = 1_000_000; // ns

function near(actual: number, expected: number, tol: number, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} is not within ${tol} of ${expected}`);
}

test('one update moves the client exactly as serf’s rules say (worked by hand)', () => {
  const cfg = resolveVivaldiConfig({ dimensionality: 3 });
  const client = new VivaldiClient(cfg, new SeededRandom(1));
  // serf TestClient_Update: a peer 1 ms straight "above" the client, observed at 2 ms.
  const other: Coordinate = { ...newCoordinate(cfg), vec: [0, 0, 0.001] };
  const r = client.update('node', other, 2 * MS);
  assert.ok(r.ok);
  const c = r.coordinate;
  // Estimate before: 1 ms + two heights of 10 µs = 1.02 ms. Relative error |1.02 − 2| / 2 = 0.49.
  // Weight = 1.5 / (1.5 + 1.5) = 0.5. Error = 0.25·0.5·0.49 + 1.5·(1 − 0.125) = 1.37375.
  near(c.error, 1.37375, 1e-12, 'error');
  // Force = 0.25·0.5·(2 − 1.02) ms = 0.1225 ms, pushing away from the peer (down the z axis);
  // gravity's pull is (0.166 ms / 150)² ≈ 1e-12 s, below this tolerance.
  near(c.vec[2] as number, -0.0001225, 1e-10, 'z');
  assert.equal(c.vec[0], 0);
  assert.equal(c.vec[1], 0);
  // Height: 10 µs + (10 µs + 10 µs)·0.1225 ms / 1 ms = 12.45 µs.
  near(c.height, 12.45e-6, 1e-11, 'height');
  // Adjustment: the one non-zero sample, 2 ms − (1.1225 ms + 12.45 µs + 10 µs), over 2 × 20.
  near(c.adjustment, (0.002 - (0.0011225 + 12.45e-6 + 10e-6)) / 40, 1e-12, 'adjustment');
  assert.ok((c.vec[2] as number) < 0, 'the client scooted away from the peer');
});

test('the latency filter is a moving median of three per peer, and forgetting a peer resets it', () => {
  // serf TestClient_latencyFilter: the 1.9 s glitch is never seen.
  const f = new LatencyFilter(3);
  const seq = [0.201, 0.2, 0.207, 1.9, 0.203, 0.199, 0.211];
  const medians = [0.201, 0.201, 0.201, 0.207, 0.207, 0.203, 0.203];
  seq.forEach((s, i) => assert.equal(f.filter('alice', s), medians[i], `sample ${i}`));
  assert.equal(f.filter('bob', 0.31), 0.31, 'bob is not coupled to alice');
  f.forget('alice');
  assert.equal(f.filter('alice', 0.888), 0.888, 'alice after forget');
  assert.equal(f.size, 2);
});

test('a round trip below 0 or above 10 s, an invalid or a wrongly sized coordinate changes nothing', () => {
  const cfg = resolveVivaldiConfig({ dimensionality: 3 });
  const client = new VivaldiClient(cfg, new SeededRandom(1));
  const other: Coordinate = { ...newCoordinate(cfg), vec: [0, 0, 0.001] };
  const before = client.coordinate;
  assert.deepEqual(client.update('n', other, -35 * 1e9), {
    ok: false,
    reason: 'round trip time not in valid range',
  });
  assert.deepEqual(client.update('n', other, 11 * 1e9), {
    ok: false,
    reason: 'round trip time not in valid range',
  });
  assert.deepEqual(client.update('n', other, Number.MAX_SAFE_INTEGER), {
    ok: false,
    reason: 'round trip time not in valid range',
  });
  assert.deepEqual(client.update('n', { ...other, vec: [NaN, 0, 0] }, MS), {
    ok: false,
    reason: 'coordinate is invalid',
  });
  assert.deepEqual(client.update('n', { ...other, vec: [0, 0, 0, 0, 0, 0] }, MS), {
    ok: false,
    reason: "dimensions aren't compatible",
  });
  assert.equal(client.set({ ...other, height: Infinity }), 'coordinate is invalid');
  assert.equal(client.coordinate, before);
  // A zero round trip is accepted (serf counts it and carries on).
  assert.ok(client.update('n', other, 0).ok);
});

test('a coordinate poisoned with NaN is reset to the origin on the next update and counted', () => {
  const cfg = resolveVivaldiConfig({ dimensionality: 3 });
  const client = new VivaldiClient(cfg, new SeededRandom(1));
  // The client's own coordinate can only become invalid through arithmetic overflow; force it.
  (client as unknown as { coord: Coordinate }).coord = { ...newCoordinate(cfg), vec: [NaN, 0, 0] };
  const r = client.update('n', newCoordinate(cfg), 250 * MS);
  assert.ok(r.ok);
  assert.deepEqual(r.coordinate, newCoordinate(cfg));
  assert.equal(client.resets, 1);
});

// ---------------------------------------------------------------- serf's accuracy targets

type Truth = number[][]; // seconds

function simulate(clients: VivaldiClient[], truth: Truth, cycles: number, seed: number): void {
  const r = new SeededRandom(seed);
  const n = clients.length;
  for (let cycle = 0; cycle < cycles; cycle++) {
    for (let i = 0; i < n; i++) {
      const j = r.int(n);
      if (j === i) continue;
      const res = (clients[i] as VivaldiClient).update(
        `node_${j}`,
        (clients[j] as VivaldiClient).coordinate,
        Math.trunc(((truth[i] as number[])[j] as number) * 1e9),
      );
      assert.ok(res.ok);
    }
  }
}

function evaluate(clients: VivaldiClient[], truth: Truth): { avg: number; max: number } {
  let sum = 0;
  let max = 0;
  let count = 0;
  for (let i = 0; i < clients.length; i++) {
    for (let j = i + 1; j < clients.length; j++) {
      const est = (clients[i] as VivaldiClient).distanceTo((clients[j] as VivaldiClient).coordinate);
      const actual = (truth[i] as number[])[j] as number;
      const err = Math.abs(est - actual) / actual;
      max = Math.max(max, err);
      sum += err;
      count++;
    }
  }
  return { avg: sum / count, max };
}

function matrix(n: number, f: (i: number, j: number) => number): Truth {
  const t: Truth = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const v = f(i, j);
      (t[i] as number[])[j] = v;
      (t[j] as number[])[i] = v;
    }
  return t;
}

function clientsFor(n: number, cfg: VivaldiConfig, seed: number): VivaldiClient[] {
  const r = new SeededRandom(seed);
  return Array.from({ length: n }, () => new VivaldiClient(cfg, r.fork()));
}

const DEFAULT = resolveVivaldiConfig();

test('ten nodes on a line 10 ms apart: average error ≤ 0.4 %, worst ≤ 2.5 % (serf: 0.18 %, 0.92 % for its seed)', () => {
  const truth = matrix(10, (i, j) => (j - i) * 0.01);
  const clients = clientsFor(10, DEFAULT, 1);
  simulate(clients, truth, 1000, 1);
  const s = evaluate(clients, truth);
  assert.ok(s.avg <= 0.004 && s.max <= 0.025, JSON.stringify(s));
});

test('a 5×5 grid 10 ms apart: average error ≤ 0.15 %, worst ≤ 2.2 % (serf’s targets)', () => {
  const truth = matrix(
    25,
    (i, j) => Math.hypot((j % 5) - (i % 5), Math.floor(j / 5) - Math.floor(i / 5)) * 0.01,
  );
  const clients = clientsFor(25, DEFAULT, 2);
  simulate(clients, truth, 1000, 2);
  const s = evaluate(clients, truth);
  assert.ok(s.avg <= 0.0015 && s.max <= 0.022, JSON.stringify(s));
});

test('two sites 10 ms apart with 1 ms inside each: average error ≤ 0.006 %, worst ≤ 0.048 % (serf’s targets)', () => {
  const split = 12;
  const truth = matrix(25, (i, j) => 0.001 + (i <= split !== j <= split ? 0.01 : 0));
  const clients = clientsFor(25, DEFAULT, 3);
  simulate(clients, truth, 1000, 3);
  const s = evaluate(clients, truth);
  assert.ok(s.avg <= 0.00006 && s.max <= 0.00048, JSON.stringify(s));
});

test('a node equidistant from a circle of others ends up above them: height ≥ 97 % of the radius, others ≤ 4 %', () => {
  const radius = 0.1;
  const n = 25;
  const truth = matrix(n, (i, j) => {
    if (i === 0) return 2 * radius;
    const t1 = (2 * Math.PI * i) / n;
    const t2 = (2 * Math.PI * j) / n;
    return Math.hypot(Math.cos(t2) - Math.cos(t1), Math.sin(t2) - Math.sin(t1)) * radius;
  });
  const cfg = resolveVivaldiConfig({ dimensionality: 2 });
  const clients = clientsFor(n, cfg, 4);
  simulate(clients, truth, 1000, 4);
  clients.forEach((c, i) => {
    if (i === 0) assert.ok(c.coordinate.height >= 0.97 * radius, `centre height ${c.coordinate.height}`);
    else assert.ok(c.coordinate.height <= 0.04 * radius, `node ${i} height ${c.coordinate.height}`); // serf: 3 %
  });
  const s = evaluate(clients, truth);
  assert.ok(s.avg <= 0.005 && s.max <= 0.08, JSON.stringify(s)); // serf: 0.25 %, 6.4 %
});

test('gravity pulls a drifting square of four nodes back towards the origin', () => {
  const d = 0.5;
  const cfg = resolveVivaldiConfig({ dimensionality: 2 });
  const clients = clientsFor(4, cfg, 5);
  const start = [
    [0, 0],
    [0, d],
    [d, d],
    [d, d],
  ];
  clients.forEach((c, i) => c.set({ ...c.coordinate, vec: start[i] as number[] }));
  const truth = matrix(4, (i, j) => (i % 2 === 0 && j % 2 === 0 ? Math.SQRT2 * d : d));
  const centre = (): number => {
    const lo = [Infinity, Infinity];
    const hi = [-Infinity, -Infinity];
    for (const c of clients)
      c.coordinate.vec.forEach((v, k) => {
        lo[k] = Math.min(lo[k] as number, v);
        hi[k] = Math.max(hi[k] as number, v);
      });
    return magnitude(lo.map((l, k) => l + ((hi[k] as number) - l) / 2));
  };
  simulate(clients, truth, 1000, 5);
  const baseline = centre();
  simulate(clients, truth, 10000, 6);
  assert.ok(centre() <= 0.8 * baseline, `${baseline} → ${centre()}`);
});
