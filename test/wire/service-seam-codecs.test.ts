import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError, TooLargeError } from '../../src/wire/errors.js';
import {
  decodeMetaExtension,
  decodeNodeMeta,
  encodeNodeMeta,
  NO_EXTENSION,
} from '../../src/wire/node-meta.js';
import {
  SERVICE_MESSAGE_TYPE,
  decodeServiceFrame,
  encodeServiceFrame,
} from '../../src/wire/service-frame.js';
import { decodeTags, encodeTags } from '../../src/wire/tags.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('node meta without services is byte for byte Serf tags', () => {
  const tags = { dc: 'east', role: 'web' };
  // The capture in the reference: tags {dc: east, role: web}.
  assert.equal(hex(encodeNodeMeta(tags)), 'ff82a26463a465617374a4726f6c65a3776562');
  assert.equal(hex(encodeNodeMeta(tags, NO_EXTENSION)), hex(encodeTags(tags)));
});

test('node meta with services appends one map after the tags, which a tags decoder ignores', () => {
  const meta = encodeNodeMeta({ role: 'web' }, { services: new Map([['kv', 1]]) });
  // ff, {role: web}, then {svc: {kv: 1}}.
  assert.equal(hex(meta), 'ff81a4726f6c65a3776562' + '81a3737663' + '81a26b7601');
  assert.deepEqual([...decodeTags(meta)], [['role', 'web']]);
  assert.deepEqual([...decodeMetaExtension(meta).services], [['kv', 1]]);
  const { tags, ext } = decodeNodeMeta(meta);
  assert.deepEqual([...tags], [['role', 'web']]);
  assert.equal(ext.services.get('kv'), 1);
});

test('an extension key we do not know is skipped; a bad extension advertises nothing', () => {
  const tags = encodeTags({});
  // {zz: [1, 2], svc: {a: 3}}
  const withUnknown = Uint8Array.from([
    ...tags,
    0x82,
    0xa2,
    0x7a,
    0x7a,
    0x92,
    1,
    2,
    0xa3,
    0x73,
    0x76,
    0x63,
    0x81,
    0xa1,
    0x61,
    3,
  ]);
  assert.deepEqual([...decodeMetaExtension(withUnknown).services], [['a', 3]]);
  // A version that does not fit uint8, a truncated map, legacy role meta, empty meta.
  const bad = [
    Uint8Array.from([...tags, 0x81, 0xa3, 0x73, 0x76, 0x63, 0x81, 0xa1, 0x61, 0xcd, 1, 0]),
    Uint8Array.from([...tags, 0x81, 0xa3, 0x73]),
    new TextEncoder().encode('legacy-role'),
    new Uint8Array(0),
  ];
  for (const b of bad) assert.equal(decodeMetaExtension(b), NO_EXTENSION);
});

test('tags and services above 512 bytes together are refused', () => {
  const tags = { big: 'x'.repeat(490) };
  assert.ok(encodeNodeMeta(tags).length <= 512);
  assert.throws(
    () =>
      encodeNodeMeta(tags, {
        services: new Map([
          ['kv', 1],
          ['balance', 1],
        ]),
      }),
    (e: unknown) => e instanceof TooLargeError && /service capabilities exceeds limit of 512/.test(e.message),
  );
});

test('property: the extension decoder never throws, whatever follows the tags', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (tail) => {
      const meta = Uint8Array.from([...encodeTags({ a: 'b' }), ...tail]);
      const ext = decodeMetaExtension(meta);
      assert.ok(ext.services instanceof Map);
      assert.deepEqual([...decodeTags(meta)], [['a', 'b']]);
    }),
  );
});

test('property: service frames round-trip', () => {
  fc.assert(
    fc.property(
      fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/),
      fc.integer({ min: 0, max: 255 }),
      fc.string({ maxLength: 40 }),
      fc.uint8Array({ maxLength: 100 }),
      (service, type, from, body) => {
        const b = encodeServiceFrame({ service, type, from, body });
        assert.equal(b[0], SERVICE_MESSAGE_TYPE);
        const f = decodeServiceFrame(b);
        assert.deepEqual({ ...f, body: [...f.body] }, { service, type, from, body: [...body] });
      },
    ),
  );
});

test('property: hostile service frames decode or raise DecodeError, nothing else', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (tail) => {
      try {
        decodeServiceFrame(Uint8Array.from([SERVICE_MESSAGE_TYPE, ...tail]));
      } catch (e) {
        assert.ok(e instanceof DecodeError, String(e));
      }
    }),
  );
  assert.throws(() => encodeServiceFrame({ service: 'Bad', type: 1, from: 'a', body: new Uint8Array() }));
  assert.throws(() => encodeServiceFrame({ service: 'ok', type: 256, from: 'a', body: new Uint8Array() }));
});
