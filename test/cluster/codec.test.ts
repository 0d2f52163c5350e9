import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as codec from '../../src/cluster/codec.js';
import { DecodeError } from '../../src/wire/errors.js';
import type { SerfMessage } from '../../src/wire/messages.js';
import {
  fromHex,
  jsonToFilter,
  jsonToKeyResponse,
  jsonToSerf,
  loadVectors,
  toHex,
  type Vector,
} from '../helpers/wire-vectors.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- walking untyped vector JSON */

/** Every object inside a vector's `decoded` tree, depth first. */
function walk(j: any, visit: (o: any) => void): void {
  if (j === null || typeof j !== 'object') return;
  visit(j);
  for (const v of Array.isArray(j) ? j : Object.values(j)) walk(v, visit);
}

/** The vector's innermost plaintext bytes (decrypted, decompressed when those layers exist). */
function innerBytes(v: Vector): Uint8Array {
  return fromHex(v.decompressedHex ?? v.plaintextHex ?? v.hex);
}

const vectors = loadVectors();

test('every Serf message captured from serf re-encodes to the exact bytes serf sent', () => {
  let checked = 0;
  for (const v of vectors) {
    const haystack = toHex(innerBytes(v));
    walk(v.decoded, (o) => {
      if (o.messageType !== 8 || o.serf === undefined) return;
      const msg = jsonToSerf(o.serf, codec.encodeSerfMessage);
      const bytes = codec.encodeSerfMessage(msg);
      assert.ok(
        haystack.includes('08' + toHex(bytes)),
        `${v.name}: ${o.serf.messageName} not found verbatim`,
      );
      // …and decodes back to the same value.
      const back = codec.decodeSerfMessage(bytes);
      assert.deepEqual(back, msg, v.name);
      checked++;
    });
  }
  assert.ok(checked >= 20, `only ${checked} Serf messages checked`);
});

test('nested Serf payloads (push-pull state, key requests/responses) decode and re-encode exactly', () => {
  let checked = 0;
  for (const v of vectors) {
    walk(v.decoded, (o) => {
      if (typeof o.hex !== 'string' || o.serf === undefined) return;
      const raw = fromHex(o.hex);
      const s = o.serf;
      if (s.messageName === 'keyResponse') {
        assert.deepEqual(codec.decodeKeyResponse(raw), jsonToKeyResponse(s.body), v.name);
        assert.equal(toHex(codec.encodeKeyResponse(jsonToKeyResponse(s.body))), o.hex, v.name);
      } else if (s.messageName === 'keyRequest') {
        assert.equal(toHex(codec.decodeKeyRequest(raw).key), s.body.Key.hex, v.name);
        assert.equal(toHex(codec.encodeKeyRequest({ key: fromHex(s.body.Key.hex) })), o.hex, v.name);
      } else {
        const msg: SerfMessage = jsonToSerf(s, codec.encodeSerfMessage);
        assert.deepEqual(codec.decodeSerfMessage(raw), msg, v.name);
        assert.equal(toHex(codec.encodeSerfMessage(msg)), o.hex, v.name);
      }
      checked++;
    });
  }
  assert.ok(checked >= 10, `only ${checked} nested payloads checked`);
});

test("tags in node meta and query filters match serf's bytes", () => {
  let tags = 0;
  let filters = 0;
  for (const v of vectors) {
    walk(v.decoded, (o) => {
      if (o.Meta?.tags !== undefined) {
        assert.deepEqual(codec.decodeTags(fromHex(o.Meta.hex)), o.Meta.tags);
        assert.equal(toHex(codec.encodeTags(o.Meta.tags)), o.Meta.hex);
        tags++;
      }
      if (typeof o.hex === 'string' && o.filter !== undefined) {
        const f = jsonToFilter(o.filter);
        assert.deepEqual(codec.decodeFilter(fromHex(o.hex)), f);
        assert.equal(toHex(codec.encodeFilter(f)), o.hex);
        filters++;
      }
    });
  }
  assert.ok(tags > 5 && filters >= 2, `tags ${tags}, filters ${filters}`);
});

test('the reference conflict response (§13.15) decodes and re-encodes exactly', () => {
  const hex =
    '068ba441646472a47f000001ab44656c6567617465437572' +
    '05ab44656c65676174654d617805ab44656c65676174654d696e02a44e616d65a161a4506f7274cd461a' +
    'ab50726f746f636f6c43757202ab50726f746f636f6c4d617805ab50726f746f636f6c4d696e01a6537461747573' +
    '01a4546167738' +
    '1a4726f6c65a3776562';
  const m = codec.decodeConflictResponse(fromHex(hex));
  assert.equal(m?.name, 'a');
  assert.equal(m?.port, 17946);
  assert.equal(m?.status, 1);
  assert.deepEqual([...(m?.tags ?? [])], [['role', 'web']]);
  assert.equal(toHex(codec.encodeConflictResponse(m)), hex);
  assert.equal(codec.decodeConflictResponse(codec.encodeConflictResponse(null)), null);
});

test('legacy meta without the 0xff magic is the role tag, as serf decodes it', () => {
  assert.deepEqual(codec.decodeTags(new Uint8Array(0)), { role: '' });
  assert.deepEqual(codec.decodeTags(new TextEncoder().encode('web')), { role: 'web' });
  assert.deepEqual(codec.decodeTags(Uint8Array.of(0xff, 0x80)), {});
  assert.deepEqual(Object.keys(codec.decodeTags(codec.encodeTags({ __proto__x: '1' }))), ['__proto__x']);
});

test('tags round-trip, including keys that collide with Object.prototype names', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.string(), fc.string(), { maxKeys: 8 }), (d) => {
      const tags: Record<string, string> = {};
      for (const [k, v] of Object.entries(d)) Object.defineProperty(tags, k, { value: v, enumerable: true });
      assert.deepEqual(Object.entries(codec.decodeTags(codec.encodeTags(tags))), Object.entries(tags));
    }),
  );
});

test('hostile bytes never decode into anything but a DecodeError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
      for (const f of [
        codec.decodeSerfMessage,
        codec.decodeFilter,
        codec.decodeKeyRequest,
        codec.decodeKeyResponse,
        codec.decodeConflictResponse,
      ]) {
        try {
          f(b);
        } catch (e) {
          assert.ok(e instanceof DecodeError, `${f.name}: ${String(e)}`);
        }
      }
      codec.decodeTags(b); // never throws
    }),
    { numRuns: 3000 },
  );
});
