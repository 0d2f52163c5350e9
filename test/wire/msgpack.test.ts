import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError, EncodeError } from '../../src/wire/errors.js';
import {
  Reader,
  Writer,
  arrayOf,
  bytes,
  field,
  struct,
  text,
  u16,
  u32,
  utf8Encode,
} from '../../src/wire/msgpack.js';
import { fromHex, toHex } from '../helpers/wire-vectors.js';

function enc(f: (w: Writer) => void): string {
  const w = new Writer(4);
  f(w);
  return toHex(w.toBytes());
}

test('integers take the smallest go-msgpack form whatever their Go type', () => {
  assert.equal(
    enc((w) => w.uint(0)),
    '00',
  );
  assert.equal(
    enc((w) => w.uint(127)),
    '7f',
  );
  assert.equal(
    enc((w) => w.uint(128)),
    'cc80',
  );
  assert.equal(
    enc((w) => w.uint(17946)),
    'cd461a',
  );
  assert.equal(
    enc((w) => w.uint(3_000_000_000)),
    'ceb2d05e00',
  );
  assert.equal(
    enc((w) => w.uint(2 ** 32)),
    'cf0000000100000000',
  );
  assert.equal(
    enc((w) => w.int(-1)),
    'ff',
  );
  assert.equal(
    enc((w) => w.int(-33)),
    'd0df',
  );
  assert.equal(
    enc((w) => w.int(-129)),
    'd1ff7f',
  );
  assert.equal(
    enc((w) => w.int(-40000)),
    'd2ffff63c0',
  );
  assert.equal(
    enc((w) => w.int(-(2 ** 40))),
    'd3ffffff0000000000',
  );
});

test('strings and byte slices use fixstr then str16, never str8 or bin', () => {
  assert.equal(enc((w) => w.bytes(new Uint8Array(31))).slice(0, 2), 'bf');
  assert.equal(enc((w) => w.bytes(new Uint8Array(32))).slice(0, 6), 'da0020');
  assert.equal(enc((w) => w.text('x'.repeat(44))).slice(0, 6), 'da002c');
  assert.equal(enc((w) => w.bytes(new Uint8Array(70000))).slice(0, 10), 'db00011170');
  assert.equal(
    enc((w) => w.text('é')),
    'a2c3a9',
  );
  assert.equal(
    enc((w) => w.text('😀')),
    'a4f09f9880',
  );
});

test('containers switch from fix form to 16-bit form at 16 entries', () => {
  assert.equal(
    enc((w) => w.arrayHeader(15)),
    '9f',
  );
  assert.equal(
    enc((w) => w.arrayHeader(512)),
    'dc0200',
  );
  assert.equal(
    enc((w) => w.mapHeader(16)),
    'de0010',
  );
  assert.equal(
    enc((w) => w.arrayHeader(70000)),
    'dd00011170',
  );
});

test('the writer refuses values its Go type cannot hold', () => {
  assert.throws(() => enc((w) => w.uint(-1)), EncodeError);
  assert.throws(() => enc((w) => w.uint(1.5)), EncodeError);
  assert.throws(() => enc((w) => u16.encode(w, 70000)), EncodeError);
  assert.throws(() => enc((w) => w.text(7 as unknown as string)), EncodeError);
});

interface Pair {
  a: number;
  b: string;
  raw: Uint8Array;
}
const PAIR = struct<Pair>(
  'pair',
  [field('Zeta', 'a', u32), field('Alpha', 'b', text), field('Raw', 'raw', bytes)],
  () => ({ a: 0, b: '', raw: new Uint8Array(0) }),
);

test('a struct encodes as a map with keys sorted by byte value', () => {
  const hex = enc((w) => PAIR.encode(w, { a: 1, b: 'x', raw: new Uint8Array([0xff]) }));
  // Alpha, Raw, Zeta — sorted, not declaration order.
  assert.equal(hex, '83' + 'a5416c706861a178' + 'a3526177a1ff' + 'a45a657461' + '01');
});

test('a struct decodes from a map in any order, skipping unknown keys', () => {
  const w = new Writer();
  w.mapHeader(4);
  w.text('Zeta');
  w.uint(9);
  w.text('Unknown');
  w.mapHeader(1);
  w.text('deep');
  w.arrayHeader(2);
  w.nil();
  w.float64(1.5);
  w.text('Alpha');
  w.text('yo');
  w.text('zeta'); // keys are case-sensitive: this one is unknown
  w.uint(5);
  const v = PAIR.decode(new Reader(w.toBytes()));
  assert.deepEqual(v, { a: 9, b: 'yo', raw: new Uint8Array(0) });
});

