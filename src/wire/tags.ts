/**
 * Serf tags in memberlist node meta: `0xff | msgpack map[string]string` (serf: serf/serf.go
 * `encodeTags` / `decodeTags`; reference §9.3). Meta that is empty or does not start with 0xff is
 * the pre-protocol-3 form: the whole meta is the value of tag `role`.
 */

import { EncodeError, TooLargeError } from './errors.js';
import { META_MAX_BYTES } from './limits.js';
import { Reader, Writer, stringMapOf, text, utf8Decode } from './msgpack.js';

/** First byte of tag-encoded meta (serf: serf/serf.go `tagMagicByte`). */
export const TAG_MAGIC_BYTE = 0xff;

const TAGS = stringMapOf(text);

/**
 * Encode tags as node meta, in the Map's (or object's) key order. Throws {@link TooLargeError}
 * above {@link META_MAX_BYTES} (Serf refuses such tags: "Encoded length of tags exceeds limit").
 */
export function encodeTags(tags: ReadonlyMap<string, string> | Readonly<Record<string, string>>): Uint8Array {
  const map = tags instanceof Map ? tags : new Map(Object.entries(tags));
  const w = new Writer(64);
  w.u8(TAG_MAGIC_BYTE);
  for (const [k, v] of map) {
    if (typeof k !== 'string' || typeof v !== 'string')
      throw new EncodeError('tag keys and values must be strings');
  }
  TAGS.encode(w, map as Map<string, string>);
  if (w.length > META_MAX_BYTES) {
    throw new TooLargeError(`Encoded length of tags exceeds limit of ${META_MAX_BYTES} bytes (${w.length})`);
  }
  return w.toBytes();
}

/**
 * Decode node meta into tags (in wire order). Legacy meta becomes `{role: <meta as text>}`, so an
 * empty meta gives `role=""` as in Serf. A malformed map is a {@link DecodeError} (Serf logs
 * "Failed to decode tags" and keeps what it decoded; callers wanting that catch and use `{}`).
 * Receivers do not enforce the 512-byte limit.
 */
export function decodeTags(meta: Uint8Array): Map<string, string> {
  if (meta.length === 0 || meta[0] !== TAG_MAGIC_BYTE) return new Map([['role', utf8Decode(meta)]]);
  const r = new Reader(meta, 1);
  return TAGS.decode(r);
}
