/**
 * The event trace of a simulation: a running 64-bit hash over everything the world did (each
 * delivered packet, stream step, deadline, fault and user-visible core event, in order), and
 * optionally the lines themselves for reading or replay comparisons.
 *
 * Two runs with the same seed and scenario must produce the same hash; that is the determinism
 * test. Hashing numbers (not formatted strings) keeps it cheap enough to stay on for million-packet
 * runs. The hash is two independent 32-bit FNV-1a-style lanes with different multipliers — not
 * cryptographic, just a fingerprint.
 */

/** Record kinds mixed into the hash. Append only (changing them changes every hash). */
export const TraceKind = {
  packet: 1,
  streamRequest: 2,
  streamReply: 3,
  streamFailure: 4,
  deadline: 5,
  action: 6,
  event: 7,
  dropped: 8,
} as const;

/** Options of a {@link Trace}. */
export interface TraceOptions {
  /** Keep up to this many formatted lines (oldest dropped first). 0 (default): hash only. */
  readonly keepLines?: number;
}

/** A running fingerprint of a run, plus an optional window of readable lines. */
export class Trace {
  private h1 = 0x811c9dc5;
  private h2 = 0x9747b28c;
  private n = 0;
  private readonly keep: number;
  private readonly buf: string[] = [];

  constructor(opts: TraceOptions = {}) {
    this.keep = opts.keepLines ?? 0;
  }

  /** Number of records mixed in so far. */
  get count(): number {
    return this.n;
  }

  /** Whether readable lines are being kept (callers skip formatting otherwise). */
  get keepsLines(): boolean {
    return this.keep > 0;
  }

  /** Mix one numeric record: a kind, a time and up to three integers. */
  record(kind: number, t: number, a: number, b: number, c: number): void {
    this.n++;
    this.mix(kind);
    this.mix(t);
    this.mix(a);
    this.mix(b);
    this.mix(c);
  }

  /** Mix a string (used for core events, which are rare next to packets). */
  recordText(kind: number, t: number, node: number, text: string): void {
    this.n++;
    this.mix(kind);
    this.mix(t);
    this.mix(node);
    for (let i = 0; i < text.length; i++) this.mix(text.charCodeAt(i));
  }

  /** Append a readable line when lines are kept (does not affect the hash). */
  line(text: string): void {
    if (this.keep === 0) return;
    if (this.buf.length >= this.keep) this.buf.shift();
    this.buf.push(text);
  }

  /** The kept lines, oldest first. */
  lines(): readonly string[] {
    return this.buf;
  }

  /** The fingerprint so far as 16 hex digits. */
  hash(): string {
    return hex8(this.h1) + hex8(this.h2);
  }

  private mix(v: number): void {
    // Fold a (possibly > 32-bit) integer into 32 bits, then one FNV-1a step per lane.
    const lo = v | 0;
    const hi = Math.floor(v / 4294967296) | 0;
    const x = lo ^ Math.imul(hi, 0x27d4eb2d);
    this.h1 = Math.imul(this.h1 ^ x, 0x01000193);
    this.h2 = Math.imul(this.h2 ^ x, 0x5bd1e995);
    this.h2 ^= this.h2 >>> 15;
  }
}

function hex8(v: number): string {
  return (v >>> 0).toString(16).padStart(8, '0');
}
