import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SeededRandom } from '../../src/core/random.js';
import { DecodeError } from '../../src/wire/errors.js';
import { Keyring } from '../../src/wire/keyring.js';
import { MAX_STREAM_BYTES } from '../../src/wire/limits.js';
import { encodeMessage, encodeStreamMessage } from '../../src/wire/memberlist-codec.js';
import type { Message } from '../../src/wire/messages.js';
import { openStream, sealStream, streamFrameLength } from '../../src/wire/stream.js';
import { message } from '../helpers/wire-arbitraries.js';
import { fromHex } from '../helpers/wire-vectors.js';

const random = new SeededRandom(2);
const ring = new Keyring([new Uint8Array(24).fill(1)]);

test('every message survives a stream in every framing', () => {
  fc.assert(
    fc.property(message, fc.boolean(), fc.boolean(), (m, compress, encrypt) => {
      const keyring = encrypt ? ring : null;
      const bytes = sealStream(encodeStreamMessage(m), { compress, keyring }, random);
      assert.equal(streamFrameLength(bytes), bytes.length);
      assert.deepEqual(openStream(bytes, keyring), m);
    }),
    { numRuns: 800 },
  );
});

test('the frame length is undefined at every split point until the message is complete', () => {
  fc.assert(
    fc.property(
      message,
      fc.boolean(),
      fc.boolean(),
      fc.uint8Array({ maxLength: 8 }),
      (m, compress, encrypt, extra) => {
        const keyring = encrypt ? ring : null;
        const bytes = sealStream(encodeStreamMessage(m), { compress, keyring }, random);
        for (let cut = 0; cut < bytes.length; cut++) {
          assert.equal(
            streamFrameLength(bytes.subarray(0, cut)),
            undefined,
            `cut at ${cut} of ${bytes.length}`,
          );
        }
        const withNext = new Uint8Array(bytes.length + extra.length);
        withNext.set(bytes);
        withNext.set(extra, bytes.length);
        assert.equal(streamFrameLength(withNext), bytes.length);
      },
    ),
    { numRuns: 150 },
  );
});

test('a push-pull frame ends after its node states and user state', () => {
  const pp: Message = {
    type: 'pushPull',
    body: {
      join: true,
      nodes: [
        {
          name: 'a',
          addr: new Uint8Array([127, 0, 0, 1]),
          port: 1,
          meta: new Uint8Array([0xff, 0x80]),
          incarnation: 1,
          state: 0,
          vsn: new Uint8Array([1, 5, 2, 2, 5, 5]),
        },
      ],
      userState: new Uint8Array([2, 0x80, 0xc0]),
    },
  };
  const bytes = encodeMessage(pp);
  assert.equal(streamFrameLength(bytes), bytes.length);
  assert.equal(streamFrameLength(bytes.subarray(0, bytes.length - 1)), undefined);
});

test("encryption on both sides or neither: mixed streams are refused with Go's reasons", () => {
  const plain = sealStream(
    encodeMessage({ type: 'nack', body: { seqNo: 1 } }),
    { compress: false, keyring: null },
    random,
  );
  assert.throws(() => openStream(plain, ring), /Encryption is configured but remote state is not encrypted/);
  const sealed = sealStream(
    encodeMessage({ type: 'nack', body: { seqNo: 1 } }),
    { compress: false, keyring: ring },
    random,
  );
  assert.throws(() => openStream(sealed, null), /Remote state is encrypted and encryption is not configured/);
  assert.throws(() => openStream(sealed, new Keyring([new Uint8Array(24).fill(2)])), DecodeError);
});

test('an encrypted stream announcing more than 20 MiB is refused from its header alone', () => {
  const len = MAX_STREAM_BYTES + 1;
  const header = new Uint8Array([10, len >>> 24, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff]);
  assert.throws(() => streamFrameLength(header), /larger than limit/);
  assert.throws(() => streamFrameLength(fromHex('0a00000005')), DecodeError);
});

test('unknown or framing-only first bytes are refused at once', () => {
  for (const t of [7, 12, 14, 0xff])
    assert.throws(() => streamFrameLength(new Uint8Array([t, 0x80])), /invalid msgType/);
  // compress inside compress is not a valid stream (Go reads one compress layer)
  const twice = sealStream(
    sealStream(
      encodeMessage({ type: 'nack', body: { seqNo: 1 } }),
      { compress: true, keyring: null },
      random,
    ),
    { compress: true, keyring: null },
    random,
  );
  assert.throws(() => openStream(twice, null), DecodeError);
});

test('a plain stream whose msgpack claims more than 20 MiB is garbage, not a wait', () => {
  // ping with a str32 key of 2^31 bytes
  assert.throws(() => streamFrameLength(fromHex('0081db80000000')), DecodeError);
  assert.equal(streamFrameLength(fromHex('0081db00000010')), undefined);
});
