/**
 * TCP stream messages (memberlist: net.go `rawSendMsgStream`, `readStream`, `encryptLocalState`,
 * `decryptRemoteState`; reference §4):
 *
 *   plain:      type | body                      (no length prefix)
 *   compressed: 09 | msgpack {Algo, Buf}          (Buf expands to a plain message)
 *   encrypted:  0a | len:uint32be | sealed(plain or compressed), AAD = the first 5 bytes
 *
 * A connection carries one request and at most one reply, and the dialer does not half-close, so
 * a reader must find where a message ends by parsing it: {@link streamFrameLength}.
 */

import { compressMessage, readCompressed } from './compress.js';
import { DecodeError, EncodeError } from './errors.js';
import type { EncryptionVersion, Keyring } from './keyring.js';
import { decryptPayload, encryptPayload, encryptedLength } from './keyring.js';
import { ENCRYPTION_OVERHEAD, MAX_STREAM_BYTES } from './limits.js';
import {
  readMessageBody,
  readPushPullHeader,
  readStreamUser,
  readStreamUserHeader,
} from './memberlist-codec.js';
import type { Message } from './messages.js';
import { MsgType } from './messages.js';
import { NeedMoreBytes, Reader } from './msgpack.js';
import type { NonceSource } from './packet.js';

/** Bytes before the sealed payload of an encrypted stream: `0a` + uint32 length. */
export const STREAM_ENCRYPT_HEADER_BYTES = 5;

/** How to wrap an outgoing stream message. */
export interface StreamSealOptions {
  /** Go compresses streams unconditionally when compression is on (even when it grows them). */
  compress: boolean;
  /** Encrypt with the primary key; `null` sends plaintext. */
  keyring: Keyring | null;
  /** Encryption message version; default 1. */
  encryptionVersion?: EncryptionVersion;
}

/**
 * Wrap one encoded stream message (`encodeMessage` / `encodeStreamMessage` output): compress if
 * asked, then encrypt if a keyring is given. `random` is only used when encrypting.
 */
export function sealStream(message: Uint8Array, opts: StreamSealOptions, random: NonceSource): Uint8Array {
  if (message.length === 0) throw new EncodeError('a stream message must not be empty');
  let msg = opts.compress ? compressMessage(message) : message;
  if (opts.keyring !== null) {
    const version = opts.encryptionVersion ?? 1;
    const header = new Uint8Array(STREAM_ENCRYPT_HEADER_BYTES);
    const len = encryptedLength(version, msg.length);
    header[0] = MsgType.encrypt;
    header[1] = len >>> 24;
    header[2] = len >>> 16;
    header[3] = len >>> 8;
    header[4] = len;
    const sealed = encryptPayload(version, opts.keyring.primary(), random.bytes(12), msg, header);
    msg = new Uint8Array(STREAM_ENCRYPT_HEADER_BYTES + sealed.length);
    msg.set(header);
    msg.set(sealed, STREAM_ENCRYPT_HEADER_BYTES);
  }
  return msg;
}

/**
 * The length of the first complete stream message at the start of `buf`, or `undefined` if more
 * bytes are needed. Throws {@link DecodeError} for bytes that can never become a valid message
 * (unknown type, malformed msgpack, a length above {@link MAX_STREAM_BYTES}). One-shot: a reader
 * that gets a stream chunk by chunk uses a {@link StreamFramer}, which does not rescan.
 */
export function streamFrameLength(buf: Uint8Array): number | undefined {
  return new StreamFramer().frameLength(buf);
}

/** A fresh {@link StreamFramer} (what a transport makes per connection). */
export function newStreamFramer(): StreamFramer {
  return new StreamFramer();
}

/**
 * Finds where one stream message ends, incrementally, for a reader that receives it in chunks
 * (one framer per connection). Each call gets the whole buffer so far (the previous one plus
 * new bytes) and resumes where the last call stopped: the work grows with the bytes, not with
 * bytes × chunks. A stateless rescan cost ≈ 8 ms per buffered MiB per chunk, so a few slow
 * 20 MiB push-pulls stalled the whole process for seconds (issue 11).
 *
 * A message is: `0a | len` (encrypted: the length says it all); a push-pull header map, its
 * node states, then `UserStateLen` raw bytes; a stream user message's header map, then
 * `UserMsgLen` bytes; or one msgpack value (compressed envelope, ping, ack, …).
 */
export class StreamFramer {
  /** Where the next unparsed step starts (everything before it has been skipped). */
  private pos = 1;
  /** Values left to skip in the current phase. */
  private pending = 1;
  private phase: 'type' | 'header' | 'values' | 'fixed' = 'type';
  /** Whether a header map comes first, and what its counts mean. */
  private kind: 'push-pull' | 'user' | 'value' = 'value';
  /** Raw bytes after the values (push-pull user state, a user message's body). */
  private trailing = 0;
  /** The whole message's length once known. */
  private total = 0;
  /** Skip steps taken over every call: grows with the message, not with the number of chunks. */
  steps = 0;

