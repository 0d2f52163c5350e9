/**
 * LZW exactly as Go's `compress/lzw` with `LSB` bit order and literal width 8, the only compression
 * memberlist uses (memberlist: util.go `compressPayload`; reference §3.4).
 *
 * Codes: 0–255 literals, 256 clear, 257 end, dictionary from 258. Codes start 9 bits wide and
 * widen when the next code reaches 2^width, up to 12 bits.
 *
 * Encoder (Go 1.19 `writer.go`): a clear code comes first; when the next dictionary code would
 * reach 4095 it writes a clear code and starts over; it always finishes with the pending code and
 * the end code, then the final partial byte. Our output is byte-identical to Go's.
 *
 * Decoder (Go `reader.go`): accepts a leading clear code or none, widens as Go does, stops adding
 * entries at 12 bits until a clear code, handles the code == next ("KwKwK") case, and requires
 * the end code (input running out before it is an error, as Go's io.ErrUnexpectedEOF). Bytes
 * after the end code are ignored. Output is bounded by the caller's limit.
 */

import { DecodeError } from './errors.js';

const CLEAR = 256;
const EOF = 257;
/** Go `maxCode`: when the next code reaches it the encoder resets. */
const MAX_CODE = 4095;
const MAX_WIDTH = 12;

/** A little-endian bit packer into a growing byte array. */
class BitSink {
  out: Uint8Array;
  len = 0;
  bits = 0;
  nBits = 0;
  width = 9;

  constructor(capacity: number) {
    this.out = new Uint8Array(Math.max(16, capacity));
  }

  write(code: number): void {
    this.bits |= code << this.nBits;
    this.nBits += this.width;
    while (this.nBits >= 8) {
      if (this.len === this.out.length) this.grow();
      this.out[this.len++] = this.bits & 0xff;
      this.bits >>>= 8;
      this.nBits -= 8;
    }
  }

  flush(): Uint8Array {
    if (this.nBits > 0) {
      if (this.len === this.out.length) this.grow();
      this.out[this.len++] = this.bits & 0xff;
    }
    return this.out.slice(0, this.len);
  }

  private grow(): void {
    const next = new Uint8Array(this.out.length * 2);
    next.set(this.out);
    this.out = next;
  }
}

/**
 * Compress `input` the way Go's `lzw.NewWriter(w, lzw.LSB, 8)` + `Write` + `Close` does.
 * The dictionary is an exact (code, byte) → code map; Go's hash table is one implementation of
 * that map, so the output does not depend on it. Ours is sized to the input.
 */
export function lzwCompress(input: Uint8Array): Uint8Array {
  const sink = new BitSink((input.length * 3) / 4 + 8);
  if (input.length === 0) {
    // Go's Close without any Write: the starting clear code, then the end code.
    sink.write(CLEAR);
    sink.write(EOF);
    return sink.flush();
  }
  // Open-addressing table of (key << 12 | code), key = prefix code << 8 | byte; 0 = empty (codes are >= 258).
  let slots = 64;
  while (slots < 2 * Math.min(input.length, MAX_CODE)) slots *= 2;
  const table = new Uint32Array(slots);
  const mask = slots - 1;
  let hi = EOF; // the last code assigned; the next one is hi + 1
  let overflow = 1 << 9;

  sink.write(CLEAR);
  let code = input[0]!;
  outer: for (let i = 1; i < input.length; i++) {
    const literal = input[i]!;
    const key = (code << 8) | literal;
    let h = ((key >>> 12) ^ key) & mask;
    for (let t = table[h]!; t !== 0; t = table[h]!) {
      if (t >>> 12 === key) {
        code = t & 0xfff;
        continue outer;
      }
      h = (h + 1) & mask;
    }
    sink.write(code);
    code = literal;
    // Go's incHi: the next code number grows; the width follows; at 4095 send clear and start over.
    hi++;
    if (hi === overflow) {
      sink.width++;
      overflow <<= 1;
    }
    if (hi === MAX_CODE) {
      sink.write(CLEAR);
      sink.width = 9;
      hi = EOF;
      overflow = 1 << 9;
      table.fill(0);
      continue;
    }
    table[h] = ((key << 12) | hi) >>> 0;
  }
  sink.write(code);
  hi++;
  if (hi === overflow) {
    sink.width++;
    overflow <<= 1;
  }
  if (hi === MAX_CODE) {
    sink.write(CLEAR);
    sink.width = 9;
  }
  sink.write(EOF);
  return sink.flush();
}

