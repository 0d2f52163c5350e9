import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import fc from 'fast-check';
import { ipFamily, parseHostPort } from '../../src/core/host-port.js';

test('ipFamily agrees with node:net isIP on addresses, address-like text and garbage', () => {
  const samples = [
    '127.0.0.1',
    '0.0.0.0',
    '::',
    '::1',
    '::ffff:127.0.0.1',
    'fe80::1%eth0',
    '1:2:3:4:5:6:7:8',
  ];
  samples.push('127.0.0.1:7946', '[::1]:7946', 'localhost', '', ':', '1.2.3', '1.2.3.256', ':::', 'g::1');
  for (const s of samples) assert.equal(ipFamily(s), isIP(s), s);
  fc.assert(
    fc.property(
      fc.oneof(
        fc.ipV4(),
        fc.ipV6(),
        fc.string(),
        fc.stringMatching(/^[0-9a-f:.%[\]]{0,20}$/),
        fc.tuple(fc.ipV4(), fc.nat(70000)).map(([ip, p]) => `${ip}:${p}`),
      ),
      (s) => ipFamily(s) === isIP(s),
    ),
    { numRuns: 2000 },
  );
});

test('parseHostPort reads ip:port, [v6]:port and bare addresses, and names what is wrong', () => {
  assert.deepEqual(parseHostPort('127.0.0.1:7946'), { ip: '127.0.0.1', port: 7946 });
  assert.deepEqual(parseHostPort('[::1]:12000'), { ip: '::1', port: 12000 });
  assert.deepEqual(parseHostPort('::1', 7946), { ip: '::1', port: 7946 });
  assert.deepEqual(parseHostPort('fe80::1:2', 7946), { ip: 'fe80::1:2', port: 7946 });
  assert.deepEqual(parseHostPort('10.0.0.1', 7946), { ip: '10.0.0.1', port: 7946 });
  assert.match(parseHostPort('10.0.0.1') as string, /has no port/);
  assert.match(parseHostPort('localhost:7946') as string, /is not an IP address/);
  assert.match(parseHostPort('1.2.3.4:x') as string, /invalid port/);
  assert.match(parseHostPort('1.2.3.4:70000') as string, /above 65535/);
});
