import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatAddress } from '../../src/core/io.js';
import { formatSeed, parseSeed, parseSeedList, seedAddresses } from '../../src/core/seeds.js';
import { InternalError } from '../../src/wire/errors.js';

const at = (ip: string, port: number) => ({ kind: 'address', address: { ip, port } });

test('a seed is ip:port, [v6]:port, or a bare IP on port 7946 unless a port is required', () => {
  assert.deepEqual(parseSeed('10.0.0.5:7000'), at('10.0.0.5', 7000));
  assert.deepEqual(parseSeed('[::1]:12000'), at('::1', 12000));
  assert.deepEqual(parseSeed('10.0.0.5'), at('10.0.0.5', 7946));
  assert.deepEqual(parseSeed('fe80::1:2'), at('fe80::1:2', 7946));
  assert.deepEqual(parseSeed('10.0.0.5', { defaultPort: 9 }), at('10.0.0.5', 9));
  assert.match(parseSeed('10.0.0.5', { defaultPort: null }) as string, /"10.0.0.5" has no port/);
});

test('a seed names what is wrong with it: not an IP, bad port, port 0', () => {
  assert.equal(
    parseSeed('seed.example.com:7946'),
    '"seed.example.com:7946" is not an IP address (expected IP:PORT, e.g. 127.0.0.1:7946 or [::1]:7946)',
  );
  assert.equal(parseSeed('1.2.3.4:x'), '"1.2.3.4:x" has an invalid port');
  assert.equal(parseSeed('1.2.3.4:70000'), '"1.2.3.4:70000" has a port above 65535');
  assert.equal(parseSeed('1.2.3.4:0'), '"1.2.3.4:0" has port 0');
  assert.match(parseSeed('') as string, /is not an IP address/);
});

test('host names become name seeds only when asked for, and must be valid names', () => {
  assert.deepEqual(parseSeed('seed.example.com:7000', { names: true }), {
    kind: 'name',
    host: 'seed.example.com',
    port: 7000,
  });
  assert.deepEqual(parseSeed('seed.example.com.', { names: true }), {
    kind: 'name',
    host: 'seed.example.com',
    port: 7946,
  });
  assert.deepEqual(parseSeed('_serf._tcp.example.com', { names: true }), {
    kind: 'name',
    host: '_serf._tcp.example.com',
    port: 7946,
  });
  assert.deepEqual(parseSeed('10.0.0.5:1', { names: true }), at('10.0.0.5', 1), 'an IP stays an address');
  for (const bad of ['-a.example', 'a..b', 'a b', `${'x'.repeat(64)}.com`, 'ex!ample'])
    assert.match(parseSeed(bad, { names: true }) as string, /is not an IP address/, bad);
});

test('every IP address and port in text form parses to that address and prints back the same', () => {
  fc.assert(
    fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), fc.integer({ min: 1, max: 65535 }), (ip, port) => {
      const text = formatAddress({ ip, port });
      const s = parseSeed(text);
      assert.deepEqual(s, at(ip, port));
      assert.equal(formatSeed(s as never), text);
    }),
    { numRuns: 500 },
  );
});

test('a seed list reports every bad entry by index (options) or by flag (repeated flags)', () => {
  const r = parseSeedList(['10.0.0.1:1', 'nope', 5, '10.0.0.2'], { where: 'join' });
  assert.deepEqual(r.seeds, [at('10.0.0.1', 1), at('10.0.0.2', 7946)]);
  assert.deepEqual(r.problems, [
    'join[1]: "nope" is not an IP address (expected IP:PORT, e.g. 127.0.0.1:7946 or [::1]:7946)',
    'join[2]: must be IP:PORT',
  ]);
  const f = parseSeedList(['1.2.3.4:0'], { where: '--join', indexed: false });
  assert.deepEqual(f.problems, ['--join: "1.2.3.4:0" has port 0']);
  assert.deepEqual(parseSeedList('1.2.3.4:5', { where: 'join' }).problems, [
    'join: must be a list of IP:PORT',
  ]);
});

test('API callers may list addresses and parsed seeds, checked as strictly as text', () => {
  const r = parseSeedList(
    [
      { ip: '::1', port: 5 },
      at('10.0.0.1', 6),
      { ip: 'localhost', port: 5 },
      { ip: '10.0.0.1', port: 0 },
      {},
    ],
    { where: 'seeds', objects: true },
  );
  assert.deepEqual(r.seeds, [at('::1', 5), at('10.0.0.1', 6)]);
  assert.equal(r.problems.length, 3);
  assert.match(r.problems[0]!, /^seeds\[2\]: "localhost:5" is not an IP address/);
  assert.equal(r.problems[1], 'seeds[3]: "10.0.0.1:0" has port 0');
  assert.equal(r.problems[2], 'seeds[4]: must be IP:PORT');
  assert.deepEqual(
    parseSeedList([{ kind: 'name', host: 'a.example', port: 1 }], { where: 's', objects: true }).problems,
    ['s[0]: "a.example:1" is not an IP address (expected IP:PORT, e.g. 127.0.0.1:7946 or [::1]:7946)'],
    'a name seed is refused where names are not accepted',
  );
  assert.deepEqual(parseSeedList([at('10.0.0.1', 6)], { where: 's' }).problems, ['s[0]: must be IP:PORT']);
});

test('seedAddresses gives the addresses; a name seed reaching it is a bug', () => {
  assert.deepEqual(seedAddresses([at('10.0.0.1', 6) as never]), [{ ip: '10.0.0.1', port: 6 }]);
  assert.throws(
    () => seedAddresses([{ kind: 'name', host: 'a.example', port: 1 }]),
    (e: unknown) => e instanceof InternalError && e.code === 'GP_ERR_INTERNAL',
  );
});
