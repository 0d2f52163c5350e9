/** Test helpers: build and read packets with wire's codec (the same path the core uses). */
import { MsgType, type Message, type PushNodeState } from '../../src/wire/messages.js';
import { Writer } from '../../src/wire/msgpack.js';
import {
  ALIVE,
  PUSH_NODE_STATE,
  encodeMessage,
  encodeStreamMessage,
} from '../../src/wire/memberlist-codec.js';
import { openPacket, sealPacket } from '../../src/wire/packet.js';
import { openStream, sealStream } from '../../src/wire/stream.js';
import { SeededRandom } from '../../src/core/random.js';

const rnd = new SeededRandom(99);

/** Plain packet bytes holding `msgs` (compound if several). */
export function packet(...msgs: Message[]): Uint8Array {
  return sealPacket(
    msgs.map((m) => encodeMessage(m)),
    { compress: false, crc: false, keyring: null },
    rnd,
  );
}

/** A plain stream request holding `msg`. */
export function stream(msg: Message): Uint8Array {
  return sealStream(encodeStreamMessage(msg), { compress: false, keyring: null }, rnd);
}

/** Every message inside a packet. */
export function messagesOf(bytes: Uint8Array): Message[] {
  return openPacket(bytes, null).messages;
}

/** The message of a stream. */
export function streamMessage(bytes: Uint8Array): Message {
  return openStream(bytes, null);
}

/** memberlist Vsn of serf 0.9.4. */
export const VSN = Uint8Array.from([1, 5, 2, 2, 5, 5]);

/** 127.0.0.1 as wire bytes. */
export const LOOPBACK = Uint8Array.from([127, 0, 0, 1]);

/**
 * Like {@link packet} but without wire's sender-side checks: lets tests send what a hostile or
 * broken peer could (e.g. an alive with a 3-byte Vsn, which crashes memberlist 0.2.2).
 */
export function rawPacket(...msgs: Message[]): Uint8Array {
  const parts = msgs.map((m) => {
    if (m.type !== 'alive') return encodeMessage(m);
    const w = new Writer();
    w.u8(MsgType.alive);
    ALIVE.encode(w, m.body);
    return w.toBytes();
  });
  return sealPacket(parts, { compress: false, crc: false, keyring: null }, rnd);
}

/** A plain push-pull stream whose node states are not checked (malformed Vsn allowed). */
export function rawPushPull(join: boolean, nodes: PushNodeState[]): Uint8Array {
  const w = new Writer();
  w.u8(MsgType.pushPull);
  w.mapHeader(3);
  w.text('Join');
  w.bool(join);
  w.text('Nodes');
  w.uint(nodes.length);
  w.text('UserStateLen');
  w.uint(0);
  for (const n of nodes) PUSH_NODE_STATE.encode(w, n);
  return w.toBytes();
}
