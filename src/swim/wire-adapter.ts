/**
 * TEMPORARY: the packet and stream sealing functions of wire's API (sealPacket / openPacket /
 * sealStream / openStream), composed from the wire pieces already on main (compound, CRC,
 * message codec) until wire lands its own (with LZW and encryption). No compression and no
 * encryption here. Replace every import of this file with wire's as soon as it lands.
 */
import { DecodeError, EncodeError } from '../wire/errors.js';
import { decodeMessage } from '../wire/memberlist-codec.js';
import type { Message } from '../wire/messages.js';
import { Writer } from '../wire/msgpack.js';
import { splitCompound, writeCompound } from '../wire/compound.js';
import { crc32 } from '../wire/crc32.js';

/** Options of {@link sealPacket}. */
export interface SealOptions {
  compress: boolean;
  crc: boolean;
  keyring: unknown;
}

/** parts → compound (if > 1) → CRC (if asked). */
export function sealPacket(
  parts: Uint8Array[],
  opts: SealOptions,
  _random: { bytes(n: number): Uint8Array },
): Uint8Array {
  if (opts.keyring !== null) throw new EncodeError('wire-adapter: no encryption yet');
  let msg: Uint8Array;
  if (parts.length === 1) msg = parts[0] as Uint8Array;
  else {
    const w = new Writer();
    writeCompound(w, parts);
    msg = w.toBytes();
  }
  if (!opts.crc) return msg;
  const out = new Uint8Array(5 + msg.length);
  out[0] = 12;
  new DataView(out.buffer).setUint32(1, crc32(msg));
  out.set(msg, 5);
  return out;
}

/** CRC check, compound recursion, decode. */
export function openPacket(
  bytes: Uint8Array,
  keyring: unknown,
): { messages: Message[]; errors: DecodeError[] } {
  if (keyring !== null) throw new DecodeError('wire-adapter: no encryption yet');
  let buf = bytes;
  if (buf.length >= 5 && buf[0] === 12) {
    const want = new DataView(buf.buffer, buf.byteOffset).getUint32(1);
    if (crc32(buf, 5) !== want) throw new DecodeError('bad CRC');
    buf = buf.subarray(5);
  }
  const messages: Message[] = [];
  const errors: DecodeError[] = [];
  const walk = (b: Uint8Array, depth: number): void => {
    if (b.length === 0) throw new DecodeError('empty message');
    if (b[0] === 7) {
      if (depth > 4) throw new DecodeError('too deep');
      for (const p of splitCompound(b.subarray(1)).parts) {
        try {
          walk(p, depth + 1);
        } catch (e) {
          if (e instanceof DecodeError) errors.push(e);
          else throw e;
        }
      }
      return;
    }
    messages.push(decodeMessage(b));
  };
  walk(buf, 0);
  return { messages, errors };
}

/** A stream message as is (no compression, no encryption). */
export function sealStream(
  message: Uint8Array,
  opts: { compress: boolean; keyring: unknown },
  _random: unknown,
): Uint8Array {
  if (opts.keyring !== null) throw new EncodeError('wire-adapter: no encryption yet');
  return message;
}

/** Decode one plain stream message. */
export function openStream(bytes: Uint8Array, keyring: unknown): Message {
  if (keyring !== null) throw new DecodeError('wire-adapter: no encryption yet');
  if (bytes[0] === 8) {
    // stream user message: header map then bytes — not needed by the tests yet
    throw new DecodeError('wire-adapter: stream user messages unsupported');
  }
  return decodeMessage(bytes);
}
