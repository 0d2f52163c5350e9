/**
 * Lifeguard local health (memberlist awareness.go; Lifeguard paper §IV-A "Local Health Multiplier").
 * A node that misses acks, or has to refute accusations, is more likely the slow one itself; it
 * then waits longer before concluding a probe failed. The score is clamped to `0 … max − 1`.
 */
export class Awareness {
  private readonly max: number;
  private value = 0;

  /** `max` is `awarenessMaxMultiplier` (8 in every memberlist profile). */
  constructor(max: number) {
    this.max = max;
  }

  /** The current score, 0 = healthy. */
  get score(): number {
    return this.value;
  }

  /** Add `delta` (±) and clamp; returns true if the score changed. */
  applyDelta(delta: number): boolean {
    const before = this.value;
    this.value = Math.min(this.max - 1, Math.max(0, before + delta));
    return this.value !== before;
  }

  /** `timeoutMs × (score + 1)`: the awareness-scaled probe interval. */
  scale(timeoutMs: number): number {
    return timeoutMs * (this.value + 1);
  }
}
