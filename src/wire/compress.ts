/**
 * memberlist's compress message (type 9): `09 | msgpack {Algo: 0, Buf: <LZW bytes>}`
 * (memberlist: util.go `compressPayload` / `decompressPayload`; reference §3.4).
 */

import { DecodeError } from './errors.js';
import { lzwCompress, lzwDecompress } from './lzw.js';
import { COMPRESS } from './memberlist-codec.js';
import { MsgType } from './messages.js';
import { Reader, Writer } from './msgpack.js';

/** The LZW algorithm number, the only one memberlist knows (memberlist: util.go `lzwAlgo`). */
export const LZW_ALGO = 0;

/** Wrap an encoded message (or compound) in a compress message. */
export function compressMessage(payload: Uint8Array): Uint8Array {
  const buf = lzwCompress(payload);
  const w = new Writer(buf.length + 16);
  w.u8(MsgType.compress);
  COMPRESS.encode(w, { algo: LZW_ALGO, buf });
  return w.toBytes();
}

/**
 * Read a compress body at `r.pos` (after its `09`) and return the decompressed bytes, at most
 * `maxBytes`. Unknown algorithms, bad LZW and oversize output are {@link DecodeError}s.
 */
export function readCompressed(r: Reader, maxBytes: number): Uint8Array {
  const c = COMPRESS.decode(r);
  if (c.algo !== LZW_ALGO) throw new DecodeError(`Cannot decompress unknown algorithm ${c.algo}`);
  return lzwDecompress(c.buf, maxBytes);
}

/** Decompress a whole compress message (starting with `09`). */
export function decompressMessage(bytes: Uint8Array, maxBytes: number): Uint8Array {
  if (bytes[0] !== MsgType.compress) throw new DecodeError('not a compress message');
  return readCompressed(new Reader(bytes, 1), maxBytes);
}