test('a struct decodes from an array in Go declaration order, extra elements ignored', () => {
  const w = new Writer();
  w.arrayHeader(4);
  w.uint(3); // Zeta (declared first)
  w.text('s'); // Alpha
  w.bytes(new Uint8Array([1, 2])); // Raw
  w.text('extra');
  assert.deepEqual(PAIR.decode(new Reader(w.toBytes())), { a: 3, b: 's', raw: new Uint8Array([1, 2]) });
});

test('nil decodes as the zero value for structs, strings, numbers and bytes', () => {
  assert.deepEqual(PAIR.decode(new Reader(fromHex('c0'))), { a: 0, b: '', raw: new Uint8Array(0) });
  assert.deepEqual(PAIR.decode(new Reader(fromHex('83a4416c706861c0a3526177c0a45a657461c0'))), {
    a: 0,
    b: '',
    raw: new Uint8Array(0),
  });
});

test('byte fields accept str8, bin8/16 and arrays of small integers, as go-msgpack does', () => {
  assert.deepEqual(new Reader(fromHex('d903010203')).bytes(), new Uint8Array([1, 2, 3]));
  assert.deepEqual(new Reader(fromHex('c4020a0b')).bytes(), new Uint8Array([10, 11]));
  assert.deepEqual(new Reader(fromHex('c500020a0b')).bytes(), new Uint8Array([10, 11]));
  assert.deepEqual(new Reader(fromHex('9601050202cc0505')).bytes(), new Uint8Array([1, 5, 2, 2, 5, 5]));
  assert.equal(new Reader(fromHex('c0')).bytesOrNull(), null);
  assert.deepEqual(new Reader(fromHex('a0')).bytesOrNull(), new Uint8Array(0));
});

test('string fields accept str8 but refuse bin, which Go cannot decode into a string', () => {
  assert.equal(new Reader(fromHex('d9026869')).text(), 'hi');
  assert.throws(() => new Reader(fromHex('c4026869')).text(), DecodeError);
});

test('unsigned fields refuse negative and overflowing values; any integer width is accepted', () => {
  assert.equal(new Reader(fromHex('cf0000000000000005')).uint(255), 5);
  assert.equal(new Reader(fromHex('d005')).uint(255), 5);
  assert.throws(() => new Reader(fromHex('ff')).uint(255), DecodeError);
  assert.throws(() => new Reader(fromHex('cd0100')).uint(255), DecodeError);
  assert.throws(() => new Reader(fromHex('cfffffffffffffffff')).uint(Number.MAX_SAFE_INTEGER), DecodeError);
});

test('booleans accept 0 and 1 as go-msgpack does', () => {
  assert.equal(new Reader(fromHex('01')).bool(), true);
  assert.equal(new Reader(fromHex('00')).bool(), false);
  assert.throws(() => new Reader(fromHex('02')).bool(), DecodeError);
});

test('skipping a deeply nested value neither recurses nor overflows the stack', () => {
  const depth = 200_000;
  const buf = new Uint8Array(depth + 1).fill(0x91);
  buf[depth] = 0x01;
  const r = new Reader(buf);
  r.skip();
  assert.equal(r.pos, buf.length);
  const cut = new Reader(buf.subarray(0, depth));
  assert.throws(() => cut.skip(), DecodeError);
});

test('a container announcing more values than bytes left is refused before any allocation', () => {
  assert.throws(() => arrayOf(u32).decode(new Reader(fromHex('ddffffffff01'))), DecodeError);
  assert.throws(() => new Reader(fromHex('dfffffffff')).skip(), DecodeError);
});

test('arbitrary bytes through the reader give values or DecodeError, nothing else', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
      for (const read of [
        (r: Reader) => r.skip(),
        (r: Reader) => PAIR.decode(r),
        (r: Reader) => r.text(),
        (r: Reader) => r.bytesOrNull(),
        (r: Reader) => r.float(),
      ]) {
        try {
          read(new Reader(b));
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
        }
      }
    }),
    { numRuns: 3000 },
  );
});

test('strings round-trip through UTF-8, including astral characters', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), (s) => {
      const w = new Writer(2);
      w.text(s);
      const b = w.toBytes();
      assert.deepEqual(b.subarray(b.length - utf8Encode(s).length), new Uint8Array(Buffer.from(s, 'utf8')));
      assert.equal(new Reader(b).text(), s);
    }),
  );
});

test('integers round-trip through every width', () => {
  fc.assert(
    fc.property(fc.maxSafeInteger(), (n) => {
      const w = new Writer(2);
      w.int(n);
      const r = new Reader(w.toBytes());
      assert.equal(r.int(), n);
      assert.equal(r.remaining(), 0);
    }),
  );
});
