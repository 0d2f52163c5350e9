/**
 * The one place the cluster layer touches the wire codec: Serf messages (serf: serf/messages.go),
 * tags in node meta (serf.go `encodeTags`/`decodeTags`), query filters and the payloads nested in
 * internal queries. Built only from wire's go-msgpack primitives (`struct`, `field`, Writer,
 * Reader); field lists are in Go declaration order (wire sorts keys on output as Go does).
 *
 * If wire grows its own Serf codec, this file becomes a thin re-export of it.
 */
import { DecodeError } from '../wire/errors.js';
import { ipFromBytes as wireIpFromBytes, ipToBytes as wireIpToBytes } from '../wire/ip.js';
import type {
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
} from '../wire/messages.js';
import { SerfMsgType } from '../wire/messages.js';
import {
  Reader,
  Writer,
  arrayOf,
  bool,
  bytes,
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
  type Codec,
} from '../wire/msgpack.js';

// ------------------------------------------------------------------ schemas (serf: messages.go)

const JOIN = struct<SerfJoin>(
  'messageJoin',
  [field('LTime', 'lTime', u64), field('Node', 'node', text)],
  () => ({
    lTime: 0,
    node: '',
  }),
);

const LEAVE = struct<SerfLeave>(
  'messageLeave',
  [field('LTime', 'lTime', u64), field('Node', 'node', text), field('Prune', 'prune', bool)],
  () => ({ lTime: 0, node: '', prune: false }),
);

const USER_EVENT_ENTRY = struct<SerfUserEventEntry>(
  'userEvent',
  [field('Name', 'name', text), field('Payload', 'payload', nullableBytes)],
  () => ({ name: '', payload: null }),
);

const USER_EVENTS_SLOT = struct<SerfUserEventsSlot>(
  'userEvents',
  [field('LTime', 'lTime', u64), field('Events', 'events', arrayOf(USER_EVENT_ENTRY))],
  () => ({ lTime: 0, events: [] }),
);

const PUSH_PULL = struct<SerfPushPull>(
  'messagePushPull',
  [
    field('LTime', 'lTime', u64),
    field('StatusLTimes', 'statusLTimes', stringMapOf(u64)),
    field('LeftMembers', 'leftMembers', arrayOf(text)),
    field('EventLTime', 'eventLTime', u64),
    field('Events', 'events', arrayOf(nullable(USER_EVENTS_SLOT))),
    field('QueryLTime', 'queryLTime', u64),
  ],
  () => ({ lTime: 0, statusLTimes: new Map(), leftMembers: [], eventLTime: 0, events: [], queryLTime: 0 }),
);

const USER_EVENT = struct<SerfUserEvent>(
  'messageUserEvent',
  [
    field('LTime', 'lTime', u64),
    field('Name', 'name', text),
    field('Payload', 'payload', nullableBytes),
    field('CC', 'cc', bool),
  ],
  () => ({ lTime: 0, name: '', payload: null, cc: false }),
);

