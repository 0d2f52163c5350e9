/**
 * Token buckets keyed by a string (a source address, a destination, a log cause), on the injected
 * clock: `take(key, now)` spends one token if the key's bucket has one. A bucket refills at
 * `perSecond` up to `burst`. The number of keys is bounded: when full, buckets that have refilled
 * completely (they hold no information) are forgotten first, then the least recently used one, so
 * a flood of distinct keys (spoofed sources) costs bounded memory and never blocks a known key
 * for long.
 *
 * Pure and deterministic (no clock of its own): used by the protocol core to bound what one
 * source can make it do, and by the runtime and agent to rate-limit replies and log lines.
 */

/** How a {@link KeyedRateLimiter} behaves. */
export interface RateLimit {
  /** Tokens a fresh (or long idle) key starts with: the largest burst it may send at once. */
  readonly burst: number;
  /** Tokens added per second, up to `burst`. */
  readonly perSecond: number;
  /** Most keys remembered at once (at least 1). */
  readonly maxKeys: number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/** See the module comment. */
export class KeyedRateLimiter {
  readonly limit: RateLimit;
  /** Insertion order doubles as recency order: a used key is moved to the end. */
  private readonly buckets = new Map<string, Bucket>();

  constructor(limit: RateLimit) {
    if (!(limit.burst >= 1) || !(limit.perSecond >= 0) || !(limit.maxKeys >= 1))
      throw new RangeError('rate limit: burst ≥ 1, perSecond ≥ 0 and maxKeys ≥ 1 are required');
    this.limit = limit;
  }

  /** Spend one token of `key` at `now` (ms); false (and nothing spent) when it has none. */
  take(key: string, now: number): boolean {
    return this.takeN(key, now, 1);
  }

  /** Spend `n` tokens of `key` at once, or none when fewer are left. */
  takeN(key: string, now: number, n: number): boolean {
    const b = this.refill(key, now);
    if (b.tokens < n) return false;
    b.tokens -= n;
    return true;
  }

  /** Tokens `key` holds at `now` (a fresh key holds `burst`). Does not create the key. */
  available(key: string, now: number): number {
    const b = this.buckets.get(key);
    if (b === undefined) return this.limit.burst;
    return Math.min(this.limit.burst, b.tokens + ((now - b.updatedMs) * this.limit.perSecond) / 1000);
  }

  /** Keys remembered now (bounded by `maxKeys`). */
  get size(): number {
    return this.buckets.size;
  }

  private refill(key: string, now: number): Bucket {
    const l = this.limit;
    let b = this.buckets.get(key);
    if (b === undefined) {
      if (this.buckets.size >= l.maxKeys) this.evict(now);
      b = { tokens: l.burst, updatedMs: now };
    } else {
      this.buckets.delete(key);
      if (now > b.updatedMs) {
        b.tokens = Math.min(l.burst, b.tokens + ((now - b.updatedMs) * l.perSecond) / 1000);
        b.updatedMs = now;
      }
    }
    this.buckets.set(key, b);
    return b;
  }

  /**
   * Make room for one key: among the least recently used few, forget those that refilled
   * completely; if none did, forget the least recently used one. O(1) per call, so a flood of
   * fresh keys costs constant work per key.
   */
  private evict(now: number): void {
    const l = this.limit;
    let scanned = 0;
    let freed = 0;
    for (const [k, b] of this.buckets) {
      if (scanned++ >= EVICT_SCAN) break;
      if (b.tokens + ((now - b.updatedMs) * l.perSecond) / 1000 >= l.burst) {
        this.buckets.delete(k);
        freed++;
      }
    }
    if (freed > 0) return;
    const oldest = this.buckets.keys().next();
    if (oldest.done !== true) this.buckets.delete(oldest.value);
  }
}

/** Least recently used buckets looked at per eviction. */
const EVICT_SCAN = 16;
