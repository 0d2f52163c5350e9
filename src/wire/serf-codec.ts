/**
 * Encode/decode of Serf 0.9.4 messages (serf: serf/messages.go; reference §10): one Serf type
 * byte, then the msgpack body of the Go struct. Gossiped and direct Serf messages travel inside
 * memberlist user messages (`08 | serf type | body`); the push-pull user state is `02 | body`;
 * conflict responses (06), key requests (07) and key responses (08) only appear inside query and
 * response payloads and have their own functions below.
 */

import { DecodeError, EncodeError } from './errors.js';
import type {
  SerfCoordinate,
  SerfFilter,
  SerfJoin,
  SerfKeyRequest,
  SerfKeyResponse,
  SerfLeave,
  SerfMember,
  SerfMessage,
  SerfPushPull,
  SerfQuery,
  SerfQueryResponse,
  SerfRelayHeader,
  SerfUserEvent,
  SerfUserEventEntry,
  SerfUserEventsSlot,
} from './messages.js';
import { MsgType, SerfMsgType } from './messages.js';
import {
  EMPTY_BYTES,
  Reader,
  Writer,
  arrayOf,
  bool,
  bytes,
  f64,
  field,
  i64,
  nullable,
  nullableArrayOf,
  nullableBytes,
  stringMapOf,
  struct,
  text,
  u16,
  u32,
  u64,
  u8,
} from './msgpack.js';

// ---------------------------------------------------------------- Go struct schemas (declaration order)

/** `messageJoin`. */
export const SERF_JOIN = struct<SerfJoin>(
  'messageJoin',
  [field('LTime', 'lTime', u64), field('Node', 'node', text)],
  () => ({ lTime: 0, node: '' }),
);

/** `messageLeave`. */
export const SERF_LEAVE = struct<SerfLeave>(
  'messageLeave',
  [field('LTime', 'lTime', u64), field('Node', 'node', text), field('Prune', 'prune', bool)],
  () => ({ lTime: 0, node: '', prune: false }),
);

/** `userEvent` (one entry of an event-ring slot). */
const USER_EVENT = struct<SerfUserEventEntry>(
  'userEvent',
  [field('Name', 'name', text), field('Payload', 'payload', nullableBytes)],
  () => ({ name: '', payload: null }),
);

/** `userEvents` (one slot of the 512-slot ring). */
const USER_EVENTS = struct<SerfUserEventsSlot>(
  'userEvents',
  [field('LTime', 'lTime', u64), field('Events', 'events', arrayOf(USER_EVENT))],
  () => ({ lTime: 0, events: [] }),
);

/** `messagePushPull` (Events is `[]*userEvents`: nil pointers are empty slots). */
export const SERF_PUSH_PULL = struct<SerfPushPull>(
  'messagePushPull',
  [
    field('LTime', 'lTime', u64),
    field('StatusLTimes', 'statusLTimes', stringMapOf(u64)),
    field('LeftMembers', 'leftMembers', arrayOf(text)),
    field('EventLTime', 'eventLTime', u64),
    field('Events', 'events', arrayOf(nullable(USER_EVENTS))),
    field('QueryLTime', 'queryLTime', u64),
  ],
  () => ({ lTime: 0, statusLTimes: new Map(), leftMembers: [], eventLTime: 0, events: [], queryLTime: 0 }),
);

/** `messageUserEvent`. */
export const SERF_USER_EVENT = struct<SerfUserEvent>(
  'messageUserEvent',
  [
    field('LTime', 'lTime', u64),
    field('Name', 'name', text),
    field('Payload', 'payload', nullableBytes),
    field('CC', 'cc', bool),
  ],
  () => ({ lTime: 0, name: '', payload: null, cc: false }),
);

