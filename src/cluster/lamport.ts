/**
 * Lamport clocks, as Serf keeps them (serf: serf/lamport.go). Serf runs three independent
 * clocks — member (intents, push-pull `LTime`), event (user events) and query — and every one of
 * them starts at 0 and is incremented once at startup so the first value used is 1 (reference
 * §11.1).
 *
 * Go's `LamportTime` is a uint64; we use JS numbers, and the wire codec refuses values above
 * 2^53 − 1, so a clock can never be pushed past that by a peer.
 */

/** A Lamport time value (Go `LamportTime`, uint64). */
export type LamportTime = number;

/** One Lamport clock. Not shared: each Serf core owns its three clocks. */
export class LamportClock {
  private counter: LamportTime;

  /** @param start initial counter value (0 unless restored from a snapshot). */
  constructor(start: LamportTime = 0) {
    this.counter = start;
  }

  /** The current value. */
  time(): LamportTime {
    return this.counter;
  }

  /** Advance by one and return the new value. */
  increment(): LamportTime {
    this.counter += 1;
    return this.counter;
  }

  /**
   * Witness a time seen elsewhere: if `v` is at least the current value, move to `v + 1`.
   * Note that witnessing the current value itself still advances the clock (serf: lamport.go).
   */
  witness(v: LamportTime): void {
    if (v < this.counter) return;
    this.counter = v + 1;
  }
}
