/** Test helpers: build and read packets with wire's codec (the same path the core uses). */
import type { Message } from '../../src/wire/messages.js';
import { encodeMessage, encodeStreamMessage } from '../../src/wire/memberlist-codec.js';
import { openPacket, sealPacket } from '../../src/wire/packet.js';
import { openStream, sealStream } from '../../src/wire/stream.js';
import { SeededRandom } from '../../src/swim/random.js';

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
