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
import { readMessageBody, readStreamUser, skipPushPull, skipStreamUser } from './memberlist-codec.js';
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
 * (unknown type, malformed msgpack, a length above {@link MAX_STREAM_BYTES}).
 */
export function streamFrameLength(buf: Uint8Array): number | undefined {
  if (buf.length === 0) return undefined;
  const type = buf[0]!;
  if (type === MsgType.encrypt) {
    if (buf.length < STREAM_ENCRYPT_HEADER_BYTES) return undefined;
    const len = ((buf[1]! << 24) | (buf[2]! << 16) | (buf[3]! << 8) | buf[4]!) >>> 0;
    if (len > MAX_STREAM_BYTES) throw new DecodeError(`Remote node state is larger than limit (${len})`);
    if (len < ENCRYPTION_OVERHEAD) throw new DecodeError(`Payload is too small to decrypt: ${len}`);
    const total = STREAM_ENCRYPT_HEADER_BYTES + len;
    return buf.length >= total ? total : undefined;
  }
  const r = new Reader(buf, 1, buf.length, true);
  try {
    switch (type) {
      case MsgType.pushPull:
        skipPushPull(r);
        break;
      case MsgType.user:
        skipStreamUser(r);
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
        r.skip();
        break;
      default:
        throw new DecodeError(`Received invalid msgType (${type})`);
    }
  } catch (e) {
    if (e instanceof NeedMoreBytes) return undefined;
    throw e;
  }
  return r.pos;
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