/**
 * Decompress a Go LSB/8 LZW stream. Throws {@link DecodeError} for an invalid code, a stream that
 * ends without the end code, or output beyond `maxBytes`.
 */
export function lzwDecompress(input: Uint8Array, maxBytes: number): Uint8Array {
  // One allocation for the three tables (prefix code, suffix byte, expansion length per code).
  const tables = new ArrayBuffer(4096 * 5);
  const prefix = new Uint16Array(tables, 0, 4096);
  const length = new Uint16Array(tables, 8192, 4096);
  const suffix = new Uint8Array(tables, 16384, 4096);
  const lengthOf = (c: number): number => (c < CLEAR ? 1 : length[c]!);

  let out = new Uint8Array(Math.min(maxBytes, Math.max(64, input.length * 4)));
  let o = 0;
  const ensure = (n: number): void => {
    if (o + n <= out.length) return;
    if (o + n > maxBytes) throw new DecodeError(`LZW output exceeds the ${maxBytes}-byte limit`);
    let cap = out.length * 2;
    while (cap < o + n) cap *= 2;
    const next = new Uint8Array(Math.min(cap, maxBytes));
    next.set(out.subarray(0, o));
    out = next;
  };

  let width = 9;
  let hi = EOF; // the next code to be defined
  let overflow = 1 << 9;
  let last = -1; // previous code, -1 after a clear
  let bits = 0;
  let nBits = 0;
  let i = 0;

  for (;;) {
    while (nBits < width) {
      if (i >= input.length) throw new DecodeError('LZW stream ends without its end code');
      bits |= input[i++]! << nBits;
      nBits += 8;
    }
    const code = bits & ((1 << width) - 1);
    bits >>>= width;
    nBits -= width;

    if (code < CLEAR) {
      ensure(1);
      out[o++] = code;
      if (last >= 0) {
        suffix[hi] = code;
        prefix[hi] = last;
        length[hi] = lengthOf(last) + 1;
      }
    } else if (code === CLEAR) {
      width = 9;
      hi = EOF;
      overflow = 1 << 9;
      last = -1;
      continue;
    } else if (code === EOF) {
      return out.slice(0, o);
    } else if (code <= hi) {
      let first: number;
      if (code === hi && last >= 0) {
        // KwKwK: the expansion of `last` followed by its own first byte; `last` was just written.
        const n = lengthOf(last);
        ensure(n + 1);
        out.copyWithin(o, o - n, o);
        first = out[o - n]!;
        out[o + n] = first;
        o += n + 1;
      } else {
        const n = lengthOf(code);
        ensure(n);
        let c = code;
        for (let j = o + n - 1; j > o; j--) {
          out[j] = suffix[c]!;
          c = prefix[c]!;
        }
        out[o] = c;
        first = c;
        o += n;
      }
      if (last >= 0) {
        suffix[hi] = first;
        prefix[hi] = last;
        length[hi] = lengthOf(last) + 1;
      }
    } else {
      throw new DecodeError(`invalid LZW code ${code} (next is ${hi})`);
    }
    last = code;
    hi++;
    if (hi >= overflow) {
      if (width === MAX_WIDTH) {
        // Dictionary full: no more entries until a clear code (Go reader.go).
        last = -1;
        hi--;
      } else {
        width++;
        overflow <<= 1;
      }
    }
  }
}
