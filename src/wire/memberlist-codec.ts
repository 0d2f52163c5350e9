/**
 * Encode/decode of single memberlist 0.2.2 messages: one type byte, then the msgpack body of the Go
 * struct (memberlist: net.go), or for push-pull the header, the node states and the raw user state.
 * Framing layers (compound, compress, CRC, encryption) live in packet.ts and stream.ts.
 *
 * Struct schemas list fields in Go declaration order (that order matters only for array-encoded
 * input); the encoder sorts keys by name as go-msgpack does.
 */

import { DecodeError, EncodeError } from './errors.js';
import { MAX_PUSH_PULL_NODES, MAX_STREAM_BYTES } from './limits.js';
import type {
  Ack,
  Alive,
  Compress,
  Dead,
  ErrResp,
  IndirectPing,
  Message,
  Nack,
  Ping,
  PushNodeState,
  PushPull,
  Suspect,
} from './messages.js';
import { MsgType } from './messages.js';
import {
  EMPTY_BYTES,
  Reader,
  Writer,
  bool,
  bytes,
  field,
  i64,
  nullableBytes,
  struct,
  text,
  u16,
  u32,
  u8,
} from './msgpack.js';

// ---------------------------------------------------------------- Go struct schemas (memberlist: net.go)

/** `ping` — Source* are `codec:",omitempty"`. */
export const PING = struct<Ping>(
  'ping',
  [
    field('SeqNo', 'seqNo', u32),
    field('Node', 'node', text),
    field('SourceAddr', 'sourceAddr', bytes, true),
    field('SourcePort', 'sourcePort', u16, true),
    field('SourceNode', 'sourceNode', text, true),
  ],
  () => ({ seqNo: 0, node: '' }),
);

/** `indirectPingReq`. */
export const INDIRECT_PING = struct<IndirectPing>(
  'indirectPingReq',
  [
    field('SeqNo', 'seqNo', u32),
    field('Target', 'target', bytes),
    field('Port', 'port', u16),
    field('Node', 'node', text),
    field('Nack', 'nack', bool),
    field('SourceAddr', 'sourceAddr', bytes, true),
    field('SourcePort', 'sourcePort', u16, true),
    field('SourceNode', 'sourceNode', text, true),
  ],
  () => ({ seqNo: 0, target: EMPTY_BYTES, port: 0, node: '', nack: false }),
);

/** `ackResp`. */
export const ACK = struct<Ack>(
  'ackResp',
  [field('SeqNo', 'seqNo', u32), field('Payload', 'payload', nullableBytes)],
  () => ({ seqNo: 0, payload: null }),
);

/** `nackResp`. */
export const NACK = struct<Nack>('nackResp', [field('SeqNo', 'seqNo', u32)], () => ({ seqNo: 0 }));

/** `errResp`. */
export const ERR_RESP = struct<ErrResp>('errResp', [field('Error', 'error', text)], () => ({ error: '' }));

/** `suspect`. */
export const SUSPECT = struct<Suspect>(
  'suspect',
  [field('Incarnation', 'incarnation', u32), field('Node', 'node', text), field('From', 'from', text)],
  () => ({ incarnation: 0, node: '', from: '' }),
);

/** `dead`. */
export const DEAD = struct<Dead>(
  'dead',
  [field('Incarnation', 'incarnation', u32), field('Node', 'node', text), field('From', 'from', text)],
  () => ({ incarnation: 0, node: '', from: '' }),
);

/** `alive`. */
export const ALIVE = struct<Alive>(
  'alive',
  [
    field('Incarnation', 'incarnation', u32),
    field('Node', 'node', text),
    field('Addr', 'addr', bytes),
    field('Port', 'port', u16),
    field('Meta', 'meta', bytes),
    field('Vsn', 'vsn', bytes),
  ],
  () => ({
    incarnation: 0,
    node: '',
    addr: EMPTY_BYTES,
    port: 0,
    meta: EMPTY_BYTES,
    vsn: EMPTY_BYTES,
  }),
);

/** `pushNodeState` (note `Name`, not `Node`). */
export const PUSH_NODE_STATE = struct<PushNodeState>(
  'pushNodeState',
  [
    field('Name', 'name', text),
    field('Addr', 'addr', bytes),
    field('Port', 'port', u16),
    field('Meta', 'meta', bytes),
    field('Incarnation', 'incarnation', u32),
    field('State', 'state', i64),
    field('Vsn', 'vsn', bytes),
  ],
  () => ({
    name: '',
    addr: EMPTY_BYTES,
    port: 0,
    meta: EMPTY_BYTES,
    incarnation: 0,
    state: 0,
    vsn: EMPTY_BYTES,
  }),
);

/** `pushPullHeader`. */
interface PushPullHeader {
  nodes: number;
  userStateLen: number;
  join: boolean;
}
const PUSH_PULL_HEADER = struct<PushPullHeader>(
  'pushPullHeader',
  [field('Nodes', 'nodes', i64), field('UserStateLen', 'userStateLen', i64), field('Join', 'join', bool)],
  () => ({ nodes: 0, userStateLen: 0, join: false }),
);

