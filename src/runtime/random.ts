/**
 * The real node's {@link Random}: backed by node:crypto, because the same source draws AES-GCM
 * nonces (which must never repeat) as well as protocol choices. Bytes are drawn from the CSPRNG in
 * blocks to keep the per-call cost low; each instance has its own pool (no module-level state).
 */
import { randomBytes } from 'node:crypto';
import type { Random } from '../core/random.js';

/** Bytes fetched from the CSPRNG at a time. */
const POOL_BYTES = 4096;

/** A cryptographically secure {@link Random}. */
export class CryptoRandom implements Random {
  #pool: Uint8Array = new Uint8Array(0);
  #offset = 0;

  #take(n: number): Uint8Array {
    if (n > POOL_BYTES) return new Uint8Array(randomBytes(n));
    if (this.#offset + n > this.#pool.length) {
      this.#pool = new Uint8Array(randomBytes(POOL_BYTES));
      this.#offset = 0;
    }
    const out = this.#pool.slice(this.#offset, this.#offset + n);
    this.#offset += n;
    return out;
  }

  nextU32(): number {
    const b = this.#take(4);
    return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  }

  float(): number {
    return this.nextU32() / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  bytes(n: number): Uint8Array {
    return this.#take(n);
  }
}
