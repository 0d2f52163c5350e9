/**
 * Hostile-input harness for the wire layer, shared by test/wire/hostile.test.ts (fixed seed, fixed
 * count, in CI) and scripts/fuzz-wire.ts (any seed, any duration). It mutates real captured packets
 * — bit flips, truncations, insertions, deletions, splices, corrupted length fields — re-applying
 * the CRC and encryption layers around mutated plaintext so the inner decoders are reached, and
 * feeds the results to every public decoder. The only acceptable outcomes are a value or a
 * DecodeError.
 */
import { SeededRandom } from '../../src/core/random.js';
import { compressMessage, decompressMessage } from '../../src/wire/compress.js';
import { crc32 } from '../../src/wire/crc32.js';
import { DecodeError } from '../../src/wire/errors.js';
import { Keyring, decryptPayload, encryptPayload, keyFromBase64 } from '../../src/wire/keyring.js';
import { lzwDecompress } from '../../src/wire/lzw.js';
import { decodeMessage } from '../../src/wire/memberlist-codec.js';
import { openPacket } from '../../src/wire/packet.js';
import {
  decodeConflictResponse,
  decodeCoordinatePayload,
  decodeFilter,
  decodeKeyRequest,
  decodeKeyResponse,
  decodeSerf,
} from '../../src/wire/serf-codec.js';
import { openStream, streamFrameLength } from '../../src/wire/stream.js';
import { decodeTags } from '../../src/wire/tags.js';
import { fromHex, loadVectors, toHex } from './wire-vectors.js';

/** One captured input, split into its outer layers and its innermost bytes. */
interface Seed {
  readonly name: string;
  readonly transport: 'udp' | 'tcp' | 'payload';
  /** Innermost bytes: after decryption and CRC (UDP) or decryption (TCP); a payload as is. */
  readonly core: Uint8Array;
  readonly crc: boolean;
  readonly key: Uint8Array | null;
}

/** A failure: a decoder threw something other than DecodeError. */
export class FuzzFailure extends Error {
  constructor(
    readonly target: string,
    readonly input: Uint8Array,
    readonly thrown: unknown,
  ) {
    super(`${target} threw ${String(thrown)} for input ${toHex(input)}`);
  }
}

function stripForSeed(bytes: Uint8Array, transport: 'udp' | 'tcp', key: Uint8Array | null): Seed['core'] {
  let b = bytes;
  if (key !== null)
    b =
      transport === 'udp' ? decryptPayload([key], b) : decryptPayload([key], b.subarray(5), b.subarray(0, 5));
  if (transport === 'udp' && b[0] === 12) b = b.subarray(5);
  return b;
}

function collectPayloads(j: unknown, out: Uint8Array[]): void {
  if (j === null || typeof j !== 'object') return;
  const o = j as Record<string, unknown>;
  if (typeof o.hex === 'string' && o.hex.length > 0) out.push(fromHex(o.hex));
  for (const v of Object.values(o)) collectPayloads(v, out);
}

/** Seeds from every vector: whole packets/streams, and every nested byte field (payloads, meta, user state). */
export function loadSeeds(): Seed[] {
  const seeds: Seed[] = [];
  for (const v of loadVectors()) {
    const key = v.key === null ? null : keyFromBase64(v.key);
    const bytes = fromHex(v.hex);
    seeds.push({
      name: v.name,
      transport: v.transport,
      core: stripForSeed(bytes, v.transport, key),
      crc: v.layers.includes('crc'),
      key,
    });
    if (v.decompressedHex !== undefined) {
      seeds.push({
        name: `${v.name}/decompressed`,
        transport: v.transport,
        core: fromHex(v.decompressedHex),
        crc: false,
        key: null,
      });
    }
    const payloads: Uint8Array[] = [];
    collectPayloads(v.decoded, payloads);
    for (const p of payloads)
      seeds.push({ name: `${v.name}/field`, transport: 'payload', core: p, crc: false, key: null });
  }
  return seeds;
}

const INTERESTING = [
  0x00, 0x01, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xcc, 0xcd,
  0xce, 0xcf, 0xd0, 0xd3, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xff,
];

/** One random structural mutation of `b` (never returns `b` itself). */
export function mutate(rnd: SeededRandom, b: Uint8Array, other: Uint8Array): Uint8Array {
  const out = Array.from(b);
  const pos = (): number => rnd.int(out.length + 1);
  const rounds = 1 + rnd.int(3);
  for (let k = 0; k < rounds; k++) {
    switch (rnd.int(9)) {
      case 0: // bit flip
        if (out.length > 0) out[rnd.int(out.length)]! ^= 1 << rnd.int(8);
        break;
      case 1: // interesting byte (msgpack type/length markers)
        if (out.length > 0) out[rnd.int(out.length)] = INTERESTING[rnd.int(INTERESTING.length)]!;
        break;
      case 2: // truncate
        out.length = rnd.int(out.length + 1);
        break;
      case 3: {
        // insert random bytes
        const at = pos();
        out.splice(at, 0, ...Array.from(rnd.bytes(1 + rnd.int(8))));
        break;
      }
      case 4: // delete a run
        if (out.length > 0) out.splice(rnd.int(out.length), 1 + rnd.int(8));
        break;
      case 5: {
        // corrupt a length field: big-endian 16/32-bit extremes
        const vals = [0xff, 0xffff, 0x7fffffff, 0xffffffff, 0x10000, 0x200];
        const v = vals[rnd.int(vals.length)]!;
        const at = rnd.int(Math.max(1, out.length));
        const width = rnd.int(2) === 0 ? 2 : 4;
        for (let i = 0; i < width && at + i < out.length; i++)
          out[at + i] = (v >>> (8 * (width - 1 - i))) & 0xff;
        break;
      }
      case 6: {
        // splice a slice of another seed in
        const from = rnd.int(other.length + 1);
        const slice = Array.from(other.subarray(from, from + rnd.int(32)));
        out.splice(pos(), rnd.int(8), ...slice);
        break;
      }
      case 7: {
        // duplicate a run (repeated structures, nested containers)
        if (out.length > 0) {
          const at = rnd.int(out.length);
          const run = out.slice(at, at + 1 + rnd.int(16));
          out.splice(at, 0, ...run);
        }
        break;
      }
      default:
        {
          // random bytes entirely, sometimes with a valid first byte
          const fresh = Array.from(rnd.bytes(rnd.int(64)));
          if (fresh.length > 0 && out.length > 0 && rnd.int(2) === 0) fresh[0] = out[0]!;
          out.length = 0;
          out.push(...fresh);
        }
        break;
    }
  }
  return new Uint8Array(out);
}

