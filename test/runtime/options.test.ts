import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveNodeConfig, defaultNodeName } from '../../src/runtime/options.js';
import { ConfigError } from '../../src/wire/errors.js';

test('defaults: bind 0.0.0.0:7946, lan profile, no seeds, no keys, three join attempts', () => {
  const o = resolveNodeConfig({ bind: '127.0.0.1:0' });
  assert.deepEqual(o.bind, { ip: '127.0.0.1', port: 0 });
  assert.equal(o.advertiseIp, '127.0.0.1');
  assert.equal(o.advertisePort, undefined);
  assert.equal(o.profile, 'lan');
  assert.deepEqual(o.join, []);
  assert.deepEqual(o.keys, []);
  assert.equal(o.joinAttempts, 3);
  assert.deepEqual(resolveNodeConfig({}).bind, { ip: '0.0.0.0', port: 7946 });
});

test('IPv6 bind, advertise with and without a port, seeds with default port', () => {
  const o = resolveNodeConfig({
    bind: '[::1]:7000',
    advertise: '10.1.2.3',
    join: ['[::1]:7001', '127.0.0.1'],
  });
  assert.deepEqual(o.bind, { ip: '::1', port: 7000 });
  assert.equal(o.advertiseIp, '10.1.2.3');
  assert.equal(o.advertisePort, undefined);
  assert.deepEqual(o.join, [
    { kind: 'address', address: { ip: '::1', port: 7001 } },
    { kind: 'address', address: { ip: '127.0.0.1', port: 7946 } },
  ]);
  const p = resolveNodeConfig({ bind: '127.0.0.1:0', advertise: '192.0.2.7:9000' });
  assert.equal(p.advertisePort, 9000);
});

test('an encryption key is accepted as base64 or bytes, an array as a keyring with the first key primary', () => {
  const k1 = Buffer.alloc(32, 1).toString('base64');
  const k2 = new Uint8Array(16).fill(2);
  const o = resolveNodeConfig({ bind: '127.0.0.1:0', encryptKey: [k1, k2] });
  assert.equal(o.keys.length, 2);
  assert.deepEqual([...o.keys[0]!], Array(32).fill(1));
  assert.deepEqual([...o.keys[1]!], Array(16).fill(2));
});

test('bad options are all reported in one ConfigError', () => {
  let caught: unknown;
  try {
    resolveNodeConfig({
      name: '',
      bind: 'localhost:99999',
      advertise: '0.0.0.0',
      join: ['nowhere', '127.0.0.1:70000'],
      tags: { ok: 'yes', bad: 7 as unknown as string },
      encryptKey: ['not base64!', new Uint8Array(5)],
      profile: 'moon' as 'lan',
      joinAttempts: 0,
      logger: { info: () => {} } as never,
      colour: 'blue',
    } as never);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ConfigError, 'a ConfigError');
  assert.equal(caught.code, 'GP_ERR_CONFIG');
  const text = caught.problems.join('\n');
  for (const key of [
    'colour',
    'name',
    'bind',
    'advertise',
    'join[0]',
    'join[1]',
    'tags.bad',
    'encryptKey[0]',
    'encryptKey[1]',
    'profile',
    'joinAttempts',
    'logger',
  ]) {
    assert.ok(
      caught.problems.some((p) => p.startsWith(`${key}:`)),
      `a problem for ${key} in:\n${text}`,
    );
  }
});

test('the default name is the hostname and port, stable per port', () => {
  assert.equal(defaultNodeName(12000), defaultNodeName(12000));
  assert.notEqual(defaultNodeName(12000), defaultNodeName(12001));
  assert.match(defaultNodeName(12000), /-12000$/);
});
