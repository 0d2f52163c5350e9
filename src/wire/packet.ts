/**
 * UDP packets through every memberlist layer (memberlist: net.go `rawSendMsgPacket`,
 * `ingestPacket`, `handleCommand`; reference §3.6):
 *
 *   out: message or compound → compress if strictly smaller → CRC wrapper → encrypt
 *   in:  decrypt → verify and strip CRC → dispatch on the type byte, recursing through
 *        compound and compress
 */

import { writeCompound, splitCompound } from './compound.js';
import { compressMessage, readCompressed } from './compress.js';
import { crc32 } from './crc32.js';
import { DecodeError, EncodeError } from './errors.js';
import type { EncryptionVersion, Keyring } from './keyring.js';
import { decryptPayload, encryptPayload } from './keyring.js';
import {
  CRC_HEADER_BYTES,
  MAX_PACKET_MESSAGES,
  MAX_PACKET_NESTING,
  MAX_UDP_DECOMPRESSED_BYTES,
} from './limits.js';
import { readMessageBody } from './memberlist-codec.js';
import type { Message } from './messages.js';
import { MsgType } from './messages.js';
import { Reader, Writer } from './msgpack.js';

/** Where nonces come from: the injected `Random` (crypto-backed in the real runtime). */
export interface NonceSource {
  bytes(n: number): Uint8Array;
}

/** How to wrap an outgoing UDP packet. */
export interface SealOptions {
  /** Try LZW and keep it only if strictly smaller (Go's rule for UDP). */
  compress: boolean;
  /** Add the CRC wrapper. Go adds it only for known destinations with PMax >= 5 (reference §3.3). */
  crc: boolean;
  /** Encrypt with the primary key; `null` sends plaintext. */
  keyring: Keyring | null;
  /** Encryption message version; default 1 (0 only for memberlist protocol version 1 peers). */
  encryptionVersion?: EncryptionVersion;
}

/**
 * Build one UDP packet from encoded messages (`encodeMessage` outputs): one part is sent as is,
 * several as a compound. Throws {@link EncodeError} for no parts, an empty part or more than 127
 * parts (all crash v0.2.2 receivers, reference §3.2). `random` is only used when encrypting.
 */
export function sealPacket(parts: readonly Uint8Array[], opts: SealOptions, random: NonceSource): Uint8Array {
  let msg: Uint8Array;
  if (parts.length === 1) {
    msg = parts[0]!;
    if (msg.length === 0) throw new EncodeError('a packet must not be empty (it crashes memberlist 0.2.2)');
  } else {
    const w = new Writer(parts.reduce((n, p) => n + p.length + 2, 2));
    writeCompound(w, parts);
    msg = w.toBytes();
  }
  if (opts.compress) {
    const c = compressMessage(msg);
    if (c.length < msg.length) msg = c;
  }
  if (opts.crc) {
    const out = new Uint8Array(CRC_HEADER_BYTES + msg.length);
    const crc = crc32(msg);
    out[0] = MsgType.hasCrc;
    out[1] = crc >>> 24;
    out[2] = crc >>> 16;
    out[3] = crc >>> 8;
    out[4] = crc;
    out.set(msg, CRC_HEADER_BYTES);
    msg = out;
  }
  if (opts.keyring !== null) {
    msg = encryptPayload(opts.encryptionVersion ?? 1, opts.keyring.primary(), random.bytes(12), msg);
  }
  return msg;
}

/** What one UDP packet held. */
export interface OpenedPacket {
  /** Every message that decoded, in packet order. */
  readonly messages: Message[];
  /** One entry per part that did not (bad body, unsupported type, truncated compound, bad LZW…). */
  readonly errors: DecodeError[];
}

interface Walk {
  readonly messages: Message[];
  readonly errors: DecodeError[];
  decompressed: number;
  capped: boolean;
}

/**
 * Unwrap and decode a UDP packet. With a keyring the packet must decrypt (Go drops plaintext when
 * encryption is on). Throws {@link DecodeError} only when the packet as a whole is unusable
 * (decryption failure, CRC mismatch, empty); a bad part becomes an entry in `errors` and the
 * others are kept. Bounded: nesting depth, total LZW output, number of messages.
 */
export function openPacket(bytes: Uint8Array, keyring: Keyring | null): OpenedPacket {
  let buf = bytes;
  if (keyring !== null) buf = decryptPayload(keyring.keys(), bytes);
  if (buf.length === 0) throw new DecodeError('empty packet');
  if (buf.length >= CRC_HEADER_BYTES && buf[0] === MsgType.hasCrc) {
    const want = ((buf[1]! << 24) | (buf[2]! << 16) | (buf[3]! << 8) | buf[4]!) >>> 0;
    const got = crc32(buf, CRC_HEADER_BYTES);
    if (got !== want) {
      throw new DecodeError(`Got invalid checksum for UDP packet: ${got.toString(16)}, ${want.toString(16)}`);
    }
    buf = buf.subarray(CRC_HEADER_BYTES);
  }
  const walk: Walk = { messages: [], errors: [], decompressed: 0, capped: false };
  handle(walk, buf, 0);
  return { messages: walk.messages, errors: walk.errors };
}

function handle(walk: Walk, buf: Uint8Array, depth: number): void {
  if (walk.messages.length + walk.errors.length >= MAX_PACKET_MESSAGES) {
    if (!walk.capped)
      walk.errors.push(new DecodeError(`more than ${MAX_PACKET_MESSAGES} messages in one packet`));
    walk.capped = true;
    return;
  }
  if (buf.length === 0) {
    walk.errors.push(new DecodeError('empty message: missing type byte'));
    return;
  }
  const type = buf[0]!;
  try {
    switch (type) {
      case MsgType.compound: {
        if (depth >= MAX_PACKET_NESTING) throw new DecodeError('compound nested too deeply');
        const { parts, truncated } = splitCompound(buf.subarray(1));
        if (truncated > 0)
          walk.errors.push(new DecodeError(`Compound request had ${truncated} truncated messages`));
        for (const p of parts) handle(walk, p, depth + 1);
        return;
      }
      case MsgType.compress: {
        if (depth >= MAX_PACKET_NESTING) throw new DecodeError('compress nested too deeply');
        const inner = readCompressed(new Reader(buf, 1), MAX_UDP_DECOMPRESSED_BYTES - walk.decompressed);
        walk.decompressed += inner.length;
        handle(walk, inner, depth + 1);
        return;
      }
      case MsgType.ping:
      case MsgType.indirectPing:
      case MsgType.ack:
      case MsgType.nack:
      case MsgType.suspect:
      case MsgType.alive:
      case MsgType.dead:
      case MsgType.user:
        walk.messages.push(readMessageBody(new Reader(buf, 1), type));
        return;
      default:
        // pushPull, err, encrypt, a nested hasCrc and unknown types are not handled on UDP (net.go handleCommand).
        throw new DecodeError(`msg type (${type}) not supported`);
    }
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    walk.errors.push(e);
  }
}
