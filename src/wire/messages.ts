/**
 * Typed shapes of every memberlist 0.2.2 and Serf 0.9.4 message we send or accept.
 * Field names are the Go field names in camelCase (`SeqNo` → `seqNo`); the codec maps them to the
 * exact Go keys. Go `[]byte` / `net.IP` / `[]uint8` fields are `Uint8Array` (never strings: see
 * the wire reference §2), Go `string` fields are JS strings, all integers are JS numbers
 * (a uint64 above 2^53 − 1 is a DecodeError), nil is `null`.
 *
 * Type numbers are append-only and mirror memberlist's `messageType` / Serf's `messageType`.
 */

// ---------------------------------------------------------------- memberlist (net.go)

/** memberlist message type bytes (memberlist: net.go `messageType`). Append-only. */
export const MsgType = {
  ping: 0, // pingMsg
  indirectPing: 1, // indirectPingMsg
  ack: 2, // ackRespMsg
  suspect: 3, // suspectMsg
  alive: 4, // aliveMsg
  dead: 5, // deadMsg
  pushPull: 6, // pushPullMsg
  compound: 7, // compoundMsg
  user: 8, // userMsg
  compress: 9, // compressMsg
  encrypt: 10, // encryptMsg
  nack: 11, // nackRespMsg
  hasCrc: 12, // hasCrcMsg
  err: 13, // errMsg
} as const;

/** memberlist `ping`. The Source* fields are omitempty. */
export interface Ping {
  seqNo: number;
  /** Intended recipient's name ('' = anyone). */
  node: string;
  sourceAddr?: Uint8Array;
  sourcePort?: number;
  sourceNode?: string;
}

/** memberlist `indirectPingReq`. */
export interface IndirectPing {
  seqNo: number;
  target: Uint8Array;
  port: number;
  node: string;
  nack: boolean;
  sourceAddr?: Uint8Array;
  sourcePort?: number;
  sourceNode?: string;
}

/** memberlist `ackResp`. `payload` null encodes as nil (0xc0). */
export interface Ack {
  seqNo: number;
  payload: Uint8Array | null;
}

/** memberlist `nackResp`. */
export interface Nack {
  seqNo: number;
}

/** memberlist `suspect`. */
export interface Suspect {
  incarnation: number;
  node: string;
  from: string;
}

/** memberlist `alive`. `vsn` must be exactly 6 bytes when sent. */
export interface Alive {
  incarnation: number;
  node: string;
  addr: Uint8Array;
  port: number;
  meta: Uint8Array;
  vsn: Uint8Array;
}

/** memberlist `dead`; `from === node` means a graceful leave. */
export interface Dead {
  incarnation: number;
  node: string;
  from: string;
}

/** memberlist `pushNodeState`. `state`: 0 alive, 1 suspect, 2 dead, 3 left. */
export interface PushNodeState {
  name: string;
  addr: Uint8Array;
  port: number;
  meta: Uint8Array;
  incarnation: number;
  state: number;
  vsn: Uint8Array;
}

/** A whole push-pull stream message: header + node states + raw user (Serf) state. */
export interface PushPull {
  join: boolean;
  nodes: PushNodeState[];
  /** Raw delegate state; empty = none (UserStateLen 0). */
  userState: Uint8Array;
}

/** memberlist `compress`. `algo` 0 = LZW. */
export interface Compress {
  algo: number;
  buf: Uint8Array;
}

/** memberlist `errResp`. */
export interface ErrResp {
  error: string;
}

/** One decoded memberlist message (after decryption, CRC, decompression). */
export type Message =
  | { type: 'ping'; body: Ping }
  | { type: 'indirectPing'; body: IndirectPing }
  | { type: 'ack'; body: Ack }
  | { type: 'nack'; body: Nack }
  | { type: 'suspect'; body: Suspect }
  | { type: 'alive'; body: Alive }
  | { type: 'dead'; body: Dead }
  | { type: 'pushPull'; body: PushPull }
  /** A memberlist user message; `body` is everything after the 08 (a Serf message). */
  | { type: 'user'; body: Uint8Array }
  | { type: 'err'; body: ErrResp };

// ---------------------------------------------------------------- Serf (serf/messages.go)

