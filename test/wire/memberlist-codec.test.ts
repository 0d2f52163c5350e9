import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError, EncodeError } from '../../src/wire/errors.js';
import {
  decodeMessage,
  encodeMessage,
  encodeStreamMessage,
  readMessageBody,
  readStreamUser,
} from '../../src/wire/memberlist-codec.js';
import type { Message } from '../../src/wire/messages.js';
import { Reader } from '../../src/wire/msgpack.js';
import { message } from '../helpers/wire-arbitraries.js';
import { fromHex, jsonToMessage, loadVectors, toHex } from '../helpers/wire-vectors.js';

// The plain (unencrypted, uncompressed, non-user) vectors: strip CRC and compound by hand here;
// the packet layer has its own vector test.
for (const v of loadVectors()) {
  const layers = v.layers.join('>');
  if (!['message', 'crc>message', 'crc>compound>message', 'compound>message'].includes(layers)) continue;
  const expected = (Array.isArray(v.decoded) ? v.decoded : [v.decoded]) as { messageName: string }[];
  if (expected.some((m) => m.messageName === 'user' || m.messageName === 'pushPull')) continue;
  test(`vector ${v.name}: every message decodes to the captured fields and re-encodes to the captured bytes`, () => {
    let bytes = fromHex(v.hex);
    if (v.layers[0] === 'crc') bytes = bytes.subarray(5);
    let parts = [bytes];
    if (bytes[0] === 7) {
      const n = bytes[1]!;
      const lens = Array.from({ length: n }, (_, i) => (bytes[2 + 2 * i]! << 8) | bytes[3 + 2 * i]!);
      let pos = 2 + 2 * n;
      parts = lens.map((l) => bytes.subarray(pos, (pos += l)));
    }
    assert.equal(parts.length, expected.length);
    parts.forEach((p, i) => {
      const want = jsonToMessage(expected[i]);
      assert.deepEqual(decodeMessage(p), want);
      assert.equal(toHex(encodeMessage(want)), toHex(p));
    });
  });
}

test('every memberlist message survives encode then decode unchanged', () => {
  fc.assert(
    fc.property(message, (m) => {
      assert.deepEqual(decodeMessage(encodeMessage(m)), m);
    }),
    { numRuns: 2000 },
  );
});

test('a stream user message carries a length header and decodes back to its body', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (body) => {
      const bytes = encodeStreamMessage({ type: 'user', body });
      assert.equal(bytes[0], 8);
      const r = new Reader(bytes, 1);
      assert.deepEqual(readStreamUser(r), body);
      assert.equal(r.remaining(), 0);
    }),
  );
});

test('a ping without Source fields omits their keys entirely, as Go omitempty does', () => {
  const hex = toHex(encodeMessage({ type: 'ping', body: { seqNo: 1001, node: 'a' } }));
  assert.equal(hex, '0082a44e6f6465a161a55365714e6fcd03e9');
  const withEmpty = toHex(
    encodeMessage({
      type: 'ping',
      body: { seqNo: 1001, node: 'a', sourceAddr: new Uint8Array(0), sourcePort: 0, sourceNode: '' },
    }),
  );
  assert.equal(withEmpty, hex);
});

test('an alive or push-pull node state whose Vsn is not 6 bytes is refused: it would crash v0.2.2', () => {
  const alive = (vsn: Uint8Array): Message => ({
    type: 'alive',
    body: { incarnation: 1, node: 'a', addr: new Uint8Array(4), port: 1, meta: new Uint8Array(0), vsn },
  });
  assert.throws(() => encodeMessage(alive(new Uint8Array(3))), EncodeError);
  assert.throws(() => encodeMessage(alive(new Uint8Array(0))), EncodeError);
  assert.doesNotThrow(() => encodeMessage(alive(new Uint8Array(6))));
});

test('an array-encoded ping (Go declaration order) decodes like the map form', () => {
  // [SeqNo 7, Node "b", SourceAddr 7f000001, SourcePort 17946, SourceNode "a"]
  const m = decodeMessage(fromHex('0095' + '07' + 'a162' + 'a47f000001' + 'cd461a' + 'a161'));
  assert.deepEqual(m, {
    type: 'ping',
    body: {
      seqNo: 7,
      node: 'b',
      sourceAddr: new Uint8Array([127, 0, 0, 1]),
      sourcePort: 17946,
      sourceNode: 'a',
    },
  });
});

test('framing types and unknown types are not plain messages', () => {
  for (const t of [7, 9, 10, 12, 14, 200]) {
    assert.throws(() => decodeMessage(new Uint8Array([t, 0x80])), DecodeError);
  }
  assert.throws(() => decodeMessage(new Uint8Array(0)), DecodeError);
  assert.throws(() => readMessageBody(new Reader(new Uint8Array([0x80])), 7), DecodeError);
});

test('a push-pull announcing more nodes or user state than it carries is a DecodeError', () => {
  // header {Join: false, Nodes: 5, UserStateLen: 0} and no node states
  assert.throws(
    () => decodeMessage(fromHex('0683a44a6f696ec2a54e6f64657305ac5573657253746174654c656e00')),
    DecodeError,
  );
  // negative node count: Go would panic in make(); we refuse it
  assert.throws(
    () => decodeMessage(fromHex('0683a44a6f696ec2a54e6f646573ffac5573657253746174654c656e00')),
    DecodeError,
  );
  // UserStateLen 10 with 2 bytes
  assert.throws(
    () => decodeMessage(fromHex('0683a44a6f696ec2a54e6f64657300ac5573657253746174654c656e0a0102')),
    DecodeError,
  );
});
