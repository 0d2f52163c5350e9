/**
 * The msgpack dialect of hashicorp/go-msgpack 0.5.5 with a zero-value `MsgpackHandle{}` — the
 * codec every memberlist 0.2.2 / Serf 0.9.4 message is written with (wire reference §2).
 *
 * It predates the msgpack str/bin split, which shapes both directions:
 * - the {@link Writer} emits strings AND byte slices as the raw str family (fixstr, str16, str32;
 *   never str8 or bin), integers in their smallest form, structs as maps with sorted keys;
 * - the {@link Reader} accepts everything Go accepts (str8, bin for byte fields, arrays of small
 *   ints for byte fields, nil for any zero value, array-encoded structs, unknown keys) and hands
 *   str/bin back as raw bytes, so byte fields are never mangled by a text conversion.
 *
 * Both are index-based over one buffer: the writer grows a single Uint8Array, the reader walks a
 * position. Every failure on untrusted input is a {@link DecodeError}; nesting is bounded because
 * typed decoding follows fixed schemas and skipping unknown values is iterative.
 */

import { DecodeError, EncodeError } from './errors.js';
import { MAX_STREAM_BYTES } from './limits.js';

// ---------------------------------------------------------------- writer

/**
 * An append-only byte buffer that writes go-msgpack 0.5.5's exact output. Reuse one writer with
 * {@link Writer.reset} to avoid allocating per message; {@link Writer.toBytes} copies the result out.
 */
export class Writer {
  private buf: Uint8Array;
  private len = 0;
  private readonly initialBytes: number;

  /** @param initialBytes starting capacity; the buffer doubles as needed. */
  constructor(initialBytes = 256) {
    this.initialBytes = Math.max(16, initialBytes);
    this.buf = new Uint8Array(this.initialBytes);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.len;
  }

  /**
   * Forget the content. The capacity is kept up to {@link Writer.RETAIN_BYTES}; a buffer grown past
   * that (a push-pull of thousands of members) is given back, because a simulator holds one writer
   * per core: 10,000 cores each keeping a 1 MiB push-pull buffer would be 10 GiB.
   */
  reset(): void {
    this.len = 0;
    if (this.buf.length > Writer.RETAIN_BYTES) this.buf = new Uint8Array(this.initialBytes);
  }

  /** Largest buffer {@link Writer.reset} keeps (64 KiB: every UDP packet and small push-pulls). */
  static readonly RETAIN_BYTES = 64 * 1024;

  /** A copy of everything written so far. */
  toBytes(): Uint8Array {
    return copyOf(this.buf, 0, this.len);
  }

