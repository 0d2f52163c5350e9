/**
 * memberlist's compound message (type 7): several complete messages in one UDP packet
 * (memberlist: util.go `makeCompoundMessage` / `decodeCompoundMessage`; reference §3.2).
 *
 *   07 | N:uint8 | len_1:uint16be … len_N:uint16be | msg_1 … msg_N
 */

import { DecodeError, EncodeError } from './errors.js';
import { MAX_COMPOUND_PART_BYTES, MAX_COMPOUND_PARTS_SENT } from './limits.js';
import { MsgType } from './messages.js';
import type { Writer } from './msgpack.js';

/**
 * Append a compound message holding `parts`. Refuses what would crash a v0.2.2 receiver: an empty
 * part (it indexes the empty slice) and more than {@link MAX_COMPOUND_PARTS_SENT} parts (its
 * uint8 `numParts*2` overflows); also parts longer than a uint16.
 */
export function writeCompound(w: Writer, parts: readonly Uint8Array[]): void {
  if (parts.length === 0 || parts.length > MAX_COMPOUND_PARTS_SENT) {
    throw new EncodeError(
      `a compound message needs 1 to ${MAX_COMPOUND_PARTS_SENT} parts, got ${parts.length}`,
    );
  }
  w.u8(MsgType.compound);
  w.u8(parts.length);
  for (const p of parts) {
    if (p.length === 0)
      throw new EncodeError('a compound part must not be empty (it crashes memberlist 0.2.2)');
    if (p.length > MAX_COMPOUND_PART_BYTES)
      throw new EncodeError(`a compound part is limited to 65535 bytes, got ${p.length}`);
    w.u16(p.length);
  }
  for (const p of parts) w.raw(p);
}

/** The parts of a compound body, and how many announced parts were cut off by the end of the buffer. */
export interface CompoundParts {
  /** Views into the input, one per complete part, in order. */
  readonly parts: Uint8Array[];
  /** Announced parts that did not fit in the buffer (Go logs "Compound request had N truncated messages"). */
  readonly truncated: number;
}

/**
 * Split a compound body (the bytes after the `07` type byte). As Go does, parts after the first
 * truncated one are dropped and trailing bytes are ignored. A missing count or length table is a
 * {@link DecodeError}.
 */
export function splitCompound(body: Uint8Array): CompoundParts {
  if (body.length < 1) throw new DecodeError('compound message: missing part count');
  const n = body[0]!;
  let pos = 1 + 2 * n;
  if (body.length < pos) throw new DecodeError('compound message: truncated length table');
  const parts: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const len = (body[1 + 2 * i]! << 8) | body[2 + 2 * i]!;
    if (body.length - pos < len) return { parts, truncated: n - i };
    parts.push(body.subarray(pos, pos + len));
    pos += len;
  }
  return { parts, truncated: 0 };
}
