/**
 * The frame of a gossip-peer service message (the KV store, the balancer, …) inside a memberlist
 * user message, beside Serf's own messages:
 *
 *   `f0 | msgpack [service name, message type, sender node name] | body`
 *
 * The sender is named in the frame because a message that came over a stream (memberlist
 * `SendReliable`) arrives from an ephemeral port that says nothing about who sent it.
 * `f0` is outside serf 0.9.4's message types (0–9, serf/messages.go) on purpose: a serf agent that
 * received one would log `[WARN] serf: Received message of unknown type: 240` (serf/delegate.go
 * NotifyMsg). The cluster layer therefore sends service frames only to peers that advertise the
 * service in their node meta (node-meta.ts), never to serf agents. The body is the service's own
 * encoding; the cluster layer never looks inside it.
 */
import { DecodeError, EncodeError } from './errors.js';
import { Reader, Writer } from './msgpack.js';

/** The Serf-level type byte of a service frame. */
export const SERVICE_MESSAGE_TYPE = 0xf0;

/** What a service name may be: lower-case ASCII letters, digits and `-`, 1…16 characters. */
export const SERVICE_NAME_PATTERN = /^[a-z][a-z0-9-]{0,15}$/;

/**
 * Bytes a frame adds to its body besides the sender's name: type byte, array header, a 16-byte
 * service name with its header, the message type (uint8 at worst 2 bytes), the name's header (≤ 3).
 */
export const SERVICE_FRAME_OVERHEAD = 1 + 1 + 17 + 2 + 3;

/** One decoded service frame. */
export interface ServiceFrame {
  readonly service: string;
  /** The service's own message type, 0…255. */
  readonly type: number;
  /** The sending node's name. */
  readonly from: string;
  readonly body: Uint8Array;
}

/** Encode a frame. Throws {@link EncodeError} for a bad service name or type. */
export function encodeServiceFrame(f: ServiceFrame): Uint8Array {
  if (!SERVICE_NAME_PATTERN.test(f.service)) throw new EncodeError(`bad service name "${f.service}"`);
  if (!Number.isInteger(f.type) || f.type < 0 || f.type > 255)
    throw new EncodeError(`service message type must be 0…255 (got ${f.type})`);
  const w = new Writer(32 + f.from.length + f.body.length);
  w.u8(SERVICE_MESSAGE_TYPE);
  w.arrayHeader(3);
  w.text(f.service);
  w.uint(f.type);
  w.text(f.from);
  w.raw(f.body);
  return w.toBytes();
}

/** Decode a frame (the body is copied). Throws {@link DecodeError} for anything malformed. */
export function decodeServiceFrame(b: Uint8Array): ServiceFrame {
  if (b.length === 0 || b[0] !== SERVICE_MESSAGE_TYPE) throw new DecodeError('not a service frame');
  const r = new Reader(b, 1);
  if (r.arrayLength() !== 3) throw new DecodeError('service frame header is not [service, type, from]');
  const service = r.text();
  if (!SERVICE_NAME_PATTERN.test(service)) throw new DecodeError('service frame with a bad service name');
  const type = r.uint(255);
  const from = r.text();
  return { service, type, from, body: b.slice(r.pos) };
}
