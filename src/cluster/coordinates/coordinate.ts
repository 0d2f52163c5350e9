/**
 * A Vivaldi network coordinate and the arithmetic on it (serf: coordinate/coordinate.go), so that
 * our estimates match a Serf agent's for the same inputs.
 *
 * Units are seconds, as in serf: a coordinate is a point in `dimensionality`-space plus a height
 * (the access link that every path from the node crosses) and an adjustment (a per-node offset
 * learnt from the error of recent estimates). The estimated round trip between two nodes is the
 * Euclidean distance of their vectors plus both heights, plus both adjustments unless that would
 * make it non-positive.
 *
 * Go's `time.Duration` is integer nanoseconds, and serf routes several distances through it
 * (`DistanceTo` returns a Duration that callers turn back into seconds). {@link goDuration} and
 * {@link goSeconds} reproduce those two conversions so that the rounding is the same as serf's.
 */
import type { Random } from '../../core/random.js';
import type { VivaldiConfig } from './config.js';

/** A network coordinate (serf: `coordinate.Coordinate`); all distances in seconds. */
export interface Coordinate {
  /** Euclidean part, one entry per dimension. */
  readonly vec: readonly number[];
  /** Confidence of the estimate (dimensionless; 1.5 = no observations yet). */
  readonly error: number;
  /** Offset added to every distance from this node, learnt from recent errors. */
  readonly adjustment: number;
  /** Non-Euclidean offset: the node's access link. Always ≥ the configured minimum. */
  readonly height: number;
}

/** Below this, two points count as on top of each other (serf: coordinate.go `zeroThreshold`). */
export const ZERO_THRESHOLD = 1.0e-6;

/** The origin with no observations: error at its maximum, minimum height (serf `NewCoordinate`). */
export function newCoordinate(cfg: VivaldiConfig): Coordinate {
  return {
    vec: new Array<number>(cfg.dimensionality).fill(0),
    error: cfg.errorMax,
    adjustment: 0,
    height: cfg.heightMin,
  };
}

/** False if any component is NaN or ±Infinity (serf `IsValid`). */
export function isValidCoordinate(c: Coordinate): boolean {
  for (const v of c.vec) if (!Number.isFinite(v)) return false;
  return Number.isFinite(c.error) && Number.isFinite(c.adjustment) && Number.isFinite(c.height);
}

/** Whether two coordinates have the same number of dimensions (serf `IsCompatibleWith`). */
export function isCompatible(a: Coordinate, b: Coordinate): boolean {
  return a.vec.length === b.vec.length;
}

function assertCompatible(a: Coordinate, b: Coordinate): void {
  // serf panics here; every caller checks compatibility first, so this is a bug if it fires.
  if (!isCompatible(a, b)) throw new Error('coordinate dimensionality does not match');
}

/** Go's `time.Duration(seconds * 1e9)`: float seconds to integer nanoseconds, truncated. */
export function goDuration(seconds: number): number {
  return Math.trunc(seconds * 1e9);
}

/** Go's `Duration.Seconds()`: whole seconds plus the nanosecond remainder / 1e9. */
export function goSeconds(ns: number): number {
  const sec = Math.trunc(ns / 1e9);
  return sec + (ns - sec * 1e9) / 1e9;
}

/** Vivaldi distance without the adjustments: |a − b| + both heights (serf `rawDistanceTo`). */
export function rawDistance(a: Coordinate, b: Coordinate): number {
  return magnitude(diff(a.vec, b.vec)) + a.height + b.height;
}

/**
 * Estimated round trip between `a` and `b` in integer nanoseconds (serf `DistanceTo`): the raw
 * distance plus both adjustments, unless that sum is not positive (then the raw distance alone).
 */
export function distanceNs(a: Coordinate, b: Coordinate): number {
  assertCompatible(a, b);
  let dist = rawDistance(a, b);
  const adjusted = dist + a.adjustment + b.adjustment;
  if (adjusted > 0) dist = adjusted;
  return goDuration(dist);
}

/** {@link distanceNs} in seconds, as serf's callers read it (`DistanceTo(...).Seconds()`). */
export function distanceSeconds(a: Coordinate, b: Coordinate): number {
  return goSeconds(distanceNs(a, b));
}

/**
 * Move `c` by `force` seconds along the line from `other` to `c` (away from `other` when the force
 * is positive), and grow or shrink its height in proportion (serf `ApplyForce`). When the two sit
 * on top of each other the direction is random, drawn from `random` (serf uses math/rand).
 */
export function applyForce(
  cfg: VivaldiConfig,
  c: Coordinate,
  force: number,
  other: Coordinate,
  random: Random,
): Coordinate {
  assertCompatible(c, other);
  const [unit, mag] = unitVectorAt(c.vec, other.vec, random);
  const vec = add(c.vec, mul(unit, force));
  let height = c.height;
  if (mag > ZERO_THRESHOLD) {
    height = ((height + other.height) * force) / mag + height;
    height = Math.max(height, cfg.heightMin);
  }
  return { vec, error: c.error, adjustment: c.adjustment, height };
}

/**
 * The unit vector pointing at `a` from `b` and the distance between them (serf `unitVectorAt`).
 * Coincident points get a random direction and a distance of 0; in the (practically impossible)
 * case that the random vector is also ~0, the first axis.
 */
export function unitVectorAt(a: readonly number[], b: readonly number[], random: Random): [number[], number] {
  const d = diff(a, b);
  const mag = magnitude(d);
  // Multiply by the reciprocal, as serf does, so results round the same way.
  if (mag > ZERO_THRESHOLD) return [mul(d, 1.0 / mag), mag];
  for (let i = 0; i < d.length; i++) d[i] = random.float() - 0.5;
  const rmag = magnitude(d);
  if (rmag > ZERO_THRESHOLD) return [mul(d, 1.0 / rmag), 0];
  const axis = new Array<number>(d.length).fill(0);
  axis[0] = 1;
  return [axis, 0];
}

function add(a: readonly number[], b: readonly number[]): number[] {
  const out = new Array<number>(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] as number) + (b[i] as number);
  return out;
}

function diff(a: readonly number[], b: readonly number[]): number[] {
  const out = new Array<number>(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] as number) - (b[i] as number);
  return out;
}

function mul(v: readonly number[], k: number): number[] {
  const out = new Array<number>(v.length);
  for (let i = 0; i < v.length; i++) out[i] = (v[i] as number) * k;
  return out;
}

/** Euclidean length, summed in index order as serf does. */
export function magnitude(v: readonly number[]): number {
  let sum = 0;
  for (const x of v) sum += x * x;
  return Math.sqrt(sum);
}
