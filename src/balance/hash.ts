/**
 * A 53-bit string hash for rendezvous hashing (cyrb53: two interleaved 32-bit multiply-xorshift
 * lanes, finalised with murmur3's avalanche). Hand-written because it is twenty lines, it must be
 * identical on every platform and in every process of a cluster (so two proxies send one key to
 * the same backend), and it must be synchronous and dependency-free inside the pure layer;
 * node:crypto's digests are none of the last two.
 */

/** A hash of `s` (UTF-16 code units) with `seed`, as an integer in [0, 2^53). */
export function hash53(s: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
