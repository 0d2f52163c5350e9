import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { writeCompound } from '../../src/wire/compound.js';
import { compressMessage } from '../../src/wire/compress.js';
import { DecodeError, EncodeError } from '../../src/wire/errors.js';
import { Keyring } from '../../src/wire/keyring.js';
import { MAX_PACKET_MESSAGES } from '../../src/wire/limits.js';
import { encodeMessage } from '../../src/wire/memberlist-codec.js';
import type { Message } from '../../src/wire/messages.js';
import { Writer } from '../../src/wire/msgpack.js';
import { openPacket, sealPacket } from '../../src/wire/packet.js';
import { SeededRandom } from '../../src/core/random.js';
import { udpMessage } from '../helpers/wire-arbitraries.js';

const random = new SeededRandom(1);
const ring = new Keyring([new Uint8Array(32).fill(3), new Uint8Array(16).fill(4)]);
const ping = (seqNo: number): Message => ({ type: 'ping', body: { seqNo, node: 'b' } });

test('any messages survive seal then open, with or without compression, CRC and encryption', () => {
  fc.assert(
    fc.property(
      fc.array(udpMessage, { minLength: 1, maxLength: 12 }),
      fc.boolean(),
      fc.boolean(),
      fc.boolean(),
      (msgs, compress, crc, encrypt) => {
        const keyring = encrypt ? ring : null;
        const parts = msgs.map((m) => encodeMessage(m));
        const packet = sealPacket(parts, { compress, crc, keyring }, random);
        const { messages, errors } = openPacket(packet, keyring);
        assert.deepEqual(errors, []);
        assert.deepEqual(messages, msgs);
      },
    ),
    { numRuns: 600 },
  );
});

test('compression is used on UDP only when it makes the packet strictly smaller', () => {
  const small = sealPacket([encodeMessage(ping(1))], { compress: true, crc: false, keyring: null }, random);
  assert.equal(small[0], 0, 'a lone ping does not shrink: sent plain');
  const big: Message = { type: 'user', body: new Uint8Array(600).fill(65) };
  const packed = sealPacket([encodeMessage(big)], { compress: true, crc: false, keyring: null }, random);
  assert.equal(packed[0], 9);
  assert.ok(packed.length < 600);
});

test('a packet sealed with one key opens with a keyring holding it anywhere, and not without it', () => {
  const sealed = sealPacket([encodeMessage(ping(5))], { compress: false, crc: true, keyring: ring }, random);
  const other = new Keyring([new Uint8Array(32).fill(9), new Uint8Array(32).fill(3)]);
  assert.deepEqual(openPacket(sealed, other).messages, [ping(5)]);
  assert.throws(() => openPacket(sealed, new Keyring([new Uint8Array(32).fill(9)])), DecodeError);
  const plain = sealPacket([encodeMessage(ping(5))], { compress: false, crc: false, keyring: null }, random);
  assert.throws(() => openPacket(plain, ring), DecodeError, 'encryption on: plaintext is dropped');
});

test('a CRC mismatch makes the whole packet unusable', () => {
  const p = sealPacket([encodeMessage(ping(1))], { compress: false, crc: true, keyring: null }, random);
  p[p.length - 1]! ^= 0xff;
  assert.throws(() => openPacket(p, null), /invalid checksum/);
});

test('a truncated compound keeps its complete parts and reports the cut ones', () => {
  const w = new Writer();
  writeCompound(w, [encodeMessage(ping(1)), encodeMessage(ping(2)), encodeMessage(ping(3))]);
  const full = w.toBytes();
  const { messages, errors } = openPacket(full.subarray(0, full.length - 3), null);
  assert.deepEqual(messages, [ping(1), ping(2)]);
  assert.equal(errors.length, 1);
  assert.match(errors[0]!.message, /1 truncated messages/);
});

test('a bad part is an error entry and the other parts are kept', () => {
  const w = new Writer();
  writeCompound(w, [
    encodeMessage(ping(1)),
    new Uint8Array([0, 0xc1]),
    new Uint8Array([6, 0x80]),
    encodeMessage(ping(4)),
  ]);
  const { messages, errors } = openPacket(w.toBytes(), null);
  assert.deepEqual(messages, [ping(1), ping(4)]);
  assert.equal(errors.length, 2);
  assert.ok(errors.every((e) => e instanceof DecodeError));
  assert.match(errors[1]!.message, /msg type \(6\) not supported/);
});

test('compound and compress nest and recurse, within the depth bound', () => {
  let inner = encodeMessage(ping(7));
  for (let i = 0; i < 4; i++) {
    const w = new Writer();
    writeCompound(w, [inner]);
    inner = compressMessage(w.toBytes());
  }
  assert.deepEqual(openPacket(inner, null).messages, [ping(7)]);
  for (let i = 0; i < 10; i++) {
    const w = new Writer();
    writeCompound(w, [inner]);
    inner = w.toBytes();
  }
  const deep = openPacket(inner, null);
  assert.equal(deep.messages.length, 0);
  assert.match(deep.errors[0]!.message, /nested too deeply/);
});

test('a packet multiplying parts through nesting is capped in messages reported', () => {
  const leaf = encodeMessage({ type: 'nack', body: { seqNo: 1 } });
  const w1 = new Writer();
  writeCompound(
    w1,
    Array.from({ length: 100 }, () => leaf),
  );
  const level1 = w1.toBytes();
  const w2 = new Writer();
  writeCompound(
    w2,
    Array.from({ length: 40 }, () => level1),
  );
  const { messages, errors } = openPacket(w2.toBytes(), null);
  assert.equal(messages.length + errors.length, MAX_PACKET_MESSAGES + 1);
  assert.equal(errors.length, 1);
});

test('sealing refuses what crashes memberlist 0.2.2', () => {
  const opts = { compress: false, crc: false, keyring: null };
  assert.throws(() => sealPacket([], opts, random), EncodeError);
  assert.throws(() => sealPacket([new Uint8Array(0)], opts, random), EncodeError);
  assert.throws(() => sealPacket([encodeMessage(ping(1)), new Uint8Array(0)], opts, random), EncodeError);
  assert.throws(
    () =>
      sealPacket(
        Array.from({ length: 128 }, () => encodeMessage(ping(1))),
        opts,
        random,
      ),
    EncodeError,
  );
});

test('an empty packet or an empty decrypted payload is unusable', () => {
  assert.throws(() => openPacket(new Uint8Array(0), null), DecodeError);
  assert.throws(() => openPacket(new Uint8Array(0), ring), DecodeError);
});