  /**
   * Has the message's header arrived: an encrypted stream's length, a push-pull's or user
   * message's header map, the first value header of any other message? A peer that sends it at
   * once is a real one; a transport closes connections that do not (issue 11, defect 5).
   */
  get headerDone(): boolean {
    if (this.phase === 'fixed') return true;
    if (this.phase !== 'values') return false;
    return this.kind !== 'value' || this.steps > 0;
  }

  /** See the class comment. `buf` must extend the buffer of the previous call. */
  frameLength(buf: Uint8Array): number | undefined {
    if (this.phase === 'type') {
      if (buf.length === 0) return undefined;
      if (!this.start(buf)) return undefined;
    }
    while (this.phase === 'header' || this.phase === 'values') {
      const r = new Reader(buf, this.pos, buf.length, true);
      try {
        while (this.pending > 0) {
          this.pending = r.skipStep(this.pending);
          this.pos = r.pos;
          this.steps++;
        }
      } catch (e) {
        if (e instanceof NeedMoreBytes) return undefined;
        throw e;
      }
      if (this.phase === 'header') {
        this.endHeader(buf);
      } else {
        this.total = this.pos + this.trailing;
        if (this.total > MAX_STREAM_BYTES)
          throw new DecodeError(
            `stream message of ${this.total} bytes exceeds the ${MAX_STREAM_BYTES}-byte limit`,
          );
        this.phase = 'fixed';
      }
    }
    return buf.length >= this.total ? this.total : undefined;
  }

  /** Read the type byte (and an encrypted stream's length). False while more bytes are needed. */
  private start(buf: Uint8Array): boolean {
    const type = buf[0]!;
    if (type === MsgType.encrypt) {
      if (buf.length < STREAM_ENCRYPT_HEADER_BYTES) return false;
      const len = ((buf[1]! << 24) | (buf[2]! << 16) | (buf[3]! << 8) | buf[4]!) >>> 0;
      if (len > MAX_STREAM_BYTES) throw new DecodeError(`Remote node state is larger than limit (${len})`);
      if (len < ENCRYPTION_OVERHEAD) throw new DecodeError(`Payload is too small to decrypt: ${len}`);
      this.total = STREAM_ENCRYPT_HEADER_BYTES + len;
      this.phase = 'fixed';
      return true;
    }
    switch (type) {
      case MsgType.pushPull:
        this.kind = 'push-pull';
        break;
      case MsgType.user:
        this.kind = 'user';
        break;
      case MsgType.compress:
      case MsgType.ping:
      case MsgType.indirectPing:
      case MsgType.ack:
      case MsgType.nack:
      case MsgType.suspect:
      case MsgType.alive:
      case MsgType.dead:
      case MsgType.err:
        this.kind = 'value';
        break;
      default:
        throw new DecodeError(`Received invalid msgType (${type})`);
    }
    this.phase = this.kind === 'value' ? 'values' : 'header';
    this.pending = 1;
    return true;
  }

  /** The header map ends at `this.pos` (it starts after the type byte): read its counts, once. */
  private endHeader(buf: Uint8Array): void {
    const r = new Reader(buf, 1, this.pos);
    if (this.kind === 'push-pull') {
      const h = readPushPullHeader(r);
      this.pending = h.nodes;
      this.trailing = h.userStateLen;
    } else {
      this.pending = 0;
      this.trailing = readStreamUserHeader(r);
    }
    this.phase = 'values';
  }
}

/**
 * Decrypt, decompress and decode one stream message (as framed by {@link streamFrameLength};
 * trailing bytes are ignored). With a keyring the stream must be encrypted and without one it
 * must not be (Go's rules, reference §4.1). A `user` message is read in its stream form (header
 * + bytes). Throws only {@link DecodeError}.
 */
export function openStream(bytes: Uint8Array, keyring: Keyring | null): Message {
  if (bytes.length === 0) throw new DecodeError('empty stream');
  let data = bytes;
  let type = bytes[0]!;
  if (type === MsgType.encrypt) {
    if (keyring === null) throw new DecodeError('Remote state is encrypted and encryption is not configured');
    const total = streamFrameLength(bytes);
    if (total === undefined) throw new DecodeError('truncated encrypted stream');
    data = decryptPayload(
      keyring.keys(),
      bytes.subarray(STREAM_ENCRYPT_HEADER_BYTES, total),
      bytes.subarray(0, 5),
    );
    if (data.length === 0) throw new DecodeError('empty decrypted stream');
    type = data[0]!;
  } else if (keyring !== null) {
    throw new DecodeError('Encryption is configured but remote state is not encrypted');
  }
  if (type === MsgType.compress) {
    data = readCompressed(new Reader(data, 1), MAX_STREAM_BYTES);
    if (data.length === 0) throw new DecodeError('empty decompressed stream');
    type = data[0]!;
  }
  const r = new Reader(data, 1);
  if (type === MsgType.user) return { type: 'user', body: readStreamUser(r) };
  return readMessageBody(r, type);
}