function withCrc(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length + 5);
  const c = crc32(b);
  out.set([12, c >>> 24, (c >>> 16) & 0xff, (c >>> 8) & 0xff, c & 0xff]);
  out.set(b, 5);
  return out;
}

function sealTcp(key: Uint8Array, plain: Uint8Array, nonce: Uint8Array): Uint8Array {
  const len = plain.length + 29;
  const header = new Uint8Array([10, len >>> 24, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff]);
  const sealed = encryptPayload(1, key, nonce, plain, header);
  const out = new Uint8Array(5 + sealed.length);
  out.set(header);
  out.set(sealed, 5);
  return out;
}

const PAYLOAD_DECODERS: [string, (b: Uint8Array) => unknown][] = [
  ['decodeFilter', decodeFilter],
  ['decodeKeyRequest', decodeKeyRequest],
  ['decodeKeyResponse', decodeKeyResponse],
  ['decodeConflictResponse', decodeConflictResponse],
  ['decodeCoordinatePayload', decodeCoordinatePayload],
  ['lzwDecompress', (b) => lzwDecompress(b, 1 << 16)],
];

function guard(target: string, input: Uint8Array, f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof DecodeError)) throw new FuzzFailure(target, input, e);
  }
}

/** Run every decoder that could see `core` in its seed's position. */
function feed(rnd: SeededRandom, seed: Seed, core: Uint8Array): void {
  if (seed.transport === 'payload') {
    guard('decodeSerf', core, () => decodeSerf(core));
    guard('decodeTags', core, () => decodeTags(core));
    guard('decodeMessage', core, () => decodeMessage(core));
    // One of the payload-only decoders per input keeps the run fast; over 100k inputs each sees thousands.
    const [name, f] = PAYLOAD_DECODERS[rnd.int(PAYLOAD_DECODERS.length)]!;
    guard(name, core, () => f(core));
    return;
  }
  if (seed.transport === 'udp') {
    const packet = seed.crc && rnd.int(4) !== 0 ? withCrc(core) : core;
    if (seed.key !== null) {
      const ring = new Keyring([seed.key]);
      const sealed = encryptPayload(1, seed.key, rnd.bytes(12), packet);
      guard('openPacket(encrypted)', sealed, () => openPacket(sealed, ring));
    } else {
      guard('openPacket', packet, () => openPacket(packet, null));
    }
    guard('decodeSerf', core, () => decodeSerf(core.subarray(1)));
    return;
  }
  // tcp
  guard('streamFrameLength', core, () => streamFrameLength(core));
  if (seed.key !== null) {
    const ring = new Keyring([seed.key]);
    const sealed = sealTcp(seed.key, core, rnd.bytes(12));
    guard('streamFrameLength(encrypted)', sealed, () => streamFrameLength(sealed));
    guard('openStream(encrypted)', sealed, () => openStream(sealed, ring));
  } else {
    guard('openStream', core, () => openStream(core, null));
  }
}

/** Statistics of a fuzz run. */
export interface FuzzStats {
  inputs: number;
}

/**
 * Generate and feed `count` mutated inputs (or until `deadline` ms of `now()` passes) from a
 * seeded PRNG. Throws {@link FuzzFailure} at the first decoder that throws anything else than a
 * DecodeError; the same seed replays the same inputs.
 */
export function runFuzz(seed: number, count: number, now?: () => number, deadline?: number): FuzzStats {
  const rnd = new SeededRandom(seed);
  const seeds = loadSeeds();
  const stats: FuzzStats = { inputs: 0 };
  for (let i = 0; i < count; i++) {
    if (now !== undefined && deadline !== undefined && (i & 255) === 0 && now() >= deadline) break;
    const s = seeds[rnd.int(seeds.length)]!;
    const other = seeds[rnd.int(seeds.length)]!.core;
    let core: Uint8Array;
    if (s.core[0] === 9 && s.transport !== 'payload' && rnd.int(2) === 0) {
      // Mutate what the compressed message expands to, then compress again: reaches the inner decoders.
      let inner: Uint8Array;
      try {
        inner = decompressMessage(s.core, 1 << 20);
      } catch {
        inner = s.core;
      }
      core = compressMessage(mutate(rnd, inner, other));
    } else {
      core = mutate(rnd, s.core, other);
    }
    feed(rnd, s, core);
    stats.inputs++;
  }
  return stats;
}