/** `messageQuery` (Timeout is a `time.Duration`: int64 nanoseconds). */
export const SERF_QUERY = struct<SerfQuery>(
  'messageQuery',
  [
    field('LTime', 'lTime', u64),
    field('ID', 'id', u32),
    field('Addr', 'addr', bytes),
    field('Port', 'port', u16),
    field('SourceNode', 'sourceNode', text),
    field('Filters', 'filters', nullableArrayOf(bytes)),
    field('Flags', 'flags', u32),
    field('RelayFactor', 'relayFactor', u8),
    field('Timeout', 'timeout', i64),
    field('Name', 'name', text),
    field('Payload', 'payload', nullableBytes),
  ],
  () => ({
    lTime: 0,
    id: 0,
    addr: EMPTY_BYTES,
    port: 0,
    sourceNode: '',
    filters: null,
    flags: 0,
    relayFactor: 0,
    timeout: 0,
    name: '',
    payload: null,
  }),
);

/** `messageQueryResponse`. */
export const SERF_QUERY_RESPONSE = struct<SerfQueryResponse>(
  'messageQueryResponse',
  [
    field('LTime', 'lTime', u64),
    field('ID', 'id', u32),
    field('From', 'from', text),
    field('Flags', 'flags', u32),
    field('Payload', 'payload', nullableBytes),
  ],
  () => ({ lTime: 0, id: 0, from: '', flags: 0, payload: null }),
);

/** Go `net.UDPAddr` as go-msgpack writes it: `{IP, Port int, Zone}`. */
const UDP_ADDR = struct<SerfRelayHeader['destAddr']>(
  'net.UDPAddr',
  [field('IP', 'ip', bytes), field('Port', 'port', i64), field('Zone', 'zone', text)],
  () => ({ ip: EMPTY_BYTES, port: 0, zone: '' }),
);

/** `relayHeader`. */
export const SERF_RELAY_HEADER = struct<SerfRelayHeader>(
  'relayHeader',
  [field('DestAddr', 'destAddr', UDP_ADDR), field('DestName', 'destName', text)],
  () => ({ destAddr: { ip: EMPTY_BYTES, port: 0, zone: '' }, destName: '' }),
);

/** serf `Member` (conflict responses). */
export const SERF_MEMBER = struct<SerfMember>(
  'Member',
  [
    field('Name', 'name', text),
    field('Addr', 'addr', bytes),
    field('Port', 'port', u16),
    field('Tags', 'tags', stringMapOf(text)),
    field('Status', 'status', i64),
    field('ProtocolMin', 'protocolMin', u8),
    field('ProtocolMax', 'protocolMax', u8),
    field('ProtocolCur', 'protocolCur', u8),
    field('DelegateMin', 'delegateMin', u8),
    field('DelegateMax', 'delegateMax', u8),
    field('DelegateCur', 'delegateCur', u8),
  ],
  () => ({
    name: '',
    addr: EMPTY_BYTES,
    port: 0,
    tags: new Map(),
    status: 0,
    protocolMin: 0,
    protocolMax: 0,
    protocolCur: 0,
    delegateMin: 0,
    delegateMax: 0,
    delegateCur: 0,
  }),
);

/** `keyRequest` (serf: serf/keymanager.go). */
export const SERF_KEY_REQUEST = struct<SerfKeyRequest>('keyRequest', [field('Key', 'key', bytes)], () => ({
  key: EMPTY_BYTES,
}));

/** `nodeKeyResponse` (serf: serf/internal_query.go). */
export const SERF_KEY_RESPONSE = struct<SerfKeyResponse>(
  'nodeKeyResponse',
  [
    field('Result', 'result', bool),
    field('Message', 'message', text),
    field('Keys', 'keys', nullableArrayOf(text)),
    field('PrimaryKey', 'primaryKey', text),
  ],
  () => ({ result: false, message: '', keys: null, primaryKey: '' }),
);

/** `filterTag`. */
const FILTER_TAG = struct<{ tag: string; expr: string }>(
  'filterTag',
  [field('Tag', 'tag', text), field('Expr', 'expr', text)],
  () => ({ tag: '', expr: '' }),
);
const FILTER_NODES = arrayOf(text);
const MAYBE_MEMBER = nullable(SERF_MEMBER);

/** `coordinate.Coordinate`. */
const COORDINATE = struct<SerfCoordinate>(
  'Coordinate',
  [
    field('Vec', 'vec', arrayOf(f64)),
    field('Error', 'error', f64),
    field('Adjustment', 'adjustment', f64),
    field('Height', 'height', f64),
  ],
  () => ({ vec: [], error: 0, adjustment: 0, height: 0 }),
);