  /** A view of everything written so far; valid only until the next write or reset. */
  view(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** One raw byte (type bytes, framing). */
  u8(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  /** A big-endian uint16 (framing, not msgpack). */
  u16(n: number): void {
    this.ensure(2);
    this.buf[this.len++] = n >>> 8;
    this.buf[this.len++] = n;
  }

  /** A big-endian uint32 (framing, not msgpack). */
  u32(n: number): void {
    this.ensure(4);
    const b = this.buf;
    b[this.len++] = n >>> 24;
    b[this.len++] = n >>> 16;
    b[this.len++] = n >>> 8;
    b[this.len++] = n;
  }

  /** Overwrite a big-endian uint16 written earlier at `at` (back-patching lengths). */
  setU16At(at: number, n: number): void {
    this.buf[at] = n >>> 8;
    this.buf[at + 1] = n;
  }

  /** Overwrite a big-endian uint32 written earlier at `at` (back-patching lengths). */
  setU32At(at: number, n: number): void {
    this.buf[at] = n >>> 24;
    this.buf[at + 1] = n >>> 16;
    this.buf[at + 2] = n >>> 8;
    this.buf[at + 3] = n;
  }

  /** Raw bytes, copied as they are (pre-encoded keys, nested messages, user state). */
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  /** msgpack nil (Go nil slice / map / pointer). */
  nil(): void {
    this.u8(0xc0);
  }

  /** msgpack bool. */
  bool(v: boolean): void {
    if (typeof v !== 'boolean') throw new EncodeError(`expected a boolean, got ${typeof v}`);
    this.u8(v ? 0xc3 : 0xc2);
  }

  /**
   * A non-negative integer in the smallest form go-msgpack picks (positive fixint, uint8, uint16,
   * uint32, uint64) — the width follows the value, never the Go type (reference §2.1).
   */
  uint(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new EncodeError(`expected an unsigned integer, got ${n}`);
    this.ensure(9);
    const b = this.buf;
    if (n <= 0x7f) {
      b[this.len++] = n;
    } else if (n <= 0xff) {
      b[this.len++] = 0xcc;
      b[this.len++] = n;
    } else if (n <= 0xffff) {
      b[this.len++] = 0xcd;
      b[this.len++] = n >>> 8;
      b[this.len++] = n;
    } else if (n <= 0xffffffff) {
      b[this.len++] = 0xce;
      b[this.len++] = n >>> 24;
      b[this.len++] = n >>> 16;
      b[this.len++] = n >>> 8;
      b[this.len++] = n;
    } else {
      const hi = Math.floor(n / 0x100000000);
      const lo = n >>> 0;
      b[this.len++] = 0xcf;
      b[this.len++] = hi >>> 24;
      b[this.len++] = hi >>> 16;
      b[this.len++] = hi >>> 8;
      b[this.len++] = hi;
      b[this.len++] = lo >>> 24;
      b[this.len++] = lo >>> 16;
      b[this.len++] = lo >>> 8;
      b[this.len++] = lo;
    }
  }

  /** A signed integer: non-negative values as {@link Writer.uint} (as Go does), negative ones minimal. */
  int(n: number): void {
    if (!Number.isSafeInteger(n)) throw new EncodeError(`expected an integer, got ${n}`);
    if (n >= 0) {
      this.uint(n);
      return;
    }
    this.ensure(9);
    const b = this.buf;
    if (n >= -32) {
      b[this.len++] = n & 0xff;
    } else if (n >= -0x80) {
      b[this.len++] = 0xd0;
      b[this.len++] = n & 0xff;
    } else if (n >= -0x8000) {
      b[this.len++] = 0xd1;
      b[this.len++] = (n >> 8) & 0xff;
      b[this.len++] = n & 0xff;
    } else if (n >= -0x80000000) {
      b[this.len++] = 0xd2;
      b[this.len++] = (n >> 24) & 0xff;
      b[this.len++] = (n >> 16) & 0xff;
      b[this.len++] = (n >> 8) & 0xff;
      b[this.len++] = n & 0xff;
    } else {
      b[this.len++] = 0xd3;
      const hi = Math.floor(n / 0x100000000);
      const lo = n - hi * 0x100000000;
      b[this.len++] = (hi >> 24) & 0xff;
      b[this.len++] = (hi >> 16) & 0xff;
      b[this.len++] = (hi >> 8) & 0xff;
      b[this.len++] = hi & 0xff;
      b[this.len++] = lo >>> 24;
      b[this.len++] = (lo >>> 16) & 0xff;
      b[this.len++] = (lo >>> 8) & 0xff;
      b[this.len++] = lo & 0xff;
    }
  }

  /** A float64 (`cb` + 8 bytes), as Go writes every float64. */
  float64(x: number): void {
    if (typeof x !== 'number') throw new EncodeError(`expected a number, got ${typeof x}`);
    this.ensure(9);
    this.buf[this.len++] = 0xcb;
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 8).setFloat64(0, x);
    this.len += 8;
  }

  /** The raw-str header for `n` bytes: fixstr below 32, str16, str32 (go-msgpack never writes str8). */
  strHeader(n: number): void {
    this.ensure(5);
    const b = this.buf;
    if (n < 32) {
      b[this.len++] = 0xa0 | n;
    } else if (n <= 0xffff) {
      b[this.len++] = 0xda;
      b[this.len++] = n >>> 8;
      b[this.len++] = n;
    } else {
      b[this.len++] = 0xdb;
      b[this.len++] = n >>> 24;
      b[this.len++] = n >>> 16;
      b[this.len++] = n >>> 8;
      b[this.len++] = n;
    }
  }

  /** A Go `[]byte` / `net.IP` / `[]uint8`: the same raw str family as strings, never bin (§2.1). */
  bytes(v: Uint8Array): void {
    if (!(v instanceof Uint8Array)) throw new EncodeError('expected a Uint8Array');
    this.strHeader(v.length);
    this.raw(v);
  }

  /** A Go `string`, UTF-8 encoded (lone surrogates become U+FFFD, as TextEncoder does). */
  text(s: string): void {
    if (typeof s !== 'string') throw new EncodeError(`expected a string, got ${typeof s}`);
    const n = utf8Length(s);
    this.strHeader(n);
    this.ensure(n);
    if (n === s.length) {
      const b = this.buf;
      for (let i = 0; i < n; i++) b[this.len++] = s.charCodeAt(i);
    } else {
      this.len = writeUtf8(s, this.buf, this.len);
    }
  }

  /** A map header for `n` entries (fixmap, map16, map32). */
  mapHeader(n: number): void {
    this.containerHeader(n, 0x80, 0xde);
  }

  /** An array header for `n` elements (fixarray, array16, array32). */
  arrayHeader(n: number): void {
    this.containerHeader(n, 0x90, 0xdc);
  }

  private containerHeader(n: number, fix: number, b16: number): void {
    this.ensure(5);
    const b = this.buf;
    if (n < 16) {
      b[this.len++] = fix | n;
    } else if (n <= 0xffff) {
      b[this.len++] = b16;
      b[this.len++] = n >>> 8;
      b[this.len++] = n;
    } else {
      b[this.len++] = b16 + 1;
      b[this.len++] = n >>> 24;
      b[this.len++] = n >>> 16;
      b[this.len++] = n >>> 8;
      b[this.len++] = n;
    }
  }
}

/**
 * A fresh copy of `b[start..end)`. Tiny copies (IPv4 addresses, Vsn) loop by hand, which beats
 * `slice` below about 8 bytes; larger ones use `slice`.
 */
export function copyOf(b: Uint8Array, start: number, end: number): Uint8Array {
  const n = end - start;
  if (n > 8) return b.slice(start, end);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = b[start + i]!;
  return out;
}

/** A shared zero-length array for absent byte fields: frozen, so nobody can change it. */
export const EMPTY_BYTES: Uint8Array = Object.freeze(new Uint8Array(0)) as Uint8Array;

/** UTF-8 byte length of `s` (lone surrogates count as the 3 bytes of U+FFFD). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function writeUtf8(s: string, b: Uint8Array, at: number): number {
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      b[at++] = c;
    } else if (c < 0x800) {
      b[at++] = 0xc0 | (c >> 6);
      b[at++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
      b[at++] = 0xf0 | (c >> 18);
      b[at++] = 0x80 | ((c >> 12) & 0x3f);
      b[at++] = 0x80 | ((c >> 6) & 0x3f);
      b[at++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd; // lone surrogate
      b[at++] = 0xe0 | (c >> 12);
      b[at++] = 0x80 | ((c >> 6) & 0x3f);
      b[at++] = 0x80 | (c & 0x3f);
    }
  }
  return at;
}

/** Encode a string to UTF-8 bytes the way {@link Writer.text} does. */
export function utf8Encode(s: string): Uint8Array {
  const out = new Uint8Array(utf8Length(s));
  writeUtf8(s, out, 0);
  return out;
}

// Stateless: decode() without {stream: true} keeps nothing between calls.
const utf8 = new TextDecoder('utf-8');

/** Decode UTF-8 (invalid sequences become U+FFFD: Go strings are bytes, ours are text). */
export function utf8Decode(b: Uint8Array, start = 0, end = b.length): string {
  const n = end - start;
  if (n <= 32) {
    let s = '';
    for (let i = start; i < end; i++) {
      const c = b[i]!;
      if (c >= 0x80) return utf8.decode(b.subarray(start, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return utf8.decode(b.subarray(start, end));
}

// ---------------------------------------------------------------- reader

/**
 * Thrown instead of a {@link DecodeError} by a reader in `partial` mode when the input ended early
 * but more bytes could still complete it (stream framing). Never escapes the wire module's public API.
 */
export class NeedMoreBytes {
  readonly needMore = true;
}

const NEED_MORE = new NeedMoreBytes();

/**
 * A cursor over untrusted msgpack bytes. Every read checks bounds; violations throw
 * {@link DecodeError} (or {@link NeedMoreBytes} in `partial` mode when more input could help).
 */
export class Reader {
  /** Next byte to read. */
  pos: number;
  /** Reads never go past this index. */
  readonly end: number;
  /** In partial mode, running off the end means "need more bytes" (up to {@link MAX_STREAM_BYTES}). */
  readonly partial: boolean;
  readonly buf: Uint8Array;

  constructor(buf: Uint8Array, pos = 0, end = buf.length, partial = false) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
    this.partial = partial;
  }

  /** Bytes left before {@link Reader.end}. */
  remaining(): number {
    return this.end - this.pos;
  }

  /** Fail unless `n` more bytes are available. */
  need(n: number): void {
    if (this.pos + n > this.end) {
      if (this.partial && this.pos + n <= MAX_STREAM_BYTES) throw NEED_MORE;
      throw new DecodeError(
        `truncated input: need ${n} bytes at offset ${this.pos}, have ${this.end - this.pos}`,
      );
    }
  }

  /** A DecodeError mentioning the current offset. */
  error(what: string): DecodeError {
    return new DecodeError(`${what} at offset ${this.pos}`);
  }

  /** The next byte without consuming it. */
  peek(): number {
    this.need(1);
    return this.buf[this.pos]!;
  }

  /** One raw byte. */
  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  /** A raw big-endian uint16. */
  u16(): number {
    this.need(2);
    const b = this.buf;
    const v = (b[this.pos]! << 8) | b[this.pos + 1]!;
    this.pos += 2;
    return v;
  }

  /** A raw big-endian uint32. */
  u32(): number {
    this.need(4);
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }

  /** Skip `n` raw bytes. */
  advance(n: number): void {
    this.need(n);
    this.pos += n;
  }

  /** A copy of the next `n` raw bytes. */
  take(n: number): Uint8Array {
    this.need(n);
    const out = copyOf(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** If the next value is nil, consume it and return true. */
  nil(): boolean {
    if (this.peek() === 0xc0) {
      this.pos++;
      return true;
    }
    return false;
  }

  /** A 64-bit integer of any msgpack integer form as a JS number; beyond ±2^53 is a DecodeError. */
  private integer(): number {
    const b = this.u8();
    if (b <= 0x7f) return b;
    if (b >= 0xe0) return b - 0x100;
    switch (b) {
      case 0xcc:
        return this.u8();
      case 0xcd:
        return this.u16();
      case 0xce:
        return this.u32();
      case 0xcf: {
        const hi = this.u32();
        const lo = this.u32();
        if (hi > 0x1fffff) throw this.error('integer above 2^53');
        return hi * 0x100000000 + lo;
      }
      case 0xd0:
        return (this.u8() << 24) >> 24;
      case 0xd1:
        return (this.u16() << 16) >> 16;
      case 0xd2:
        return this.u32() | 0;
      case 0xd3: {
        const hi = this.u32() | 0;
        const lo = this.u32();
        const v = hi * 0x100000000 + lo;
        if (!Number.isSafeInteger(v)) throw this.error('integer beyond ±2^53');
        return v;
      }
      default:
        this.pos--;
        throw this.error(`expected an integer, found byte 0x${b.toString(16)}`);
    }
  }

  /**
   * An unsigned integer (any integer form; nil = 0) that must fit `max` — go-msgpack rejects
   * negative values for unsigned fields and overflowing ones for sized fields.
   */
  uint(max: number): number {
    if (this.nil()) return 0;
    const v = this.integer();
    if (v < 0) throw this.error(`negative value ${v} for an unsigned field`);
    if (v > max) throw this.error(`value ${v} overflows its field (max ${max})`);
    return v;
  }

  /** A signed integer (any integer form; nil = 0) within the safe JS range. */
  int(): number {
    if (this.nil()) return 0;
    return this.integer();
  }

  /** A bool; as go-msgpack, also 0/1 and nil (= false). */
  bool(): boolean {
    const b = this.u8();
    if (b === 0xc2 || b === 0x00 || b === 0xc0) return false;
    if (b === 0xc3 || b === 0x01) return true;
    this.pos--;
    throw this.error(`expected a bool, found byte 0x${b.toString(16)}`);
  }

  /** A float (float32, float64 or any integer; nil = 0). */
  float(): number {
    const b = this.peek();
    if (b === 0xcb) {
      this.advance(1);
      this.need(8);
      const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0);
      this.pos += 8;
      return v;
    }
    if (b === 0xca) {
      this.advance(1);
      this.need(4);
      const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4).getFloat32(0);
      this.pos += 4;
      return v;
    }
    return this.int();
  }

  /**
   * The length of a str-family value (fixstr, str8, str16, str32), with `pos` left at its first
   * byte; also bin8/16/32 when `allowBin`; nil gives -1. Anything else is a DecodeError.
   */
  rawLength(allowBin: boolean): number {
    const b = this.u8();
    let n: number;
    if ((b & 0xe0) === 0xa0) n = b & 0x1f;
    else if (b === 0xc0) return -1;
    else if (b === 0xd9 || (allowBin && b === 0xc4)) n = this.u8();
    else if (b === 0xda || (allowBin && b === 0xc5)) n = this.u16();
    else if (b === 0xdb || (allowBin && b === 0xc6)) n = this.u32();
    else {
      this.pos--;
      throw this.error(`expected ${allowBin ? 'bytes' : 'a string'}, found byte 0x${b.toString(16)}`);
    }
    this.need(n);
    return n;
  }

  /** A Go string (str family or nil = ''); bin is refused, as go-msgpack refuses it. */
  text(): string {
    const n = this.rawLength(false);
    if (n <= 0) return '';
    const s = utf8Decode(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  /**
   * A Go `[]byte` as a fresh copy (never aliasing the input): str or bin family, or an array of
   * small integers (go-msgpack decodes those element-wise). nil gives `null`.
   */
  bytesOrNull(): Uint8Array | null {
    const b = this.peek();
    if ((b & 0xf0) === 0x90 || b === 0xdc || b === 0xdd) {
      const n = this.arrayLength();
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = this.uint(0xff);
      return out;
    }
    const n = this.rawLength(true);
    if (n < 0) return null;
    const out = copyOf(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A Go `[]byte` where nil and empty mean the same: nil gives an empty array. */
  bytes(): Uint8Array {
    return this.bytesOrNull() ?? EMPTY_BYTES;
  }

  /** A map header: number of entries (nil gives -1). */
  mapLength(): number {
    const b = this.u8();
    let n: number;
    if ((b & 0xf0) === 0x80) n = b & 0x0f;
    else if (b === 0xde) n = this.u16();
    else if (b === 0xdf) n = this.u32();
    else if (b === 0xc0) return -1;
    else {
      this.pos--;
      throw this.error(`expected a map, found byte 0x${b.toString(16)}`);
    }
    this.checkCount(n * 2);
    return n;
  }

  /** An array header: number of elements (nil gives -1). */
  arrayLength(): number {
    const b = this.u8();
    let n: number;
    if ((b & 0xf0) === 0x90) n = b & 0x0f;
    else if (b === 0xdc) n = this.u16();
    else if (b === 0xdd) n = this.u32();
    else if (b === 0xc0) return -1;
    else {
      this.pos--;
      throw this.error(`expected an array, found byte 0x${b.toString(16)}`);
    }
    this.checkCount(n);
    return n;
  }

  /** Every value takes at least one byte: a count above the bytes left cannot be honest. */
  private checkCount(values: number): void {
    if (values > this.end - this.pos) {
      if (this.partial && values <= MAX_STREAM_BYTES) return; // more bytes may come
      throw this.error(`container of ${values} values exceeds the ${this.end - this.pos} bytes left`);
    }
  }

  /**
   * Skip one complete value of any type (go-msgpack decodes unknown keys into an interface{} and
   * drops them). Iterative, so hostile nesting cannot overflow the stack.
   */
  skip(): void {
    let pending = 1;
    while (pending > 0) pending = this.skipStep(pending);
  }

  /**
   * One step of skipping `pending` values: consume the next value's header (and its bytes, for a
   * scalar, string or binary) and return how many values are left to skip (a container adds its
   * elements). A step either completes or throws before changing anything a caller keeps, so a
   * stream framer can resume from the last completed step when more bytes arrive (its work then
   * grows with the bytes, not with bytes × chunks). Throws {@link NeedMoreBytes} in partial mode.
   */
  skipStep(pending: number): number {
    pending--;
    const b = this.u8();
    if (b <= 0x7f || b >= 0xe0) return pending;
    if (b <= 0x8f) {
      pending += 2 * (b & 0x0f);
    } else if (b <= 0x9f) {
      pending += b & 0x0f;
    } else if (b <= 0xbf) {
      this.advance(b & 0x1f);
    } else {
      switch (b) {
        case 0xc0:
        case 0xc2:
        case 0xc3:
          break;
        case 0xc4:
        case 0xd9:
          this.advance(this.u8());
          break;
        case 0xc5:
        case 0xda:
          this.advance(this.u16());
          break;
        case 0xc6:
        case 0xdb:
          this.advance(this.u32());
          break;
        case 0xc7:
          this.advance(this.u8() + 1);
          break;
        case 0xc8:
          this.advance(this.u16() + 1);
          break;
        case 0xc9:
          this.advance(this.u32() + 1);
          break;
        case 0xca:
          this.advance(4);
          break;
        case 0xcb:
          this.advance(8);
          break;
        case 0xcc:
        case 0xd0:
          this.advance(1);
          break;
        case 0xcd:
        case 0xd1:
          this.advance(2);
          break;
        case 0xce:
        case 0xd2:
          this.advance(4);
          break;
        case 0xcf:
        case 0xd3:
          this.advance(8);
          break;
        case 0xd4:
          this.advance(2);
          break;
        case 0xd5:
          this.advance(3);
          break;
        case 0xd6:
          this.advance(5);
          break;
        case 0xd7:
          this.advance(9);
          break;
        case 0xd8:
          this.advance(17);
          break;
        case 0xdc:
          pending += this.u16();
          break;
        case 0xdd:
          pending += this.u32();
          break;
        case 0xde:
          pending += 2 * this.u16();
          break;
        case 0xdf:
          pending += 2 * this.u32();
          break;
        default: // 0xc1 is never used
          this.pos--;
          throw this.error(`invalid msgpack byte 0x${b.toString(16)}`);
      }
    }
    this.checkCount(pending);
    return pending;
  }
}

// ---------------------------------------------------------------- typed codecs

/** Encoder and decoder of one Go type. Decoders consume exactly one msgpack value. */
export interface Codec<T> {
  readonly encode: (w: Writer, v: T) => void;
  readonly decode: (r: Reader) => T;
  /** Whether `v` is Go's zero value (for `codec:",omitempty"` fields). */
  readonly isEmpty: (v: T) => boolean;
}

/** Unsigned integer of `bits` width (8, 16, 32, or 64 limited to 2^53 − 1). */
export function uintCodec(bits: 8 | 16 | 32 | 64): Codec<number> {
  const max = bits === 64 ? Number.MAX_SAFE_INTEGER : 2 ** bits - 1;
  return {
    encode: (w, v) => {
      if (!(v <= max)) throw new EncodeError(`value ${v} does not fit uint${bits}`);
      w.uint(v);
    },
    decode: (r) => r.uint(max),
    isEmpty: (v) => v === 0,
  };
}

/** uint8 */
export const u8: Codec<number> = uintCodec(8);
/** uint16 */
export const u16: Codec<number> = uintCodec(16);
/** uint32 */
export const u32: Codec<number> = uintCodec(32);
/** uint64 (LamportTime) limited to 2^53 − 1. */
export const u64: Codec<number> = uintCodec(64);

/** Go `int` / `int64` / `time.Duration`, limited to the safe JS range. */
export const i64: Codec<number> = {
  encode: (w, v) => w.int(v),
  decode: (r) => r.int(),
  isEmpty: (v) => v === 0,
};

/** Go `bool`. */
export const bool: Codec<boolean> = {
  encode: (w, v) => w.bool(v),
  decode: (r) => r.bool(),
  isEmpty: (v) => v === false,
};

/** Go `float64`. */
export const f64: Codec<number> = {
  encode: (w, v) => w.float64(v),
  decode: (r) => r.float(),
  isEmpty: (v) => v === 0,
};

/** Go `string` as a JS string. */
export const text: Codec<string> = {
  encode: (w, v) => w.text(v),
  decode: (r) => r.text(),
  isEmpty: (v) => v === '',
};

/** Go `[]byte` where nil and empty are the same to us (Addr, Meta, Vsn, Key). Encodes empty as `a0`. */
export const bytes: Codec<Uint8Array> = {
  encode: (w, v) => w.bytes(v),
  decode: (r) => r.bytes(),
  isEmpty: (v) => v.length === 0,
};

/** Go `[]byte` whose nil matters on the wire (Payload): `null` ⇔ `c0`. */
export const nullableBytes: Codec<Uint8Array | null> = {
  encode: (w, v) => (v === null ? w.nil() : w.bytes(v)),
  decode: (r) => r.bytesOrNull(),
  isEmpty: (v) => v === null || v.length === 0,
};

/** A Go slice decoded as an array; nil decodes as `[]`, `[]` encodes as an empty array (`90`). */
export function arrayOf<T>(item: Codec<T>): Codec<T[]> {
  return {
    encode: (w, v) => {
      if (!Array.isArray(v)) throw new EncodeError('expected an array');
      w.arrayHeader(v.length);
      for (const x of v) item.encode(w, x);
    },
    decode: (r) => {
      const n = r.arrayLength();
      const out: T[] = [];
      for (let i = 0; i < n; i++) out.push(item.decode(r));
      return out;
    },
    isEmpty: (v) => v.length === 0,
  };
}

/** A Go slice whose nil matters: `null` ⇔ `c0`. */
export function nullableArrayOf<T>(item: Codec<T>): Codec<T[] | null> {
  const inner = arrayOf(item);
  return {
    encode: (w, v) => (v === null ? w.nil() : inner.encode(w, v)),
    decode: (r) => (r.nil() ? null : inner.decode(r)),
    isEmpty: (v) => v === null || v.length === 0,
  };
}

/** A Go pointer: `null` ⇔ `c0`. */
export function nullable<T>(item: Codec<T>): Codec<T | null> {
  return {
    encode: (w, v) => (v === null ? w.nil() : item.encode(w, v)),
    decode: (r) => (r.nil() ? null : item.decode(r)),
    isEmpty: (v) => v === null,
  };
}

/**
 * A Go `map[string]V` as a JS Map. Encoding keeps the Map's insertion order (Go's order is random,
 * so keeping the decoded order lets captured packets re-encode byte for byte); nil decodes as empty.
 */
export function stringMapOf<V>(value: Codec<V>): Codec<Map<string, V>> {
  return {
    encode: (w, v) => {
      if (!(v instanceof Map)) throw new EncodeError('expected a Map');
      w.mapHeader(v.size);
      for (const [k, x] of v) {
        w.text(k);
        value.encode(w, x);
      }
    },
    decode: (r) => {
      const n = r.mapLength();
      const out = new Map<string, V>();
      for (let i = 0; i < n; i++) {
        const k = r.text();
        out.set(k, value.decode(r));
      }
      return out;
    },
    isEmpty: (v) => v.size === 0,
  };
}

/** One field of a Go struct, in declaration order. */
export interface FieldSpec<T> {
  /** Exact Go field name: the msgpack map key. */
  readonly go: string;
  /** Our property name. */
  readonly js: keyof T & string;
  readonly codec: Codec<never>;
  /** Go `codec:",omitempty"`: the key is left out when the value is empty (and absent decodes to undefined). */
  readonly omitEmpty?: boolean;
}

/** Define a field (a helper so codec types are checked against the property type). */
export function field<T, K extends keyof T & string>(
  go: string,
  js: K,
  codec: Codec<NonNullable<T[K]>> | Codec<T[K]>,
  omitEmpty = false,
): FieldSpec<T> {
  return { go, js, codec: codec as unknown as Codec<never>, omitEmpty };
}

interface CompiledField {
  readonly js: string;
  readonly codec: Codec<unknown>;
  readonly omitEmpty: boolean;
  /** The Go name as ASCII bytes, for matching incoming keys without building strings. */
  readonly name: Uint8Array;
  /** The Go name already encoded as a msgpack str. */
  readonly key: Uint8Array;
}

/**
 * A Go struct. Encodes as go-msgpack does: a map whose keys are the Go field names sorted by byte
 * value (not declaration order), omitempty fields left out when empty. Decodes a map in any key
 * order (unknown keys skipped, case-sensitive names) or an array in declaration order (extra
 * elements skipped), and nil as the zero value — everything go-msgpack accepts (§2.2).
 *
 * @param name  Go type name, for error messages.
 * @param fields fields in Go declaration order.
 * @param zero  builds the zero value (non-omitempty fields set).
 */
export function struct<T extends object>(name: string, fields: FieldSpec<T>[], zero: () => T): Codec<T> {
  const compile = (f: FieldSpec<T>): CompiledField => {
    const nameBytes = utf8Encode(f.go);
    const w = new Writer(nameBytes.length + 5);
    w.bytes(nameBytes);
    return {
      js: f.js,
      codec: f.codec as unknown as Codec<unknown>,
      omitEmpty: f.omitEmpty ?? false,
      name: nameBytes,
      key: w.toBytes(),
    };
  };
  const declared = fields.map(compile);
  const sorted = [...declared].sort((a, b) => compareBytes(a.name, b.name));
  const anyOmit = declared.some((f) => f.omitEmpty);

  const encode = (w: Writer, v: T): void => {
    if (v === null || typeof v !== 'object') throw new EncodeError(`${name}: expected an object`);
    const rec = v as Record<string, unknown>;
    let count = sorted.length;
    if (anyOmit) {
      for (const f of sorted) if (f.omitEmpty && isOmitted(f, rec[f.js])) count--;
    }
    w.mapHeader(count);
    for (const f of sorted) {
      const x = rec[f.js];
      if (f.omitEmpty && isOmitted(f, x)) continue;
      w.raw(f.key);
      try {
        f.codec.encode(w, x);
      } catch (e) {
        if (e instanceof EncodeError) throw new EncodeError(`${name}.${f.js}: ${e.message}`);
        throw e;
      }
    }
  };

  const decode = (r: Reader): T => {
    const out = zero() as Record<string, unknown>;
    const b = r.peek();
    if (b === 0xc0) {
      r.pos++;
      return out as T;
    }
    if ((b & 0xf0) === 0x90 || b === 0xdc || b === 0xdd) {
      const n = r.arrayLength();
      for (let i = 0; i < n; i++) {
        const f = declared[i];
        if (f === undefined) r.skip();
        else assign(out, f, f.codec.decode(r));
      }
      return out as T;
    }
    if (!((b & 0xf0) === 0x80 || b === 0xde || b === 0xdf)) {
      throw r.error(`${name}: expected a map or an array, found byte 0x${b.toString(16)}`);
    }
    const n = r.mapLength();
    const buf = r.buf;
    for (let i = 0; i < n; i++) {
      const klen = r.rawLength(false);
      const kpos = r.pos;
      r.pos += Math.max(0, klen);
      let match: CompiledField | undefined;
      for (const f of sorted) {
        if (f.name.length === klen && equalAt(buf, kpos, f.name)) {
          match = f;
          break;
        }
      }
      if (match === undefined) r.skip();
      else assign(out, match, match.codec.decode(r));
    }
    return out as T;
  };

  return {
    encode,
    decode,
    isEmpty: () => false,
  };
}

function isOmitted(f: CompiledField, x: unknown): boolean {
  return x === undefined || f.codec.isEmpty(x);
}

function assign(out: Record<string, unknown>, f: CompiledField, v: unknown): void {
  if (f.omitEmpty && f.codec.isEmpty(v)) delete out[f.js];
  else out[f.js] = v;
}

function equalAt(buf: Uint8Array, at: number, name: Uint8Array): boolean {
  for (let i = 0; i < name.length; i++) if (buf[at + i] !== name[i]) return false;
  return true;
}

/** Byte-wise comparison (Go sorts struct keys by byte value: uppercase before lowercase). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
