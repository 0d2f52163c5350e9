import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { DecodeError, GossipError } from '../../src/wire/errors.js';
import {
  Keyring,
  decryptPayload,
  encryptPayload,
  encryptedLength,
  keyFromBase64,
  keyToBase64,
} from '../../src/wire/keyring.js';
import { fromHex, loadVectors, toHex } from '../helpers/wire-vectors.js';

const k = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);

test('the first key is primary; adding keeps it; use moves a key to the front', () => {
  const ring = new Keyring([k(32, 1), k(16, 2)]);
  assert.deepEqual(ring.primary(), k(32, 1));
  assert.equal(ring.add(k(24, 3)), true);
  assert.equal(ring.add(k(16, 2)), false);
  assert.deepEqual(ring.keys(), [k(32, 1), k(16, 2), k(24, 3)]);
  ring.use(k(24, 3));
  assert.deepEqual(ring.keys(), [k(24, 3), k(32, 1), k(16, 2)]);
  assert.equal(ring.size, 3);
});

test('removing the primary or using an unknown key is refused with GP_ERR_KEYRING; nothing changes', () => {
  const ring = new Keyring([k(32, 1), k(32, 2)]);
  assert.throws(
    () => ring.remove(k(32, 1)),
    (e: unknown) => e instanceof GossipError && e.code === 'GP_ERR_KEYRING',
  );
  assert.throws(
    () => ring.use(k(32, 9)),
    (e: unknown) => e instanceof GossipError && e.code === 'GP_ERR_KEYRING',
  );
  assert.deepEqual(ring.keys(), [k(32, 1), k(32, 2)]);
  assert.equal(ring.remove(k(32, 2)), true);
  assert.equal(ring.remove(k(32, 2)), false);
  assert.deepEqual(ring.keys(), [k(32, 1)]);
});

test('only 16, 24 and 32-byte keys are accepted', () => {
  for (const n of [0, 8, 15, 17, 31, 33, 64]) {
    assert.throws(
      () => new Keyring([k(n, 1)]),
      (e: unknown) => e instanceof GossipError && e.code === 'GP_ERR_KEYRING',
    );
  }
  assert.throws(() => new Keyring([]), GossipError);
  assert.throws(() => keyFromBase64('not base64!'), GossipError);
  assert.throws(() => keyFromBase64('AAAA'), GossipError);
});

test('a key survives base64 and back', () => {
  const key = keyFromBase64('W73oJMj3ie7NiYRhxJlVZBb3eN6nKBmNvgG1xQKPEYo=');
  assert.equal(key.length, 32);
  assert.equal(keyToBase64(key), 'W73oJMj3ie7NiYRhxJlVZBb3eN6nKBmNvgG1xQKPEYo=');
});

test('keys are copied in: mutating the caller array does not change the keyring', () => {
  const key = k(16, 5);
  const ring = new Keyring([key]);
  key.fill(0);
  assert.deepEqual(ring.primary(), k(16, 5));
});

test('versions 0 and 1 round-trip with every key size, with and without AAD', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(16, 24, 32),
      fc.constantFrom(0 as const, 1 as const),
      fc.uint8Array({ maxLength: 200 }),
      fc.option(fc.uint8Array({ minLength: 5, maxLength: 5 }), { nil: undefined }),
      (size, version, plain, aad) => {
        const key = new Uint8Array(randomBytes(size));
        const sealed = encryptPayload(version, key, new Uint8Array(randomBytes(12)), plain, aad);
        assert.equal(sealed.length, encryptedLength(version, plain.length));
        assert.deepEqual(decryptPayload([k(size, 0), key], sealed, aad), plain);
      },
    ),
    { numRuns: 300 },
  );
});

test('a sealed message opens with no other key, no wrong AAD and no flipped bit', () => {
  const key = k(32, 7);
  const sealed = encryptPayload(1, key, k(12, 1), new TextEncoder().encode('hello'), k(5, 9));
  assert.throws(() => decryptPayload([k(32, 8)], sealed, k(5, 9)), /No installed keys could decrypt/);
  assert.throws(() => decryptPayload([key], sealed, k(5, 8)), DecodeError);
  assert.throws(() => decryptPayload([key], sealed), DecodeError);
  for (let i = 1; i < sealed.length; i++) {
    const bad = sealed.slice();
    bad[i]! ^= 1;
    assert.throws(() => decryptPayload([key], bad, k(5, 9)), DecodeError);
  }
});

test("unknown versions and short payloads are refused with Go's messages", () => {
  assert.throws(
    () => decryptPayload([k(32, 1)], new Uint8Array([2, ...k(40, 0)])),
    /Unsupported encryption version 2/,
  );
  assert.throws(() => decryptPayload([k(32, 1)], new Uint8Array(28).fill(1)), /too small to decrypt: 28/);
  assert.throws(() => decryptPayload([k(32, 1)], new Uint8Array(44).fill(0)), /too small to decrypt: 44/);
  assert.throws(() => decryptPayload([k(32, 1)], new Uint8Array(0)), DecodeError);
});

test('every captured encrypted packet opens with its recorded key and reseals to the same bytes', () => {
  let n = 0;
  for (const v of loadVectors()) {
    if (v.key === null) continue;
    const key = keyFromBase64(v.key);
    const d = v.layerDetails[0] as { nonceHex: string; aadHex?: string };
    const bytes = fromHex(v.hex);
    const aad = d.aadHex === undefined ? undefined : fromHex(d.aadHex);
    const sealed = aad === undefined ? bytes : bytes.subarray(5);
    const plain = decryptPayload([k(32, 0), key], sealed, aad);
    assert.equal(toHex(plain), v.plaintextHex, v.name);
    assert.equal(toHex(encryptPayload(1, key, fromHex(d.nonceHex), plain, aad)), toHex(sealed), v.name);
    n++;
  }
  assert.ok(n >= 16);
});
