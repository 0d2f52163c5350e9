/**
 * The one place the cluster layer touches the wire codec: Serf messages, tags in node meta,
 * query filters and the payloads nested in internal queries. Everything here delegates to
 * `src/wire` (this layer never encodes bytes by hand).
 */
import { DecodeError } from '../wire/errors.js';
import type {
  SerfFilter,
  SerfKeyRequest,
  SerfKeyResponse,
  SerfMember,
  SerfMessage,
} from '../wire/messages.js';

function pending(what: string): never {
  throw new DecodeError(`${what}: the wire Serf codec is not available yet`);
}

/** Encode one Serf message (type byte + msgpack; relay: 09 + header + inner bytes). */
export function encodeSerfMessage(msg: SerfMessage): Uint8Array {
  return pending(`encode ${msg.type}`);
}

/** Decode one Serf message; throws DecodeError. */
export function decodeSerfMessage(bytes: Uint8Array): SerfMessage {
  return pending(`decode ${bytes.length} bytes`);
}

/** Tags as node meta: `0xff` + msgpack map. */
export function encodeTags(tags: Readonly<Record<string, string>>): Uint8Array {
  return pending(`tags ${Object.keys(tags).length}`);
}

/** Node meta to tags (legacy meta without 0xff is the `role` tag). Never throws. */
export function decodeTags(meta: Uint8Array): Record<string, string> {
  return pending(`tags ${meta.length}`);
}

/** One query filter: type byte + msgpack. */
export function encodeFilter(f: SerfFilter): Uint8Array {
  return pending(`filter ${f.type}`);
}

/** Decode one query filter; throws DecodeError (also for unknown filter types). */
export function decodeFilter(b: Uint8Array): SerfFilter {
  return pending(`filter ${b.length}`);
}

/** `07` + keyRequest. */
export function encodeKeyRequest(r: SerfKeyRequest): Uint8Array {
  return pending(`key request ${r.key.length}`);
}

/** Decode `07` + keyRequest; throws DecodeError. */
export function decodeKeyRequest(b: Uint8Array): SerfKeyRequest {
  return pending(`key request ${b.length}`);
}

/** `08` + keyResponse. */
export function encodeKeyResponse(r: SerfKeyResponse): Uint8Array {
  return pending(`key response ${r.message}`);
}

/** Decode `08` + keyResponse; throws DecodeError. */
export function decodeKeyResponse(b: Uint8Array): SerfKeyResponse {
  return pending(`key response ${b.length}`);
}

/** `06` + Member (nil when unknown). */
export function encodeConflictResponse(m: SerfMember | null): Uint8Array {
  return pending(`conflict ${m?.name ?? 'nil'}`);
}

/** Decode `06` + Member; null for nil; throws DecodeError. */
export function decodeConflictResponse(b: Uint8Array): SerfMember | null {
  return pending(`conflict ${b.length}`);
}

/** Text IP to wire bytes. */
export function ipToBytes(ip: string): Uint8Array {
  return pending(`ip ${ip}`);
}

/** Wire bytes to text IP; throws DecodeError. */
export function ipFromBytes(b: Uint8Array): string {
  return pending(`ip ${b.length}`);
}
