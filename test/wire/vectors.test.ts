/**
 * One test per captured serf packet (test/vectors/index.json): it must open through all its layers
 * to the captured fields, and our encoder plus the same layers must give the captured bytes back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyFromBase64, Keyring } from '../../src/wire/keyring.js';
import { decodeMessage, encodeMessage } from '../../src/wire/memberlist-codec.js';
import type { Message } from '../../src/wire/messages.js';
import { openPacket, sealPacket } from '../../src/wire/packet.js';
import { openStream, sealStream, streamFrameLength } from '../../src/wire/stream.js';
import { fromHex, jsonToMessage, loadVectors, toHex } from '../helpers/wire-vectors.js';
import type { Vector } from '../helpers/wire-vectors.js';

/** A Random that hands out the nonce recorded in the vector. */
function recordedNonce(v: Vector): { bytes(n: number): Uint8Array } {
  const d = v.layerDetails[0] as { nonceHex?: string };
  return {
    bytes: (n) => {
      assert.equal(n, 12);
      assert.ok(d.nonceHex !== undefined, 'only encrypted vectors need a nonce');
      return fromHex(d.nonceHex);
    },
  };
}

function keyringOf(v: Vector): Keyring | null {
  if (v.key === null) return null;
  // A stale key first: the right one must still be found (every installed key is tried).
  return new Keyring([new Uint8Array(32).fill(0x5a), keyFromBase64(v.key)]);
}

function expectedMessages(v: Vector): unknown[] {
  return Array.isArray(v.decoded) ? v.decoded : [v.decoded];
}

const hasUser = (v: Vector): boolean =>
  expectedMessages(v).some((m) => (m as { messageName: string }).messageName === 'user');

function checkDecoded(got: Message[], v: Vector): void {
  const want = expectedMessages(v);
  assert.equal(got.length, want.length);
  got.forEach((m, i) => {
    const j = want[i] as { messageName: string };
    if (j.messageName === 'user') assert.equal(m.type, 'user');
    else assert.deepEqual(m, jsonToMessage(j));
  });
}

for (const v of loadVectors()) {
  test(`vector ${v.name} (${v.layers.join(' > ')}) decodes to its captured fields`, () => {
    const bytes = fromHex(v.hex);
    if (v.transport === 'udp') {
      const { messages, errors } = openPacket(bytes, keyringOf(v));
      assert.deepEqual(errors, []);
      checkDecoded(messages, v);
    } else {
      assert.equal(streamFrameLength(bytes), bytes.length);
      assert.equal(streamFrameLength(bytes.subarray(0, bytes.length - 1)), undefined);
      checkDecoded([openStream(bytes, keyringOf(v))], v);
    }
  });

  if (hasUser(v)) continue;
  test(`vector ${v.name} re-encodes through the same layers to the captured bytes`, () => {
    const msgs = expectedMessages(v).map((j) => jsonToMessage(j));
    const keyring = keyringOf(v);
    if (keyring !== null) keyring.use(keyFromBase64(v.key!));
    let out: Uint8Array;
    if (v.transport === 'udp') {
      // Every agent ran with compression on: sealPacket must also decide "not smaller" like Go did.
      const compress = v.capture.origin === 'serf-agent';
      out = sealPacket(
        msgs.map((m) => encodeMessage(m)),
        { compress, crc: v.layers.includes('crc'), keyring },
        recordedNonce(v),
      );
    } else {
      assert.equal(msgs.length, 1);
      out = sealStream(encodeMessage(msgs[0]!), { compress: true, keyring }, recordedNonce(v));
    }
    assert.equal(toHex(out), v.hex);
    for (const m of msgs) assert.deepEqual(decodeMessage(encodeMessage(m)), m);
  });
}
