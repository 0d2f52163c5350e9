import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { splitCompound, writeCompound } from '../../src/wire/compound.js';
import { crc32 } from '../../src/wire/crc32.js';
import { DecodeError, EncodeError } from '../../src/wire/errors.js';
import { Writer } from '../../src/wire/msgpack.js';
import { fromHex, loadVectors } from '../helpers/wire-vectors.js';

test('compound parts come back in order with nothing truncated', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 127 }),
      (parts) => {
        const w = new Writer();
        writeCompound(w, parts);
        const bytes = w.toBytes();
        assert.equal(bytes[0], 7);
        const { parts: got, truncated } = splitCompound(bytes.subarray(1));
        assert.equal(truncated, 0);
        assert.deepEqual(
          got.map((p) => Array.from(p)),
          parts.map((p) => Array.from(p)),
        );
      },
    ),
  );
});

test('a cut compound keeps its complete parts and counts the truncated ones, as Go does', () => {
  const w = new Writer();
  writeCompound(w, [new Uint8Array([1, 1]), new Uint8Array([2, 2, 2]), new Uint8Array([3])]);
  const full = w.toBytes().subarray(1);
  const cut = splitCompound(full.subarray(0, full.length - 2)); // the last byte of part 2 and part 3 missing
  assert.deepEqual(
    cut.parts.map((p) => Array.from(p)),
    [[1, 1]],
  );
  assert.equal(cut.truncated, 2);
  assert.throws(() => splitCompound(new Uint8Array(0)), DecodeError);
  assert.throws(() => splitCompound(new Uint8Array([2, 0, 1])), DecodeError);
});

test('the writer refuses what crashes a v0.2.2 receiver: empty parts and 128+ parts', () => {
  assert.throws(() => writeCompound(new Writer(), [new Uint8Array([1]), new Uint8Array(0)]), EncodeError);
  assert.throws(
    () =>
      writeCompound(
        new Writer(),
        Array.from({ length: 128 }, () => new Uint8Array([1])),
      ),
    EncodeError,
  );
  assert.throws(() => writeCompound(new Writer(), []), EncodeError);
  assert.throws(() => writeCompound(new Writer(), [new Uint8Array(65536)]), EncodeError);
});

test('crc32 matches the checksum in every captured CRC-wrapped packet', () => {
  let checked = 0;
  for (const v of loadVectors()) {
    const i = v.layers.indexOf('crc');
    if (i < 0) continue;
    const bytes = fromHex(v.plaintextHex ?? v.hex);
    assert.equal(bytes[0], 12);
    const want = ((bytes[1]! << 24) | (bytes[2]! << 16) | (bytes[3]! << 8) | bytes[4]!) >>> 0;
    assert.equal(crc32(bytes, 5), want, v.name);
    checked++;
  }
  assert.ok(checked >= 10);
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
});