// ---------------------------------------------------------------- Serf messages

/** Append a Serf message (type byte + body) to `w`. */
export function encodeSerfInto(w: Writer, msg: SerfMessage): void {
  switch (msg.type) {
    case 'leave':
      w.u8(SerfMsgType.leave);
      SERF_LEAVE.encode(w, msg.body);
      return;
    case 'join':
      w.u8(SerfMsgType.join);
      SERF_JOIN.encode(w, msg.body);
      return;
    case 'pushPull':
      w.u8(SerfMsgType.pushPull);
      SERF_PUSH_PULL.encode(w, msg.body);
      return;
    case 'userEvent':
      w.u8(SerfMsgType.userEvent);
      SERF_USER_EVENT.encode(w, msg.body);
      return;
    case 'query':
      w.u8(SerfMsgType.query);
      SERF_QUERY.encode(w, msg.body);
      return;
    case 'queryResponse':
      w.u8(SerfMsgType.queryResponse);
      SERF_QUERY_RESPONSE.encode(w, msg.body);
      return;
    case 'relay':
      if (!(msg.inner instanceof Uint8Array)) throw new EncodeError('relay: inner must be a Uint8Array');
      w.u8(SerfMsgType.relay);
      SERF_RELAY_HEADER.encode(w, msg.header);
      w.raw(msg.inner);
      return;
    default:
      throw new EncodeError(`unknown Serf message type ${(msg as { type: unknown }).type}`);
  }
}

/**
 * A Serf message as bytes: type byte + msgpack body (for `relay`: header, then the inner message
 * verbatim). For `pushPull` this is the memberlist push-pull user state (`02` + body).
 */
export function encodeSerf(msg: SerfMessage, w: Writer = new Writer()): Uint8Array {
  w.reset();
  encodeSerfInto(w, msg);
  return w.toBytes();
}

/** A Serf message wrapped as a memberlist user message (`08` + Serf bytes), ready for a packet. */
export function encodeSerfUserMessage(msg: SerfMessage, w: Writer = new Writer()): Uint8Array {
  w.reset();
  w.u8(MsgType.user);
  encodeSerfInto(w, msg);
  return w.toBytes();
}

/**
 * Decode a Serf message (the body of a memberlist user message, or the push-pull user state).
 * Types 6–8 exist only inside query payloads and are refused here, as Serf refuses them
 * ("Received message of unknown type"). Throws only {@link DecodeError}.
 */
export function decodeSerf(bytes: Uint8Array): SerfMessage {
  if (bytes.length === 0) throw new DecodeError('empty Serf message');
  const r = new Reader(bytes, 1);
  const type = bytes[0]!;
  switch (type) {
    case SerfMsgType.leave:
      return { type: 'leave', body: SERF_LEAVE.decode(r) };
    case SerfMsgType.join:
      return { type: 'join', body: SERF_JOIN.decode(r) };
    case SerfMsgType.pushPull:
      return { type: 'pushPull', body: SERF_PUSH_PULL.decode(r) };
    case SerfMsgType.userEvent:
      return { type: 'userEvent', body: SERF_USER_EVENT.decode(r) };
    case SerfMsgType.query:
      return { type: 'query', body: SERF_QUERY.decode(r) };
    case SerfMsgType.queryResponse:
      return { type: 'queryResponse', body: SERF_QUERY_RESPONSE.decode(r) };
    case SerfMsgType.relay: {
      const header = SERF_RELAY_HEADER.decode(r);
      return { type: 'relay', header, inner: r.take(r.remaining()) };
    }
    default:
      throw new DecodeError(`Received message of unknown type: ${type}`);
  }
}

// ---------------------------------------------------------------- query filters

/** Filter type bytes (serf: serf/messages.go `filterType`). */
export const SerfFilterType = { node: 0, tag: 1 } as const;

/** One query filter as Serf carries it in `Filters`: type byte + msgpack body. */
export function encodeFilter(f: SerfFilter): Uint8Array {
  const w = new Writer(64);
  if (f.type === 'node') {
    w.u8(SerfFilterType.node);
    FILTER_NODES.encode(w, f.nodes);
  } else if (f.type === 'tag') {
    w.u8(SerfFilterType.tag);
    FILTER_TAG.encode(w, { tag: f.tag, expr: f.expr });
  } else {
    throw new EncodeError(`unknown filter type ${(f as { type: unknown }).type}`);
  }
  return w.toBytes();
}

