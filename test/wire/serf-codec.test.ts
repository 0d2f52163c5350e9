import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError, TooLargeError } from '../../src/wire/errors.js';
import { decodeMessage } from '../../src/wire/memberlist-codec.js';
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
  encodeSerfUserMessage,
} from '../../src/wire/serf-codec.js';
import { decodeTags, encodeTags } from '../../src/wire/tags.js';
import { filter, keyResponse, member, serfMessage, tags } from '../helpers/wire-arbitraries.js';
import { fromHex, toHex } from '../helpers/wire-vectors.js';

test('every Serf message survives encode then decode unchanged', () => {
  fc.assert(
    fc.property(serfMessage, (m) => {
      assert.deepEqual(decodeSerf(encodeSerf(m)), m);
    }),
    { numRuns: 1500 },
  );
});

test('a Serf message wrapped as a memberlist user message decodes to the same Serf bytes', () => {
  fc.assert(
    fc.property(serfMessage, (m) => {
      const user = decodeMessage(encodeSerfUserMessage(m));
      assert.equal(user.type, 'user');
      assert.deepEqual(user.body, encodeSerf(m));
    }),
    { numRuns: 300 },
  );
});

test('filters, tags, key requests and responses, conflict members and coordinates round-trip', () => {
  fc.assert(fc.property(filter, (f) => assert.deepEqual(decodeFilter(encodeFilter(f)), f)));
  fc.assert(
    fc.property(tags, (t) => {
      let bytes: Uint8Array;
      try {
        bytes = encodeTags(t);
      } catch (e) {
        assert.ok(e instanceof TooLargeError);
        return;
      }
      assert.deepEqual(decodeTags(bytes), t);
    }),
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), (key) =>
      assert.deepEqual(decodeKeyRequest(encodeKeyRequest({ key })), { key }),
    ),
  );
  fc.assert(fc.property(keyResponse, (r) => assert.deepEqual(decodeKeyResponse(encodeKeyResponse(r)), r)));
  fc.assert(
    fc.property(fc.option(member, { nil: null }), (m) =>
      assert.deepEqual(decodeConflictResponse(encodeConflictResponse(m)), m),
    ),
  );
  fc.assert(
    fc.property(
      fc.record({
        vec: fc.array(fc.double({ noNaN: true }), { maxLength: 8 }),
        error: fc.double({ noNaN: true }),
        adjustment: fc.double({ noNaN: true }),
        height: fc.double({ noNaN: true }),
      }),
      (c) => assert.deepEqual(decodeCoordinatePayload(encodeCoordinatePayload(c)), { ...c }),
    ),
  );
});

test('the conflict response captured in the reference (§13.15) decodes and re-encodes exactly', () => {
  const hex =
    '068ba441646472a47f000001ab44656c656761746543757205ab44656c65676174654d617805ab44656c65676174654d696e02a44e616d65a161a4506f7274cd461aab50726f746f636f6c43757202ab50726f746f636f6c4d617805ab50726f746f636f6c4d696e01a6537461747573' +
    '01a45461677381a4726f6c65a3776562';
  const m = decodeConflictResponse(fromHex(hex));
  assert.deepEqual(m, {
    name: 'a',
    addr: new Uint8Array([127, 0, 0, 1]),
    port: 17946,
    tags: new Map([['role', 'web']]),
    status: 1,
    protocolMin: 1,
    protocolMax: 5,
    protocolCur: 2,
    delegateMin: 2,
    delegateMax: 5,
    delegateCur: 5,
  });
  assert.equal(toHex(encodeConflictResponse(m)), hex);
  assert.equal(toHex(encodeConflictResponse(null)), '06c0');
  assert.equal(decodeConflictResponse(fromHex('06c0')), null);
});

test('tags keep their order, an empty set is ff 80, and legacy meta is the role tag', () => {
  assert.equal(toHex(encodeTags({ dc: 'east', role: 'web' })), 'ff82a26463a465617374a4726f6c65a3776562');
  assert.equal(
    toHex(
      encodeTags(
        new Map([
          ['role', 'web'],
          ['dc', 'east'],
        ]),
      ),
    ),
    'ff82a4726f6c65a3776562a26463a465617374',
  );
  assert.equal(toHex(encodeTags({})), 'ff80');
  assert.deepEqual(decodeTags(new Uint8Array(0)), new Map([['role', '']]));
  assert.deepEqual(decodeTags(new TextEncoder().encode('web')), new Map([['role', 'web']]));
  assert.throws(() => decodeTags(fromHex('ff')), DecodeError);
  assert.throws(() => decodeTags(fromHex('ff81a1')), DecodeError);
});

test('tags above 512 encoded bytes are refused with TooLargeError', () => {
  assert.throws(() => encodeTags({ big: 'x'.repeat(520) }), TooLargeError);
  assert.equal(encodeTags({ k: 'x'.repeat(505) }).length, 512);
});

test('types carried only inside payloads, unknown types and empty input are not Serf messages', () => {
  for (const t of [6, 7, 8, 10, 255]) assert.throws(() => decodeSerf(new Uint8Array([t, 0x80])), DecodeError);
  assert.throws(() => decodeSerf(new Uint8Array(0)), DecodeError);
  assert.throws(() => decodeFilter(fromHex('0290')), /unrecognized filter type/);
  assert.throws(() => decodeKeyRequest(fromHex('0881a34b6579a0')), DecodeError);
  assert.throws(() => decodeCoordinatePayload(fromHex('0280')), /Unsupported ping version/);
});

test('a push-pull state from Go with 512 mostly-nil event slots keeps every slot', () => {
  const events = new Array(512).fill(null);
  events[3] = { lTime: 3, events: [{ name: 'deploy', payload: new TextEncoder().encode('x') }] };
  const body = {
    lTime: 2,
    statusLTimes: new Map([['a', 1]]),
    leftMembers: [],
    eventLTime: 4,
    events,
    queryLTime: 1,
  };
  const bytes = encodeSerf({ type: 'pushPull', body });
  assert.equal(toHex(bytes.subarray(0, 1)), '02');
  assert.ok(toHex(bytes).includes('a64576656e7473dc0200c0c0c0'));
  assert.deepEqual(decodeSerf(bytes), { type: 'pushPull', body });
});
