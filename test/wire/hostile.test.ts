/**
 * Hostile input: whatever bytes arrive, every wire decoder returns a value or throws DecodeError —
 * never RangeError, TypeError or a stack overflow. 100,000 mutations of the captured packets here;
 * `npm run fuzz` runs the same harness for longer with any seed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError } from '../../src/wire/errors.js';
import { Keyring } from '../../src/wire/keyring.js';
import { openPacket } from '../../src/wire/packet.js';
import { decodeSerf } from '../../src/wire/serf-codec.js';
import { openStream, streamFrameLength } from '../../src/wire/stream.js';
import { decodeTags } from '../../src/wire/tags.js';
import { runFuzz } from '../helpers/wire-fuzz.js';

test('100,000 mutated captured packets give only values or DecodeError in every decoder', () => {
  const stats = runFuzz(20240611, 100_000);
  assert.equal(stats.inputs, 100_000);
});

test('uniformly random bytes give only values or DecodeError', () => {
  const ring = new Keyring([new Uint8Array(32)]);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
      for (const f of [
        () => openPacket(b, null),
        () => openPacket(b, ring),
        () => openStream(b, null),
        () => openStream(b, ring),
        () => streamFrameLength(b),
        () => decodeSerf(b),
        () => decodeTags(b),
      ]) {
        try {
          f();
        } catch (e) {
          assert.ok(e instanceof DecodeError, String(e));
        }
      }
    }),
    { numRuns: 5000 },
  );
});
