import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import fc from 'fast-check';
import { DecodeError, EncodeError } from '../../src/wire/errors.js';
import { canonicalIp, ipEquals, ipFromBytes, ipToBytes, parseIp } from '../../src/wire/ip.js';

test('IPv4 text becomes 4 wire bytes and back', () => {
  assert.deepEqual(ipToBytes('127.0.0.1'), new Uint8Array([127, 0, 0, 1]));
  assert.equal(ipFromBytes(new Uint8Array([10, 0, 0, 5])), '10.0.0.5');
});

test('an IPv4-mapped 16-byte address reads as plain IPv4 and equals its 4-byte form', () => {
  const mapped = ipToBytes('::ffff:127.0.0.1');
  assert.equal(mapped.length, 16);
  assert.equal(ipFromBytes(mapped), '127.0.0.1');
  assert.deepEqual(canonicalIp(mapped), new Uint8Array([127, 0, 0, 1]));
  assert.ok(ipEquals(mapped, ipToBytes('127.0.0.1')));
  assert.ok(!ipEquals(mapped, ipToBytes('127.0.0.2')));
});

test('IPv6 text becomes 16 bytes and is written back in RFC 5952 form', () => {
  assert.equal(ipFromBytes(ipToBytes('::1')), '::1');
  assert.equal(ipFromBytes(ipToBytes('2001:DB8:0:0:1:0:0:1')), '2001:db8::1:0:0:1');
  assert.equal(ipFromBytes(ipToBytes('fe80::')), 'fe80::');
  assert.equal(ipFromBytes(ipToBytes('1:2:3:4:5:6:7:8')), '1:2:3:4:5:6:7:8');
  assert.equal(ipFromBytes(ipToBytes('1:0:3:4:5:6:7:8')), '1:0:3:4:5:6:7:8');
});

test('text that is not an IP address is refused', () => {
  for (const bad of [
    '',
    'localhost',
    '1.2.3',
    '1.2.3.256',
    '01.2.3.4',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    'fe80::1%eth0',
    '[::1]',
    ':::',
  ]) {
    assert.equal(parseIp(bad), undefined, bad);
    assert.throws(() => ipToBytes(bad), EncodeError);
  }
});

test('wire IPs of a length other than 4 or 16 are a DecodeError', () => {
  assert.throws(() => ipFromBytes(new Uint8Array(5)), DecodeError);
  assert.throws(() => ipFromBytes(new Uint8Array(0)), DecodeError);
});

test('any 4 or 16 wire bytes survive text and back, and the text is what node:net accepts', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
      ),
      (b) => {
        const s = ipFromBytes(b);
        assert.notEqual(isIP(s), 0);
        assert.ok(ipEquals(ipToBytes(s), b));
      },
    ),
    { numRuns: 2000 },
  );
});