/** Serf message type bytes (serf: serf/messages.go `messageType`). Append-only. */
export const SerfMsgType = {
  leave: 0, // messageLeaveType
  join: 1, // messageJoinType
  pushPull: 2, // messagePushPullType
  userEvent: 3, // messageUserEventType
  query: 4, // messageQueryType
  queryResponse: 5, // messageQueryResponseType
  conflictResponse: 6, // messageConflictResponseType
  keyRequest: 7, // messageKeyRequestType
  keyResponse: 8, // messageKeyResponseType
  relay: 9, // messageRelayType
} as const;

/** Serf `messageJoin` (join intent). */
export interface SerfJoin {
  lTime: number;
  node: string;
}

/** Serf `messageLeave` (leave intent). */
export interface SerfLeave {
  lTime: number;
  node: string;
  prune: boolean;
}

/** One event inside a push-pull `Events` slot. */
export interface SerfUserEventEntry {
  name: string;
  payload: Uint8Array | null;
}

/** Serf `userEvents`: one slot of the 512-slot event ring. */
export interface SerfUserEventsSlot {
  lTime: number;
  events: SerfUserEventEntry[];
}

/** Serf `messagePushPull` (push-pull user state, after the 02 prefix). */
export interface SerfPushPull {
  lTime: number;
  statusLTimes: Map<string, number>;
  leftMembers: string[];
  eventLTime: number;
  /** Slots; `null` = empty slot (Go sends all 512). */
  events: (SerfUserEventsSlot | null)[];
  queryLTime: number;
}

/** Serf `messageUserEvent`. */
export interface SerfUserEvent {
  lTime: number;
  name: string;
  payload: Uint8Array | null;
  /** Can coalesce. */
  cc: boolean;
}

/** Serf `messageQuery`. `timeout` is in NANOSECONDS (Go time.Duration). */
export interface SerfQuery {
  lTime: number;
  id: number;
  addr: Uint8Array;
  port: number;
  sourceNode: string;
  /** Raw encoded filters (filter type byte + msgpack), or null for none. */
  filters: Uint8Array[] | null;
  /** bit 0 = ack requested, bit 1 = no broadcast. */
  flags: number;
  relayFactor: number;
  timeout: number;
  name: string;
  payload: Uint8Array | null;
}

/** Serf `messageQueryResponse` (flags 1 = ack). */
export interface SerfQueryResponse {
  lTime: number;
  id: number;
  from: string;
  flags: number;
  payload: Uint8Array | null;
}

/** Serf relay header: where a relay node forwards the inner message. */
export interface SerfRelayHeader {
  destAddr: { ip: Uint8Array; port: number; zone: string };
  destName: string;
}

/** A decoded query filter. */
export type SerfFilter = { type: 'node'; nodes: string[] } | { type: 'tag'; tag: string; expr: string };

/** Serf `Member` as carried in a conflict response. `status`: 0 none,1 alive,2 leaving,3 left,4 failed. */
export interface SerfMember {
  name: string;
  addr: Uint8Array;
  port: number;
  tags: Map<string, string>;
  status: number;
  protocolMin: number;
  protocolMax: number;
  protocolCur: number;
  delegateMin: number;
  delegateMax: number;
  delegateCur: number;
}

/** Serf `keyRequest` (payload of key-management queries, after the 07 prefix). */
export interface SerfKeyRequest {
  key: Uint8Array;
}

/** Serf `keyResponse` (after the 08 prefix). */
export interface SerfKeyResponse {
  result: boolean;
  message: string;
  keys: string[] | null;
  primaryKey: string;
}

/** One decoded Serf message (the body of a memberlist user message). */
export type SerfMessage =
  | { type: 'leave'; body: SerfLeave }
  | { type: 'join'; body: SerfJoin }
  | { type: 'pushPull'; body: SerfPushPull }
  | { type: 'userEvent'; body: SerfUserEvent }
  | { type: 'query'; body: SerfQuery }
  | { type: 'queryResponse'; body: SerfQueryResponse }
  | { type: 'relay'; header: SerfRelayHeader; inner: Uint8Array };

/**
 * Serf's Vivaldi network coordinate (serf: coordinate/coordinate.go), carried in ack payloads as
 * `01 | msgpack Coordinate`. Serf agents start at Error 1.5, Height 1e-5 and an 8-dimension zero Vec.
 */
export interface SerfCoordinate {
  vec: number[];
  error: number;
  adjustment: number;
  height: number;
}
