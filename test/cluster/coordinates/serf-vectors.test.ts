/**
 * Our Vivaldi port against numbers produced by serf 0.9.4's own coordinate package for the same
 * inputs (test/vectors/vivaldi/: 60 single-client observations and a 16-node convergence).
 * Every value must match exactly — same operations in the same order give the same doubles.
 * Seen failing on a broken build: summing the adjustment window from the other end (a change in
 * the last bits only) fails both tests, and so does leaving out the truncation of distances to
 * integer nanoseconds that Go's time.Duration imposes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { repoPath } from '../../helpers/repo-root.js';
import { resolveVivaldiConfig } from '../../../src/cluster/coordinates/config.js';
import { VivaldiClient } from '../../../src/cluster/coordinates/client.js';
import { distanceNs, type Coordinate } from '../../../src/cluster/coordinates/coordinate.js';

interface Step {
  peer: string;
  peerCoordinate: Coordinate;
  rttNs: number;
  ok: boolean;
  after: Coordinate;
  distanceToPeerNs: number;
}
interface Vectors {
  sequence: { start: Coordinate; steps: Step[] };
  simulation: {
    nodes: number;
    truthNs: number[][];
    start: Coordinate[];
    picks: [number, number][];
    final: Coordinate[];
    distanceNs: number[][];
  };
}

const vectors = JSON.parse(
  readFileSync(repoPath('test', 'vectors', 'vivaldi', 'serf-0.9.4.json'), 'utf8'),
) as Vectors;

/** A random source that fails the test if used: these inputs never need a random direction. */
const noRandom = {
  nextU32: () => assert.fail('random used'),
  float: () => assert.fail('random used'),
  int: () => assert.fail('random used'),
  bytes: () => assert.fail('random used'),
};

function sameCoordinate(actual: Coordinate, expected: Coordinate, what: string): void {
  assert.deepEqual(
    { vec: [...actual.vec], error: actual.error, adjustment: actual.adjustment, height: actual.height },
    expected,
    what,
  );
}

test("60 observations by one client give serf's coordinates to the last bit, spikes and rejections included", () => {
  const client = new VivaldiClient(resolveVivaldiConfig(), noRandom);
  assert.equal(client.set(vectors.sequence.start), undefined);
  vectors.sequence.steps.forEach((s, i) => {
    const r = client.update(s.peer, s.peerCoordinate, s.rttNs);
    assert.equal(r.ok, s.ok, `step ${i} accepted`);
    sameCoordinate(client.coordinate, s.after, `step ${i}`);
    if (s.peerCoordinate.vec.length === 8)
      assert.equal(distanceNs(client.coordinate, s.peerCoordinate), s.distanceToPeerNs, `step ${i} distance`);
    if (i === 45) client.forget(s.peer);
  });
  assert.equal(client.resets, 0);
});

test("sixteen clients converging on a random RTT matrix end exactly where serf's do", () => {
  const sim = vectors.simulation;
  const clients = sim.start.map((c) => {
    const v = new VivaldiClient(resolveVivaldiConfig(), noRandom);
    assert.equal(v.set(c), undefined);
    return v;
  });
  for (const [i, j] of sim.picks) {
    const r = (clients[i] as VivaldiClient).update(
      `node_${j}`,
      (clients[j] as VivaldiClient).coordinate,
      (sim.truthNs[i] as number[])[j] as number,
    );
    assert.ok(r.ok);
  }
  clients.forEach((c, i) => sameCoordinate(c.coordinate, sim.final[i] as Coordinate, `client ${i}`));
  for (let i = 0; i < sim.nodes; i++)
    for (let j = 0; j < sim.nodes; j++)
      assert.equal(
        distanceNs((clients[i] as VivaldiClient).coordinate, (clients[j] as VivaldiClient).coordinate),
        (sim.distanceNs[i] as number[])[j],
        `distance ${i}→${j}`,
      );
  // And the estimates are useful: within 25 % of the truth on average (serf's own outcome).
  let sum = 0;
  let count = 0;
  for (let i = 0; i < sim.nodes; i++)
    for (let j = i + 1; j < sim.nodes; j++) {
      const t = (sim.truthNs[i] as number[])[j] as number;
      sum += Math.abs(((sim.distanceNs[i] as number[])[j] as number) - t) / t;
      count++;
    }
  assert.ok(sum / count < 0.25, `mean relative error ${sum / count}`);
});