/**
 * Decode one query filter. An unknown filter type is a {@link DecodeError}; Serf treats such a
 * query as not matching ("query has unrecognized filter type").
 */
export function decodeFilter(bytes: Uint8Array): SerfFilter {
  if (bytes.length === 0) throw new DecodeError('empty query filter');
  const r = new Reader(bytes, 1);
  switch (bytes[0]) {
    case SerfFilterType.node:
      return { type: 'node', nodes: FILTER_NODES.decode(r) };
    case SerfFilterType.tag: {
      const t = FILTER_TAG.decode(r);
      return { type: 'tag', tag: t.tag, expr: t.expr };
    }
    default:
      throw new DecodeError(`query has unrecognized filter type ${bytes[0]}`);
  }
}

// ---------------------------------------------------------------- query payloads

function encodeTyped<T>(type: number, codec: { encode(w: Writer, v: T): void }, v: T): Uint8Array {
  const w = new Writer(128);
  w.u8(type);
  codec.encode(w, v);
  return w.toBytes();
}

function readTyped(bytes: Uint8Array, type: number, what: string): Reader {
  if (bytes.length === 0 || bytes[0] !== type) {
    throw new DecodeError(
      `${what}: expected type byte ${type}, got ${bytes.length === 0 ? 'nothing' : bytes[0]}`,
    );
  }
  return new Reader(bytes, 1);
}

/** `_serf_conflict` response payload: `06` + the Member we know under the name, or nil. */
export function encodeConflictResponse(member: SerfMember | null): Uint8Array {
  return encodeTyped(SerfMsgType.conflictResponse, MAYBE_MEMBER, member);
}

/** Decode a `_serf_conflict` response payload; `null` when the responder did not know the node. */
export function decodeConflictResponse(bytes: Uint8Array): SerfMember | null {
  return MAYBE_MEMBER.decode(readTyped(bytes, SerfMsgType.conflictResponse, 'conflict response'));
}

/** Key-management query payload: `07` + `{Key}` (raw key bytes; empty for list-keys). */
export function encodeKeyRequest(req: SerfKeyRequest): Uint8Array {
  return encodeTyped(SerfMsgType.keyRequest, SERF_KEY_REQUEST, req);
}

/** Decode a key-management query payload. */
export function decodeKeyRequest(bytes: Uint8Array): SerfKeyRequest {
  return SERF_KEY_REQUEST.decode(readTyped(bytes, SerfMsgType.keyRequest, 'key request'));
}

/** Key-management response payload: `08` + `{Keys, Message, PrimaryKey, Result}` (keys base64). */
export function encodeKeyResponse(resp: SerfKeyResponse): Uint8Array {
  return encodeTyped(SerfMsgType.keyResponse, SERF_KEY_RESPONSE, resp);
}

/** Decode a key-management response payload. */
export function decodeKeyResponse(bytes: Uint8Array): SerfKeyResponse {
  return SERF_KEY_RESPONSE.decode(readTyped(bytes, SerfMsgType.keyResponse, 'key response'));
}

// ---------------------------------------------------------------- ack payload (Vivaldi)

/** Serf's ping-delegate payload version (serf: serf/ping_delegate.go `PingVersion`). */
export const PING_PAYLOAD_VERSION = 1;

/** An ack payload carrying a coordinate: `01` + msgpack Coordinate. */
export function encodeCoordinatePayload(c: SerfCoordinate): Uint8Array {
  return encodeTyped(PING_PAYLOAD_VERSION, COORDINATE, c);
}

/**
 * Decode an ack payload written by a Serf agent. A first byte other than 1 is a DecodeError
 * ("Unsupported ping version"); callers may also simply ignore ack payloads.
 */
export function decodeCoordinatePayload(bytes: Uint8Array): SerfCoordinate {
  return COORDINATE.decode(readTyped(bytes, PING_PAYLOAD_VERSION, 'Unsupported ping version'));
}
