import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError } from '../../src/wire/errors.js';
import { lzwCompress, lzwDecompress } from '../../src/wire/lzw.js';
import { fromHex, loadVectors, toHex } from '../helpers/wire-vectors.js';

const LIMIT = 1 << 20;

/** The codes of an LSB LZW stream, read with Go's width rules (to compare with the captured code lists). */
function codesOf(buf: Uint8Array): number[] {
  const codes: number[] = [];
  let width = 9;
  let hi = 257;
  let overflow = 512;
  let last = -1;
  let bits = 0;
  let nBits = 0;
  let i = 0;
  for (;;) {
    while (nBits < width) {
      bits |= buf[i++]! << nBits;
      nBits += 8;
    }
    const code = bits & ((1 << width) - 1);
    bits >>>= width;
    nBits -= width;
    codes.push(code);
    if (code === 257) return codes;
    if (code === 256) {
      width = 9;
      hi = 257;
      overflow = 512;
      last = -1;
      continue;
    }
    last = code;
    hi++;
    if (hi >= overflow) {
      if (width === 12) {
        hi--;
        last = -1;
      } else {
        width++;
        overflow <<= 1;
      }
    }
    void last;
  }
}

const lzwVectors = loadVectors().flatMap((v) =>
  v.layerDetails
    .filter((d: { layer: string }) => d.layer === 'compress-lzw')
    .map((d: { bufHex: string; lzwCodes: number[] }) => ({
      name: v.name,
      buf: d.bufHex,
      codes: d.lzwCodes,
      plain: v.decompressedHex!,
    })),
);

test('the vectors hold at least the 12 captured LZW payloads of the reference (17 today)', () => {
  assert.ok(lzwVectors.length >= 12, String(lzwVectors.length));
});

for (const v of lzwVectors) {
  test(`LZW of ${v.name}: compressing the plaintext gives Go's bytes exactly, and they decompress back`, () => {
    const plain = fromHex(v.plain);
    assert.equal(toHex(lzwCompress(plain)), v.buf);
    assert.deepEqual(codesOf(fromHex(v.buf)), v.codes);
    assert.equal(toHex(lzwDecompress(fromHex(v.buf), LIMIT)), v.plain);
  });
}

test('random and repetitive data up to 70 kB round-trip, including past the 4095-code reset', () => {
  const chunky = fc
    .array(fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 400 })), {
      maxLength: 40,
    })
    .map((runs) => {
      const parts: number[] = [];
      for (const [b, n] of runs) for (let i = 0; i < n && parts.length < 70_000; i++) parts.push(...b);
      return new Uint8Array(parts.slice(0, 70_000));
    });
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 70_000 }), chunky), (data) => {
      const c = lzwCompress(data);
      assert.deepEqual(lzwDecompress(c, LIMIT), data);
    }),
    { numRuns: 120 },
  );
});

test('70 kB of random bytes compress through several clear-code resets and come back', () => {
  const data = new Uint8Array(70_000);
  let x = 12345;
  for (let i = 0; i < data.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    data[i] = x >>> 24;
  }
  const c = lzwCompress(data);
  const clears = codesOf(c).filter((code) => code === 256).length;
  assert.ok(clears >= 10, `expected many resets, got ${clears}`);
  assert.deepEqual(lzwDecompress(c, LIMIT), data);
});

test('empty input compresses to a clear and an end code, as Go writes it', () => {
  const c = lzwCompress(new Uint8Array(0));
  assert.deepEqual(codesOf(c), [256, 257]);
  assert.equal(lzwDecompress(c, LIMIT).length, 0);
});

test('a stream without a leading clear code is accepted', () => {
  const c = lzwCompress(new TextEncoder().encode('abcabcabcabc'));
  // Drop the leading 9-bit clear code by re-packing the codes without it.
  const codes = codesOf(c).slice(1);
  const out: number[] = [];
  let bits = 0;
  let nBits = 0;
  let width = 9;
  let hi = 257;
  for (const code of codes) {
    bits |= code << nBits;
    nBits += width;
    while (nBits >= 8) {
      out.push(bits & 0xff);
      bits >>>= 8;
      nBits -= 8;
    }
    if (++hi >= 1 << width && width < 12) width++;
  }
  if (nBits > 0) out.push(bits & 0xff);
  assert.equal(new TextDecoder().decode(lzwDecompress(new Uint8Array(out), LIMIT)), 'abcabcabcabc');
});

test('a stream that ends without its end code, or has an invalid code, is a DecodeError', () => {
  const c = lzwCompress(new TextEncoder().encode('hello hello hello'));
  assert.throws(() => lzwDecompress(c.subarray(0, c.length - 2), LIMIT), DecodeError);
  // clear, then code 300 (undefined right after a clear)
  assert.throws(() => lzwDecompress(new Uint8Array([0x00, 0x59, 0x02]), LIMIT), DecodeError);
  assert.throws(() => lzwDecompress(new Uint8Array(0), LIMIT), DecodeError);
});

test('output beyond the limit is a DecodeError, not an allocation', () => {
  const bomb = lzwCompress(new Uint8Array(2_000_000));
  assert.ok(bomb.length < 30_000);
  assert.throws(() => lzwDecompress(bomb, LIMIT), DecodeError);
  assert.equal(lzwDecompress(bomb, 2_000_000).length, 2_000_000);
});

test('arbitrary bytes decompress to a value or a DecodeError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
      try {
        lzwDecompress(b, 4096);
      } catch (e) {
        assert.ok(e instanceof DecodeError);
      }
    }),
    { numRuns: 5000 },
  );
});