const QUERY = struct<SerfQuery>(
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
    addr: new Uint8Array(0),
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

const QUERY_RESPONSE = struct<SerfQueryResponse>(
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

type UdpAddr = SerfRelayHeader['destAddr'];
const UDP_ADDR = struct<UdpAddr>(
  'net.UDPAddr',
  [field('IP', 'ip', bytes), field('Port', 'port', i64), field('Zone', 'zone', text)],
  () => ({ ip: new Uint8Array(0), port: 0, zone: '' }),
);

const RELAY_HEADER = struct<SerfRelayHeader>(
  'relayHeader',
  [field('DestAddr', 'destAddr', UDP_ADDR), field('DestName', 'destName', text)],
  () => ({ destAddr: { ip: new Uint8Array(0), port: 0, zone: '' }, destName: '' }),
);

const TAG_FILTER = struct<{ tag: string; expr: string }>(
  'filterTag',
  [field('Tag', 'tag', text), field('Expr', 'expr', text)],
  () => ({ tag: '', expr: '' }),
);

const KEY_REQUEST = struct<SerfKeyRequest>('keyRequest', [field('Key', 'key', bytes)], () => ({
  key: new Uint8Array(0),
}));

const KEY_RESPONSE = struct<SerfKeyResponse>(
  'nodeKeyResponse',
  [
    field('Result', 'result', bool),
    field('Message', 'message', text),
    field('Keys', 'keys', nullableArrayOf(text)),
    field('PrimaryKey', 'primaryKey', text),
  ],
  () => ({ result: false, message: '', keys: null, primaryKey: '' }),
);

const MEMBER = struct<SerfMember>(
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
    addr: new Uint8Array(0),
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

const TAGS = stringMapOf(text);
const NODE_LIST = arrayOf(text);

// ------------------------------------------------------------------ helpers

function encodeWith<T>(prefix: number, codec: Codec<T>, v: T): Uint8Array {
  const w = new Writer();
  w.u8(prefix);
  codec.encode(w, v);
  return w.toBytes();
}

/** Decode exactly one value after a prefix byte; trailing bytes are ignored, as Go's decoder does. */
function decodeWith<T>(b: Uint8Array, prefix: number, codec: Codec<T>, what: string): T {
  if (b.length === 0 || b[0] !== prefix)
    throw new DecodeError(`${what}: expected type byte ${prefix}, got ${b[0] ?? 'nothing'}`);
  return codec.decode(new Reader(b, 1));
}

// ------------------------------------------------------------------ Serf messages

/** Encode one Serf message (type byte + msgpack; relay: 09 + header + inner bytes). */
export function encodeSerfMessage(msg: SerfMessage): Uint8Array {
  switch (msg.type) {
    case 'leave':
      return encodeWith(SerfMsgType.leave, LEAVE, msg.body);
    case 'join':
      return encodeWith(SerfMsgType.join, JOIN, msg.body);
    case 'pushPull':
      return encodeWith(SerfMsgType.pushPull, PUSH_PULL, msg.body);
    case 'userEvent':
      return encodeWith(SerfMsgType.userEvent, USER_EVENT, msg.body);
    case 'query':
      return encodeWith(SerfMsgType.query, QUERY, msg.body);
    case 'queryResponse':
      return encodeWith(SerfMsgType.queryResponse, QUERY_RESPONSE, msg.body);
    case 'relay': {
      const w = new Writer();
      w.u8(SerfMsgType.relay);
      RELAY_HEADER.encode(w, msg.header);
      w.raw(msg.inner);
      return w.toBytes();
    }
  }
}

/** Decode one Serf message (a memberlist user-message body); throws DecodeError. */
export function decodeSerfMessage(b: Uint8Array): SerfMessage {
  if (b.length === 0) throw new DecodeError('empty Serf message');
  const r = new Reader(b, 1);
  switch (b[0]) {
    case SerfMsgType.leave:
      return { type: 'leave', body: LEAVE.decode(r) };
    case SerfMsgType.join:
      return { type: 'join', body: JOIN.decode(r) };
    case SerfMsgType.pushPull:
      return { type: 'pushPull', body: PUSH_PULL.decode(r) };
    case SerfMsgType.userEvent:
      return { type: 'userEvent', body: USER_EVENT.decode(r) };
    case SerfMsgType.query:
      return { type: 'query', body: QUERY.decode(r) };
    case SerfMsgType.queryResponse:
      return { type: 'queryResponse', body: QUERY_RESPONSE.decode(r) };
    case SerfMsgType.relay: {
      const header = RELAY_HEADER.decode(r);
      if (r.pos >= b.length) throw new DecodeError('relay without an inner message');
      return { type: 'relay', header, inner: b.slice(r.pos) };
    }
    default:
      throw new DecodeError(`unknown Serf message type ${b[0]}`);
  }
}

// ------------------------------------------------------------------ tags (serf.go encodeTags)

const TAG_MAGIC = 0xff;

/** Tags as node meta: `0xff` + msgpack map (keys in the object's order). */
export function encodeTags(tags: Readonly<Record<string, string>>): Uint8Array {
  return encodeWith(TAG_MAGIC, TAGS, new Map(Object.entries(tags)));
}

/**
 * Node meta to tags. Meta that is empty or does not start with 0xff is a pre-tags peer's `role`
 * (serf decodeTags). A map that fails to decode part-way keeps nothing (Serf keeps what it decoded
 * and logs; the difference only shows with corrupt meta). Never throws.
 */
export function decodeTags(meta: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  if (meta.length === 0 || meta[0] !== TAG_MAGIC) {
    Object.defineProperty(out, 'role', {
      value: new TextDecoder().decode(meta),
      enumerable: true,
      writable: true,
      configurable: true,
    });
    return out;
  }
  try {
    for (const [k, v] of TAGS.decode(new Reader(meta, 1))) {
      Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
  } catch {
    // corrupt tags: none
  }
  return out;
}

// ------------------------------------------------------------------ filters (query.go)

/** One query filter: type byte (0 node list, 1 tag) + msgpack. */
export function encodeFilter(f: SerfFilter): Uint8Array {
  if (f.type === 'node') return encodeWith(0, NODE_LIST, f.nodes);
  return encodeWith(1, TAG_FILTER, { tag: f.tag, expr: f.expr });
}

/** Decode one query filter; throws DecodeError, also for unknown filter types. */
export function decodeFilter(b: Uint8Array): SerfFilter {
  if (b.length === 0) throw new DecodeError('empty query filter');
  if (b[0] === 0) return { type: 'node', nodes: NODE_LIST.decode(new Reader(b, 1)) };
  if (b[0] === 1) {
    const t = TAG_FILTER.decode(new Reader(b, 1));
    return { type: 'tag', tag: t.tag, expr: t.expr };
  }
  throw new DecodeError(`query has unrecognized filter type: ${b[0]}`);
}

// ------------------------------------------------------------------ internal query payloads

/** `07` + keyRequest. */
export function encodeKeyRequest(r: SerfKeyRequest): Uint8Array {
  return encodeWith(SerfMsgType.keyRequest, KEY_REQUEST, r);
}

/** Decode `07` + keyRequest; throws DecodeError. */
export function decodeKeyRequest(b: Uint8Array): SerfKeyRequest {
  return decodeWith(b, SerfMsgType.keyRequest, KEY_REQUEST, 'key request');
}

/** `08` + keyResponse. */
export function encodeKeyResponse(r: SerfKeyResponse): Uint8Array {
  return encodeWith(SerfMsgType.keyResponse, KEY_RESPONSE, r);
}

/** Decode `08` + keyResponse; throws DecodeError. */
export function decodeKeyResponse(b: Uint8Array): SerfKeyResponse {
  return decodeWith(b, SerfMsgType.keyResponse, KEY_RESPONSE, 'key response');
}

/** `06` + Member (nil when unknown). */
export function encodeConflictResponse(m: SerfMember | null): Uint8Array {
  return encodeWith(SerfMsgType.conflictResponse, nullable(MEMBER), m);
}

/** Decode `06` + Member; null for nil; throws DecodeError. */
export function decodeConflictResponse(b: Uint8Array): SerfMember | null {
  return decodeWith(b, SerfMsgType.conflictResponse, nullable(MEMBER), 'conflict response');
}

// ------------------------------------------------------------------ addresses

/** Text IP to wire bytes (4 for IPv4, 16 for IPv6); throws EncodeError. */
export function ipToBytes(ip: string): Uint8Array {
  return wireIpToBytes(ip);
}

/** Wire bytes to text IP; throws DecodeError. */
export function ipFromBytes(b: Uint8Array): string {
  return wireIpFromBytes(b);
}
