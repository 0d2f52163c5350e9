/**
 * The injected random source. The protocol core never calls Math.random or crypto.randomBytes;
 * it asks a {@link Random}. The simulator gives each node a seeded one derived from the run seed
 * (TigerBeetle style), so a seed replays exactly; the real runtime gives a crypto-backed one.
 */
export interface Random {
  /** A uniformly distributed unsigned 32-bit integer. */
  nextU32(): number;
  /** A uniformly distributed float in [0, 1). */
  float(): number;
  /** An integer in [0, n) for n >= 1. */
  int(n: number): number;
  /** `n` random bytes (used for AES-GCM nonces: the real runtime must back this with crypto). */
  bytes(n: number): Uint8Array;
}

/** splitmix32 step, used to spread one seed into the four words of xoshiro128**. */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * xoshiro128** — small, fast, good enough statistically for protocol decisions (not for keys).
 * Deterministic: the same seed yields the same sequence on every platform.
 */
export class SeededRandom implements Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    const st = { s: seed | 0 };
    this.a = splitmix32(st);
    this.b = splitmix32(st);
    this.c = splitmix32(st);
    this.d = splitmix32(st);
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  float(): number {
    return this.nextU32() / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      let w = this.nextU32();
      for (let j = 0; j < 4 && i + j < n; j++) {
        out[i + j] = w & 0xff;
        w >>>= 8;
      }
    }
    return out;
  }

  /** A child generator whose seed is drawn from this one: per-node streams from one run seed. */
  fork(): SeededRandom {
    return new SeededRandom(this.nextU32());
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
