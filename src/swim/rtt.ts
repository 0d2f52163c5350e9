/**
 * Round-trip time estimation for the adaptive detector: Jacobson/Karels (RFC 6298 §2) over the
 * round trips of our direct probes. A smoothed mean plus four mean deviations is the timeout TCP
 * has used since 1988: quick when round trips are steady, stretched when they become erratic
 * (congestion, a busy peer), with no tuning per network.
 */

/** RFC 6298's gains: α = 1/8 for the mean, β = 1/4 for the deviation. */
const ALPHA = 1 / 8;
const BETA = 1 / 4;

/** A smoothed round-trip time and its mean deviation (ms). */
export class RttEstimator {
  /** Smoothed round trip, ms (0 before the first sample). */
  srttMs = 0;
  /** Mean deviation of the round trip, ms. */
  rttvarMs = 0;
  /** Samples seen. */
  samples = 0;

  /** Fold in one measured round trip (ms, ≥ 0). */
  observe(rttMs: number): void {
    const r = Math.max(0, rttMs);
    if (this.samples === 0) {
      this.srttMs = r;
      this.rttvarMs = r / 2;
    } else {
      this.rttvarMs = (1 - BETA) * this.rttvarMs + BETA * Math.abs(this.srttMs - r);
      this.srttMs = (1 - ALPHA) * this.srttMs + ALPHA * r;
    }
    this.samples++;
  }

  /** `srtt + 4 × rttvar` (ms), or `undefined` before the first sample. */
  timeoutMs(): number | undefined {
    return this.samples === 0 ? undefined : this.srttMs + 4 * this.rttvarMs;
  }
}

/**
 * Per-peer smoothed round trips, for the few peers probed recently (a node probes one member per
 * interval, so at scale most peers have no fresh sample and the node-wide estimate stands in).
 * Bounded: the oldest entry is dropped beyond `capacity`.
 */
export class PeerRtts {
  private readonly byId = new Map<number, number>();
  private readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** Fold in one round trip to peer `id` (EWMA with gain 1/4: peers are sampled rarely). */
  observe(id: number, rttMs: number): void {
    const old = this.byId.get(id);
    const next = old === undefined ? rttMs : old + (rttMs - old) / 4;
    // Re-insert so iteration order is least recently sampled first.
    this.byId.delete(id);
    this.byId.set(id, next);
    if (this.byId.size > this.capacity) {
      const oldest = this.byId.keys().next().value as number;
      this.byId.delete(oldest);
    }
  }

  /** Smoothed round trip to `id`, if it was sampled. */
  get(id: number): number | undefined {
    return this.byId.get(id);
  }

  /** Forget `id` (it left the member table). */
  forget(id: number): void {
    this.byId.delete(id);
  }

  /** Peers with a sample. */
  get size(): number {
    return this.byId.size;
  }
}