/** `userMsgHeader` (stream user messages only). */
interface UserMsgHeader {
  userMsgLen: number;
}
const USER_MSG_HEADER = struct<UserMsgHeader>(
  'userMsgHeader',
  [field('UserMsgLen', 'userMsgLen', i64)],
  () => ({ userMsgLen: 0 }),
);

/** `compress`: `Algo` 0 = LZW. */
export const COMPRESS = struct<Compress>(
  'compress',
  [field('Algo', 'algo', u8), field('Buf', 'buf', bytes)],
  () => ({ algo: 0, buf: EMPTY_BYTES }),
);

// ---------------------------------------------------------------- encode

/** Vsn is indexed [0..5] by v0.2.2 receivers whenever it is non-empty: anything but 6 bytes can crash them (§15.9). */
function checkVsn(vsn: Uint8Array, who: string): void {
  if (!(vsn instanceof Uint8Array) || vsn.length !== 6) {
    throw new EncodeError(`${who}: vsn must be exactly 6 bytes (a shorter one crashes memberlist 0.2.2)`);
  }
}

/**
 * Append one message to `w`: type byte + msgpack body. A `user` message is written in its UDP form
 * (`08` + raw bytes); for a user message on a TCP stream use {@link encodeStreamMessageInto}.
 */
export function encodeMessageInto(w: Writer, msg: Message): void {
  switch (msg.type) {
    case 'ping':
      w.u8(MsgType.ping);
      PING.encode(w, msg.body);
      return;
    case 'indirectPing':
      w.u8(MsgType.indirectPing);
      INDIRECT_PING.encode(w, msg.body);
      return;
    case 'ack':
      w.u8(MsgType.ack);
      ACK.encode(w, msg.body);
      return;
    case 'nack':
      w.u8(MsgType.nack);
      NACK.encode(w, msg.body);
      return;
    case 'suspect':
      w.u8(MsgType.suspect);
      SUSPECT.encode(w, msg.body);
      return;
    case 'alive':
      checkVsn(msg.body.vsn, 'alive');
      w.u8(MsgType.alive);
      ALIVE.encode(w, msg.body);
      return;
    case 'dead':
      w.u8(MsgType.dead);
      DEAD.encode(w, msg.body);
      return;
    case 'pushPull':
      encodePushPull(w, msg.body);
      return;
    case 'user':
      if (!(msg.body instanceof Uint8Array)) throw new EncodeError('user: body must be a Uint8Array');
      w.u8(MsgType.user);
      w.raw(msg.body);
      return;
    case 'err':
      w.u8(MsgType.err);
      ERR_RESP.encode(w, msg.body);
      return;
    default:
      throw new EncodeError(`unknown message type ${(msg as { type: unknown }).type}`);
  }
}

function encodePushPull(w: Writer, p: PushPull): void {
  if (!Array.isArray(p.nodes) || !(p.userState instanceof Uint8Array)) {
    throw new EncodeError('pushPull: nodes must be an array and userState a Uint8Array');
  }
  w.u8(MsgType.pushPull);
  PUSH_PULL_HEADER.encode(w, { nodes: p.nodes.length, userStateLen: p.userState.length, join: p.join });
  for (const n of p.nodes) {
    checkVsn(n.vsn, `pushPull node ${n.name}`);
    PUSH_NODE_STATE.encode(w, n);
  }
  w.raw(p.userState);
}

/**
 * One message as bytes: the type byte, then the msgpack body (for `pushPull` the whole stream
 * body: header, node states, raw user state). Throws {@link EncodeError} for invalid values (e.g.
 * a Vsn that is not 6 bytes, an integer out of its Go type's range).
 */
export function encodeMessage(msg: Message, w: Writer = new Writer()): Uint8Array {
  w.reset();
  encodeMessageInto(w, msg);
  return w.toBytes();
}

/**
 * Append a message in its TCP stream form. Identical to {@link encodeMessageInto} except for
 * `user`, which on a stream carries a `userMsgHeader{UserMsgLen}` before the raw bytes
 * (memberlist: net.go `sendUserMsg`).
 */
export function encodeStreamMessageInto(w: Writer, msg: Message): void {
  if (msg.type !== 'user') {
    encodeMessageInto(w, msg);
    return;
  }
  if (!(msg.body instanceof Uint8Array)) throw new EncodeError('user: body must be a Uint8Array');
  w.u8(MsgType.user);
  USER_MSG_HEADER.encode(w, { userMsgLen: msg.body.length });
  w.raw(msg.body);
}

/** {@link encodeStreamMessageInto} into a fresh byte array (the input of `sealStream`). */
export function encodeStreamMessage(msg: Message, w: Writer = new Writer()): Uint8Array {
  w.reset();
  encodeStreamMessageInto(w, msg);
  return w.toBytes();
}

// ---------------------------------------------------------------- decode

