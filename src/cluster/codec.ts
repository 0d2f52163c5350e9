/**
 * The cluster layer's view of the Serf codec. The codec itself lives in `wire` (serf-codec.ts,
 * tags.ts); this file only adapts it to what the cluster layer wants: tags as plain records
 * (safe against `__proto__` keys) and a never-throwing tag decoder for peer meta.
 */
import { DecodeError } from '../wire/errors.js';
import { decodeSerf, encodeSerf } from '../wire/serf-codec.js';
import { decodeTags as wireDecodeTags, encodeTags as wireEncodeTags } from '../wire/tags.js';
import type { SerfMessage } from '../wire/messages.js';

export {
  decodeConflictResponse,
  decodeFilter,
  decodeKeyRequest,
  decodeKeyResponse,
  encodeConflictResponse,
  encodeFilter,
  encodeKeyRequest,
  encodeKeyResponse,
} from '../wire/serf-codec.js';
export { ipFromBytes, ipToBytes } from '../wire/ip.js';

/** Encode one Serf message (type byte + msgpack; relay: 09 + header + inner bytes). */
export function encodeSerfMessage(msg: SerfMessage): Uint8Array {
  return encodeSerf(msg);
}

/** Decode one Serf message (a memberlist user-message body); throws DecodeError. */
export function decodeSerfMessage(b: Uint8Array): SerfMessage {
  const msg = decodeSerf(b);
  // A relay with nothing to forward would make us send an empty user message, which crashes
  // memberlist 0.2.2 receivers (reference §3.2): refuse it here.
  if (msg.type === 'relay' && msg.inner.length === 0) throw new DecodeError('relay without an inner message');
  return msg;
}

/** Tags as node meta: `0xff` + msgpack map (keys in the object's order); TooLargeError above 512 bytes. */
export function encodeTags(tags: Readonly<Record<string, string>>): Uint8Array {
  return wireEncodeTags(tags);
}

/**
 * Node meta to tags. Meta that is empty or does not start with 0xff is a pre-tags peer's `role`
 * (serf decodeTags). A map that fails to decode keeps nothing (Serf keeps what it decoded and
 * logs; the difference only shows with corrupt meta). Never throws.
 */
export function decodeTags(meta: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  let tags: Map<string, string>;
  try {
    tags = wireDecodeTags(meta);
  } catch {
    return out;
  }
  for (const [k, v] of tags) {
    // defineProperty, not assignment: a peer's `__proto__` tag must stay an own property.
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
