/**
 * gossip-peer's extension of node meta: what a node advertises beyond its Serf tags — today the
 * services it runs (name → protocol version), so that service traffic goes only to peers that
 * understand it.
 *
 * Layout: `ff | msgpack map tags | msgpack map extension`. The extension follows the tags map, where
 * serf cannot see it: serf 0.9.4 decodes tags with one `Decode` of a stream decoder over the bytes
 * after `ff` and ignores whatever follows the map (serf/serf.go `decodeTags`), and memberlist keeps
 * and relays meta as opaque bytes. So a serf agent lists exactly our tags (`serf members`), logs
 * nothing, and passes the extension on unchanged in its push-pulls and alive re-gossip (checked
 * against the real agent in test/interop/service-vs-serf.test.ts). A node without services sends
 * no extension: its meta is byte for byte Serf's.
 *
 * The extension is a msgpack map with string keys; a decoder skips keys it does not know, so later
 * keys can be added without breaking older nodes. Known keys:
 *
 * | key | value | meaning |
 * |---|---|---|
 * | `svc` | map string → uint8 | each service this node runs, with its protocol version |
 */
import { TooLargeError } from './errors.js';
import { META_MAX_BYTES } from './limits.js';
import { Reader, Writer, stringMapOf, u8 } from './msgpack.js';
import { TAG_MAGIC_BYTE, decodeTags, encodeTags } from './tags.js';

/** What a node advertises beyond its tags. */
export interface MetaExtension {
  /** Service name → protocol version (1…255). */
  readonly services: ReadonlyMap<string, number>;
}

const SERVICES = stringMapOf(u8);
const SERVICES_KEY = 'svc';

/** No services advertised. */
export const NO_EXTENSION: MetaExtension = Object.freeze({ services: new Map<string, number>() });

/**
 * Node meta for `tags` plus `ext` (nothing is appended when `ext` advertises no service). Throws
 * {@link TooLargeError} above {@link META_MAX_BYTES} in all.
 */
export function encodeNodeMeta(
  tags: ReadonlyMap<string, string> | Readonly<Record<string, string>>,
  ext: MetaExtension = NO_EXTENSION,
): Uint8Array {
  const tagBytes = encodeTags(tags);
  if (ext.services.size === 0) return tagBytes;
  const w = new Writer(tagBytes.length + 32);
  w.raw(tagBytes);
  w.mapHeader(1);
  w.text(SERVICES_KEY);
  SERVICES.encode(w, ext.services as Map<string, number>);
  if (w.length > META_MAX_BYTES) {
    throw new TooLargeError(
      `Encoded length of tags and service capabilities exceeds limit of ${META_MAX_BYTES} bytes (${w.length})`,
    );
  }
  return w.toBytes();
}

/**
 * The extension in a node's meta, or {@link NO_EXTENSION} when there is none (serf agents, our
 * nodes without services, legacy `role` meta) or it cannot be decoded. Never throws: meta is peer
 * input, and a bad extension only means "advertises nothing".
 */
export function decodeMetaExtension(meta: Uint8Array): MetaExtension {
  if (meta.length === 0 || meta[0] !== TAG_MAGIC_BYTE) return NO_EXTENSION;
  try {
    const r = new Reader(meta, 1);
    r.skip(); // the tags map
    if (r.remaining() === 0) return NO_EXTENSION;
    const n = r.mapLength();
    let services: Map<string, number> | undefined;
    for (let i = 0; i < n; i++) {
      const key = r.text();
      if (key === SERVICES_KEY) services = SERVICES.decode(r);
      else r.skip();
    }
    return services === undefined || services.size === 0 ? NO_EXTENSION : { services };
  } catch {
    return NO_EXTENSION;
  }
}

/** Tags and extension of one node's meta; the tags as {@link decodeTags} reads them (throws the same). */
export function decodeNodeMeta(meta: Uint8Array): { tags: Map<string, string>; ext: MetaExtension } {
  return { tags: decodeTags(meta), ext: decodeMetaExtension(meta) };
}
