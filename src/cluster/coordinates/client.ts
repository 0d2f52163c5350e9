/**
 * The Vivaldi client of one node (serf: coordinate/client.go `Client`): our own coordinate, moved
 * by each round trip we measure to a peer whose coordinate we learnt.
 *
 * One update, in serf's order:
 * 1. the round trip passes a per-peer moving median of the last `latencyFilterSize` samples [2];
 * 2. Vivaldi [1]: the error moves towards the relative error of the current estimate, weighted by
 *    how unsure we are compared to the peer; the position moves along the line to the peer by
 *    `cc × weight × (rtt − estimate)`, and the height in proportion;
 * 3. the adjustment [3] becomes the mean of the last `adjustmentWindowSize` values of
 *    `rtt − raw distance`, halved (each end of a path carries half);
 * 4. gravity pulls the coordinate towards the origin by `(distance / rho)²` against drift [2];
 * 5. a coordinate that became NaN/Infinity is reset to the origin and counted.
 * References as in config.ts.
 */
import type { Random } from '../../core/random.js';
import type { VivaldiConfig } from './config.js';
import {
  applyForce,
  distanceSeconds,
  goSeconds,
  isCompatible,
  isValidCoordinate,
  newCoordinate,
  rawDistance,
  type Coordinate,
} from './coordinate.js';

/** serf refuses round trips above this (client.go `maxRTT`): 10 s in ns. */
export const MAX_RTT_NS = 10_000_000_000;

/** Why an observation was not used (serf's error texts). */
export type RejectReason =
  "dimensions aren't compatible" | 'coordinate is invalid' | 'round trip time not in valid range';

/** The outcome of {@link VivaldiClient.update}. */
export type UpdateResult =
  | { readonly ok: true; readonly coordinate: Coordinate }
  | { readonly ok: false; readonly reason: RejectReason };

/** See the module comment. */
export class VivaldiClient {
  private coord: Coordinate;
  private readonly origin: Coordinate;
  private readonly cfg: VivaldiConfig;
  private readonly random: Random;
  private adjustmentIndex = 0;
  private readonly adjustmentSamples: number[];
  private readonly latency: LatencyFilter;
  private resetCount = 0;

  constructor(cfg: VivaldiConfig, random: Random) {
    this.cfg = cfg;
    this.random = random;
    this.coord = newCoordinate(cfg);
    this.origin = newCoordinate(cfg);
    this.adjustmentSamples = new Array<number>(cfg.adjustmentWindowSize).fill(0);
    this.latency = new LatencyFilter(cfg.latencyFilterSize);
  }

  /** Our current coordinate. */
  get coordinate(): Coordinate {
    return this.coord;
  }

  /** How many times the coordinate was reset after becoming invalid (serf stats `coordinate_resets`). */
  get resets(): number {
    return this.resetCount;
  }

  /** Peers with latency samples (bounded by the members we probe; {@link forget} drops them). */
  get trackedPeers(): number {
    return this.latency.size;
  }

  /** Force our coordinate (serf `SetCoordinate`); an incompatible or invalid one is refused. */
  set(c: Coordinate): RejectReason | undefined {
    const bad = this.check(c);
    if (bad === undefined) this.coord = c;
    return bad;
  }

  /** Drop what we keep about `node` (serf `ForgetNode`, called when a member is reaped). */
  forget(node: string): void {
    this.latency.forget(node);
  }

  /** Estimated round trip from us to `other`, in seconds (serf `Client.DistanceTo`). */
  distanceTo(other: Coordinate): number {
    return distanceSeconds(this.coord, other);
  }

  /**
   * Fold in one round trip `rttNs` (integer nanoseconds) to `node`, whose coordinate is `other`
   * (serf `Client.Update`). Nothing changes when the observation is rejected.
   */
  update(node: string, other: Coordinate, rttNs: number): UpdateResult {
    const bad = this.check(other);
    if (bad !== undefined) return { ok: false, reason: bad };
    // Zero round trips happen with coarse clocks (serf notes consul#3789); the math copes.
    if (!(rttNs >= 0 && rttNs <= MAX_RTT_NS))
      return { ok: false, reason: 'round trip time not in valid range' };
    const rtt = this.latency.filter(node, goSeconds(rttNs));
    this.updateVivaldi(other, rtt);
    this.updateAdjustment(other, rtt);
    this.updateGravity();
    if (!isValidCoordinate(this.coord)) {
      this.resetCount++;
      this.coord = newCoordinate(this.cfg);
    }
    return { ok: true, coordinate: this.coord };
  }

  private check(c: Coordinate): RejectReason | undefined {
    if (!isCompatible(this.coord, c)) return "dimensions aren't compatible";
    if (!isValidCoordinate(c)) return 'coordinate is invalid';
    return undefined;
  }

  private updateVivaldi(other: Coordinate, rttIn: number): void {
    const cfg = this.cfg;
    const zero = 1.0e-6;
    const dist = distanceSeconds(this.coord, other);
    const rtt = rttIn < zero ? zero : rttIn;
    const wrongness = Math.abs(dist - rtt) / rtt;
    let totalError = this.coord.error + other.error;
    if (totalError < zero) totalError = zero;
    const weight = this.coord.error / totalError;
    let error = cfg.ce * weight * wrongness + this.coord.error * (1.0 - cfg.ce * weight);
    if (error > cfg.errorMax) error = cfg.errorMax;
    const force = cfg.cc * weight * (rtt - dist);
    this.coord = applyForce(cfg, { ...this.coord, error }, force, other, this.random);
  }

  private updateAdjustment(other: Coordinate, rtt: number): void {
    const window = this.cfg.adjustmentWindowSize;
    if (window === 0) return;
    // The adjustments themselves stay out of this sample: raw distance only.
    this.adjustmentSamples[this.adjustmentIndex] = rtt - rawDistance(this.coord, other);
    this.adjustmentIndex = (this.adjustmentIndex + 1) % window;
    let sum = 0;
    for (const s of this.adjustmentSamples) sum += s;
    this.coord = { ...this.coord, adjustment: sum / (2.0 * window) };
  }

  private updateGravity(): void {
    const dist = distanceSeconds(this.origin, this.coord);
    const ratio = dist / this.cfg.gravityRho;
    const force = -1.0 * (ratio * ratio);
    this.coord = applyForce(this.cfg, this.coord, force, this.origin, this.random);
  }
}

/**
 * A moving median of the last `size` round trips per peer (serf `latencyFilter`): one spike among
 * three samples never reaches Vivaldi, and the delay it adds is small since a peer is probed rarely.
 */
export class LatencyFilter {
  private readonly samples = new Map<string, number[]>();
  private readonly max: number;

  constructor(size: number) {
    this.max = size;
  }

  /** Add `rttSeconds` for `node` and return the median of its kept samples (upper median if even). */
  filter(node: string, rttSeconds: number): number {
    let kept = this.samples.get(node);
    if (kept === undefined) {
      kept = [];
      this.samples.set(node, kept);
    }
    kept.push(rttSeconds);
    if (kept.length > this.max) kept.shift();
    const sorted = [...kept].sort((a, b) => a - b);
    return sorted[sorted.length >> 1] as number;
  }

  /** Drop `node`'s samples. */
  forget(node: string): void {
    this.samples.delete(node);
  }

  /** Peers with samples. */
  get size(): number {
    return this.samples.size;
  }
}
