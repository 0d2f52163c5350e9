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
import {
  decodeConflictResponse,
  decodeCoordinatePayload,
  decodeFilter,
  decodeKeyRequest,
  decodeKeyResponse,
  decodeSerf,
  encodeConflictResponse,
  encodeCoordinatePayload,
  encodeFilter,
  encodeKeyRequest,
  encodeKeyResponse,
  encodeSerf,
} from '../../src/wire/serf-codec.js';
import { decodeTags, encodeTags } from '../../src/wire/tags.js';
import {
  fromHex,
  jsonToFilter,
  jsonToKeyResponse,
  jsonToMember,
  jsonToMessage,
  jsonToSerf,
  jsonToTags,
  loadVectors,
  toHex,
} from '../helpers/wire-vectors.js';
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

const encodeSerfNested = (m: Parameters<typeof encodeSerf>[0]): Uint8Array => encodeSerf(m);

/* eslint-disable @typescript-eslint/no-explicit-any -- vector JSON */

/**
 * Byte fields in the vectors may carry what they hold decoded (tags in Meta, a coordinate in an
 * ack payload, a filter, a nested Serf message): each must decode to that and re-encode exactly.
 * Returns how many such annotations were checked.
 */
function checkNested(j: any): number {
  if (j === null || typeof j !== 'object') return 0;
  let n = 0;
  if (typeof j.hex === 'string') {
    const bytes = fromHex(j.hex);
    if (j.tags !== undefined) {
      const tags = jsonToTags(j.tags);
      assert.deepEqual(decodeTags(bytes), tags);
      assert.equal(toHex(encodeTags(tags)), j.hex);
      n++;
    }
    if (j.coordinate !== undefined) {
      const c = j.coordinate;
      const want = { vec: c.Vec, error: c.Error, adjustment: c.Adjustment, height: c.Height };
      assert.deepEqual(decodeCoordinatePayload(bytes), want);
      assert.equal(toHex(encodeCoordinatePayload(want)), j.hex);
      n++;
    }
    if (j.filter !== undefined) {
      const f = jsonToFilter(j.filter);
      assert.deepEqual(decodeFilter(bytes), f);
      assert.equal(toHex(encodeFilter(f)), j.hex);
      n++;
    }
    if (j.serf !== undefined) {
      const name = j.serf.messageName as string;
      if (name === 'keyRequest') {
        const want = { key: fromHex(j.serf.body.Key.hex) };
        assert.deepEqual(decodeKeyRequest(bytes), want);
        assert.equal(toHex(encodeKeyRequest(want)), j.hex);
      } else if (name === 'keyResponse') {
        const want = jsonToKeyResponse(j.serf.body);
        assert.deepEqual(decodeKeyResponse(bytes), want);
        assert.equal(toHex(encodeKeyResponse(want)), j.hex);
      } else if (name === 'conflictResponse') {
        const want = j.serf.body === null ? null : jsonToMember(j.serf.body);
        assert.deepEqual(decodeConflictResponse(bytes), want);
        assert.equal(toHex(encodeConflictResponse(want)), j.hex);
      } else {
        const want = jsonToSerf(j.serf, encodeSerfNested);
        assert.deepEqual(decodeSerf(bytes), want);
        assert.equal(toHex(encodeSerf(want)), j.hex);
      }
      n += 1 + checkNested(j.serf);
    }
    return n;
  }
  for (const v of Object.values(j)) n += checkNested(v);
  return n;
}

function checkDecoded(got: Message[], v: Vector): void {
  const want = expectedMessages(v);
  assert.equal(got.length, want.length);
  got.forEach((m, i) => {
    const j = want[i] as any;
    if (j.messageName === 'user') {
      assert.equal(m.type, 'user');
      assert.deepEqual(decodeSerf(m.body as Uint8Array), jsonToSerf(j.serf, encodeSerfNested));
    } else {
      assert.deepEqual(m, jsonToMessage(j));
    }
  });
  checkNested(want);
}

test('the vectors annotate nested payloads that the per-vector tests check', () => {
  const total = loadVectors().reduce((n, v) => n + checkNested(v.decoded), 0);
  assert.ok(total >= 60, String(total));
});

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

  test(`vector ${v.name} re-encodes through the same layers to the captured bytes`, () => {
    const msgs = expectedMessages(v).map((j) => jsonToMessage(j, encodeSerfNested));
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
