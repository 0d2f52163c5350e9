/**
 * The coordinate arithmetic against serf 0.9.4's own published facts (serf:
 * coordinate/coordinate_test.go and client_test.go; the numbers are theirs, the code is ours).
 * Seen failing on a broken build: with `mul(d, 1/mag)` replaced by `mul(d, mag)` in unitVectorAt,
 * and with the adjustment guard `adjusted > 0` removed from distanceNs, tests here fail.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../../../src/core/random.js';
import { DEFAULT_VIVALDI_CONFIG, resolveVivaldiConfig } from '../../../src/cluster/coordinates/config.js';
import {
  applyForce,
  distanceSeconds,
  goDuration,
  goSeconds,
  isValidCoordinate,
  magnitude,
  newCoordinate,
  rawDistance,
  unitVectorAt,
  type Coordinate,
} from '../../../src/cluster/coordinates/coordinate.js';
import { ConfigError } from '../../../src/wire/errors.js';

const cfg3 = resolveVivaldiConfig({ dimensionality: 3, heightMin: 0 });

function near(actual: number, expected: number, tol = 1e-9, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} is not within ${tol} of ${expected}`);
}

function nearVec(actual: readonly number[], expected: readonly number[], tol = 1e-9): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((v, i) => near(v, expected[i] as number, tol, `[${i}]`));
}

function at(vec: number[], extra: Partial<Coordinate> = {}, cfg = cfg3): Coordinate {
  return { ...newCoordinate(cfg), vec, ...extra };
}

test("serf's defaults: 8 dimensions, error 1.5, height 10 µs, window 20, filter 3, rho 150", () => {
  const c = newCoordinate(DEFAULT_VIVALDI_CONFIG);
  assert.deepEqual(c, { vec: [0, 0, 0, 0, 0, 0, 0, 0], error: 1.5, adjustment: 0, height: 10e-6 });
  assert.equal(DEFAULT_VIVALDI_CONFIG.adjustmentWindowSize, 20);
  assert.equal(DEFAULT_VIVALDI_CONFIG.latencyFilterSize, 3);
  assert.equal(DEFAULT_VIVALDI_CONFIG.gravityRho, 150);
  assert.equal(DEFAULT_VIVALDI_CONFIG.ce, 0.25);
  assert.equal(DEFAULT_VIVALDI_CONFIG.cc, 0.25);
});

test('a configuration with no dimensions or a negative window is refused with every problem listed', () => {
  assert.throws(
    () => resolveVivaldiConfig({ dimensionality: 0, adjustmentWindowSize: -1, gravityRho: 0 }),
    (e: unknown) => e instanceof ConfigError && e.problems.length === 3,
  );
});

test('distance is the vector length plus heights plus adjustments, unless the adjustments make it ≤ 0', () => {
  // serf TestCoordinate_DistanceTo.
  const a = at([-0.5, 1.3, 2.4]);
  const b = at([1.2, -2.3, 3.4]);
  near(distanceSeconds(a, a), 0);
  near(distanceSeconds(a, b), 4.104875150354758);
  near(distanceSeconds(b, a), distanceSeconds(a, b));
  near(distanceSeconds({ ...a, adjustment: -1.0e6 }, b), 4.104875150354758);
  near(distanceSeconds({ ...a, adjustment: 0.1 }, { ...b, adjustment: 0.2 }), 4.104875150354758 + 0.3);
  near(
    distanceSeconds({ ...a, adjustment: 0.1, height: 0.7 }, { ...b, adjustment: 0.2, height: 0.1 }),
    4.104875150354758 + 0.3 + 0.8,
  );
  // serf TestCoordinate_rawDistanceTo: adjustments never count in the raw distance.
  near(rawDistance({ ...a, adjustment: 1.0e6 }, b), 4.104875150354758);
  near(rawDistance({ ...a, height: 0.7 }, { ...b, height: 0.1 }), 4.104875150354758 + 0.8);
});

test('a distance goes through integer nanoseconds as a Go time.Duration does (truncated)', () => {
  assert.equal(goDuration(1.9999999999e-9), 1);
  assert.equal(goDuration(12.345), 12_345_000_000);
  assert.equal(goSeconds(1_500_000_001), 1.500000001);
  // 12.345 s, serf TestClient_DistanceTo.
  near(distanceSeconds(newCoordinate(cfg3), at([0, 0, 12.345])), 12.345, 0);
  // A raw distance of 1.5 ns reads back as 1 ns.
  assert.equal(distanceSeconds(at([0, 0, 0]), at([0, 0, 1.5e-9])), 1e-9);
});

test('a force moves a coordinate along the line from the other one and scales the height', () => {
  const r = new SeededRandom(1);
  // serf TestCoordinate_ApplyForce.
  const origin = newCoordinate(cfg3);
  const above = at([0, 0, 2.9]);
  let c = applyForce(cfg3, origin, 5.3, above, r);
  nearVec(c.vec, [0, 0, -5.3]);
  c = applyForce(cfg3, c, 2.0, at([3.4, 0, -5.3]), r);
  nearVec(c.vec, [-2.0, 0, -5.3]);
  // On top of each other: a random direction, one unit away.
  c = applyForce(cfg3, origin, 1.0, origin, r);
  near(distanceSeconds(origin, c), 1.0, 1e-6);

  const withMin = resolveVivaldiConfig({ dimensionality: 3, heightMin: 10e-6 });
  const o2 = newCoordinate(withMin);
  c = applyForce(withMin, o2, 5.3, above, r); // `above` has height 0, as in serf
  nearVec(c.vec, [0, 0, -5.3]);
  near(c.height, 10e-6 + (5.3 * 10e-6) / 2.9, 1e-15);
  c = applyForce(withMin, o2, -5.3, above, r);
  nearVec(c.vec, [0, 0, 5.3]);
  near(c.height, 10e-6, 0); // the floor holds
});

test('the unit vector between two points, and a random unit vector for coincident ones', () => {
  const r = new SeededRandom(2);
  // serf TestCoordinate_unitVectorAt.
  const [u, mag] = unitVectorAt([1, 2, 3], [0.5, 0.6, 0.7], r);
  nearVec(u, [0.18257418583505536, 0.511207720338155, 0.8398412548412546], 1e-15);
  near(magnitude(u), 1, 1e-15);
  near(mag, magnitude([0.5, 1.4, 2.3]), 1e-15);
  const [u2, mag2] = unitVectorAt([1, 2, 3], [1, 2, 3], r);
  near(magnitude(u2), 1, 1e-12);
  assert.equal(mag2, 0);
  // The random direction comes from the injected source: the same seed gives the same one.
  assert.deepEqual(
    unitVectorAt([1, 2, 3], [1, 2, 3], new SeededRandom(9))[0],
    unitVectorAt([1, 2, 3], [1, 2, 3], new SeededRandom(9))[0],
  );
});

test('NaN or Infinity anywhere makes a coordinate invalid; 0 does not', () => {
  const base = newCoordinate(DEFAULT_VIVALDI_CONFIG);
  assert.ok(isValidCoordinate(base));
  for (const bad of [NaN, Infinity, -Infinity]) {
    for (let i = 0; i < 8; i++) {
      const vec = [...base.vec];
      vec[i] = bad;
      assert.equal(isValidCoordinate({ ...base, vec }), false);
    }
    assert.equal(isValidCoordinate({ ...base, error: bad }), false);
    assert.equal(isValidCoordinate({ ...base, adjustment: bad }), false);
    assert.equal(isValidCoordinate({ ...base, height: bad }), false);
  }
});
