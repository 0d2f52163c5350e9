/**
 * Lifeguard's dynamic suspicion (memberlist suspicion.go, util.go suspicionTimeout; Lifeguard
 * paper §IV-B "Local Health Aware Suspicion"). A suspicion starts at a long timeout that shrinks
 * towards a minimum as independent members confirm it, so a true failure is declared quickly while
 * a slow-but-alive node gets time to refute.
 */

/**
 * Minimum suspicion timeout (ms): `suspicionMult × max(1, log10(max(1, n))) × probeIntervalMs`.
 * Like Go, the node scale is truncated to thousandths before multiplying (util.go
 * suspicionTimeout); the result is floored to whole ms because the core's clock is integer ms.
 */
export function suspicionTimeoutMs(suspicionMult: number, n: number, probeIntervalMs: number): number {
  const nodeScale = Math.max(1, Math.log10(Math.max(1, n)));
  return Math.floor((suspicionMult * Math.trunc(nodeScale * 1000) * probeIntervalMs) / 1000);
}

/**
 * Expected independent confirmations `k` (state.go suspectNode): `suspicionMult − 2`, or 0 when
 * the cluster is too small to provide them (`n − 2 < k`: leave out ourselves and the suspect).
 */
export function expectedConfirmations(suspicionMult: number, n: number): number {
  const k = suspicionMult - 2;
  return n - 2 < k ? 0 : k;
}

/** Go's Duration.Seconds() for an integer number of ms (sec + nsec/1e9, bit for bit). */
function seconds(ms: number): number {
  return Math.trunc(ms / 1000) + ((ms % 1000) * 1e6) / 1e9;
}

/**
 * Total suspicion timeout (ms, measured from the start of the suspicion) after `c` confirmations
 * out of `k` expected (suspicion.go remainingSuspicionTime):
 * `max − (ln(c + 1) / ln(k + 1)) × (max − min)`, floored to ms, never below `min`.
 */
export function suspicionTimeoutAfterMs(c: number, k: number, minMs: number, maxMs: number): number {
  const frac = Math.log(c + 1) / Math.log(k + 1);
  const raw = seconds(maxMs) - frac * (seconds(maxMs) - seconds(minMs));
  const timeout = Math.floor(1000 * raw);
  return timeout < minMs ? minMs : timeout;
}

/** One active suspicion of one member. Only suspected members have one. */
export class Suspicion {
  /** `now` when the suspicion was raised (also the member's stateChangeMs then). */
  readonly startMs: number;
  /** The incarnation the suspicion was raised at; the dead declaration carries it. */
  readonly incarnation: number;
  /** Expected confirmations. */
  readonly k: number;
  readonly minMs: number;
  readonly maxMs: number;
  /** Confirmations counted so far (excluding the first accuser). */
  confirmations = 0;
  /** Absolute deadline (ms) at which the member is declared dead. */
  deadlineMs: number;
  /** Adaptive: the deadline never moves past this (set when our TCP probe was refused). */
  capMs = Number.POSITIVE_INFINITY;
  /** Adaptive: pings sent since the deadline ran out (0: not in the final check). */
  finalAttempts = 0;
  /** Adaptive: the sequence number of the last final-check ping, −1 if none. */
  finalSeq = -1;
  /** Adaptive: time this node spent stalled while suspecting; it does not count (see {@link postpone}). */
  stalledMs = 0;
  /** Members that have accused (the first accuser included, so it cannot confirm). */
  private readonly accusers = new Set<string>();

  constructor(from: string, startMs: number, incarnation: number, k: number, minMs: number, maxMs: number) {
    this.startMs = startMs;
    this.incarnation = incarnation;
    this.k = k;
    this.minMs = minMs;
    this.maxMs = maxMs;
    this.accusers.add(from);
    // With no confirmations to expect, the minimum applies at once (suspicion.go newSuspicion).
    this.deadlineMs = startMs + (k < 1 ? minMs : maxMs);
  }

  /**
   * A suspect message from `from`. Returns true if it is a new, independent confirmation (the
   * caller then re-gossips it); the deadline moves earlier per {@link suspicionTimeoutAfterMs}.
   */
  confirm(from: string): boolean {
    if (this.confirmations >= this.k) return false;
    if (this.accusers.has(from)) return false;
    this.accusers.add(from);
    this.confirmations++;
    this.deadlineMs = Math.min(
      this.capMs,
      this.startMs +
        this.stalledMs +
        suspicionTimeoutAfterMs(this.confirmations, this.k, this.minMs, this.maxMs),
    );
    return true;
  }

  /**
   * Adaptive: this node was stalled for `ms` (a GC pause, a blocked event loop): it could not hear a
   * refutation meanwhile, so the suspicion's clock stops for that long (deadline and cap move on).
   */
  postpone(ms: number): void {
    this.stalledMs += ms;
    this.capMs += ms;
    this.deadlineMs += ms;
  }

  /** Adaptive: never let the deadline be later than `atMs` (it moves earlier if it was). */
  cap(atMs: number): void {
    this.capMs = Math.min(this.capMs, atMs);
    this.deadlineMs = Math.min(this.deadlineMs, this.capMs);
  }
}