/** Read a push-pull body (after its type byte): header, `Nodes` node states, `UserStateLen` bytes. */
export function readPushPull(r: Reader): PushPull {
  const h = PUSH_PULL_HEADER.decode(r);
  checkPushPullHeader(r, h);
  const nodes: PushNodeState[] = [];
  for (let i = 0; i < h.nodes; i++) nodes.push(PUSH_NODE_STATE.decode(r));
  // memberlist reads user state only when UserStateLen > 0 (net.go readRemoteState).
  const userState = h.userStateLen > 0 ? r.take(h.userStateLen) : EMPTY_BYTES;
  return { join: h.join, nodes, userState };
}

/** Skip a push-pull body (after its type byte) without building it: for stream framing. */
export function skipPushPull(r: Reader): void {
  const h = readPushPullHeader(r);
  for (let i = 0; i < h.nodes; i++) r.skip();
  if (h.userStateLen > 0) r.advance(h.userStateLen);
}

/** A push-pull header (after the type byte), its counts checked: node states and user-state bytes. */
export function readPushPullHeader(r: Reader): { nodes: number; userStateLen: number } {
  const h = PUSH_PULL_HEADER.decode(r);
  checkPushPullHeader(r, h);
  return { nodes: h.nodes, userStateLen: h.userStateLen };
}

/** A stream user message's header (after the type byte): the length of the bytes that follow (≤ 0: none). */
export function readStreamUserHeader(r: Reader): number {
  const h = USER_MSG_HEADER.decode(r);
  if (h.userMsgLen > MAX_STREAM_BYTES) throw r.error(`user message of ${h.userMsgLen} bytes too large`);
  return Math.max(0, h.userMsgLen);
}

function checkPushPullHeader(r: Reader, h: PushPullHeader): void {
  // Go makes a slice of Nodes entries: a negative count panics it; we bound it instead.
  if (h.nodes < 0 || h.nodes > MAX_PUSH_PULL_NODES)
    throw r.error(`push-pull node count ${h.nodes} out of range`);
  if (h.userStateLen > MAX_STREAM_BYTES)
    throw r.error(`push-pull user state of ${h.userStateLen} bytes too large`);
}

/** Read a stream user message body (after its type byte): header + `UserMsgLen` bytes. */
export function readStreamUser(r: Reader): Uint8Array {
  const h = USER_MSG_HEADER.decode(r);
  if (h.userMsgLen > MAX_STREAM_BYTES) throw r.error(`user message of ${h.userMsgLen} bytes too large`);
  // memberlist ignores a length <= 0 (net.go readUserMsg).
  return h.userMsgLen > 0 ? r.take(h.userMsgLen) : EMPTY_BYTES;
}

/** Skip a stream user message body (after its type byte). */
export function skipStreamUser(r: Reader): void {
  const h = USER_MSG_HEADER.decode(r);
  if (h.userMsgLen > MAX_STREAM_BYTES) throw r.error(`user message of ${h.userMsgLen} bytes too large`);
  if (h.userMsgLen > 0) r.advance(h.userMsgLen);
}

/**
 * Decode the message starting at `r.pos` whose type byte is `type` (already consumed). `user` takes
 * every remaining byte up to `r.end` (its UDP form). Throws DecodeError for framing types
 * (compound, compress, encrypt, hasCrc) and unknown types.
 */
export function readMessageBody(r: Reader, type: number): Message {
  switch (type) {
    case MsgType.ping:
      return { type: 'ping', body: PING.decode(r) };
    case MsgType.indirectPing:
      return { type: 'indirectPing', body: INDIRECT_PING.decode(r) };
    case MsgType.ack:
      return { type: 'ack', body: ACK.decode(r) };
    case MsgType.nack:
      return { type: 'nack', body: NACK.decode(r) };
    case MsgType.suspect:
      return { type: 'suspect', body: SUSPECT.decode(r) };
    case MsgType.alive:
      return { type: 'alive', body: ALIVE.decode(r) };
    case MsgType.dead:
      return { type: 'dead', body: DEAD.decode(r) };
    case MsgType.pushPull:
      return { type: 'pushPull', body: readPushPull(r) };
    case MsgType.user:
      return { type: 'user', body: r.take(r.remaining()) };
    case MsgType.err:
      return { type: 'err', body: ERR_RESP.decode(r) };
    default:
      throw new DecodeError(`message type ${type} is not a plain message`);
  }
}

/**
 * Decode one plain message (not compound, compressed, CRC-wrapped or encrypted; `user` in its UDP
 * form). Trailing bytes after the msgpack body are ignored, as Go ignores them. Byte fields of the
 * result are fresh copies, never views of `bytes`. Throws only {@link DecodeError}.
 */
export function decodeMessage(bytes: Uint8Array): Message {
  if (bytes.length === 0) throw new DecodeError('empty message: missing type byte');
  const r = new Reader(bytes, 1);
  return readMessageBody(r, bytes[0]!);
}
