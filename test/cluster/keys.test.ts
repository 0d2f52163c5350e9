import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyResponseTally, answerKeyQuery, fitKeyList } from '../../src/cluster/keys.js';
import { Keyring } from '../../src/wire/keyring.js';

const K1 = Buffer.from('W73oJMj3ie7NiYRhxJlVZBb3eN6nKBmNvgG1xQKPEYo=', 'base64');
const K2 = Buffer.from('qwYa6rwrvHlvBlf1T0XmcPVCY10FjL8lXbDjddgi4vo=', 'base64');

test('install, use and remove rotate the keyring as memberlist does', () => {
  const ring = new Keyring([K1]);
  assert.deepEqual(answerKeyQuery('install-key', { key: K2 }, ring), {
    result: true,
    message: '',
    keys: null,
    primaryKey: '',
  });
  assert.deepEqual(answerKeyQuery('install-key', { key: K2 }, ring).result, true); // idempotent
  assert.equal(ring.keys().length, 2);
  assert.deepEqual(Buffer.from(ring.primary()), K1); // install keeps the primary
  assert.equal(answerKeyQuery('use-key', { key: K2 }, ring).result, true);
  assert.deepEqual(Buffer.from(ring.primary()), K2);
  const list = answerKeyQuery('list-keys', 'invalid', ring);
  assert.deepEqual(list.keys, [K2.toString('base64'), K1.toString('base64')]);
  assert.equal(list.primaryKey, K2.toString('base64'));
  assert.deepEqual(answerKeyQuery('remove-key', { key: K2 }, ring), {
    result: false,
    message: 'Removing the primary key is not allowed',
    keys: null,
    primaryKey: '',
  });
  assert.equal(answerKeyQuery('remove-key', { key: K1 }, ring).result, true);
  assert.equal(ring.keys().length, 1);
});

test("key queries fail with Serf's messages for bad keys and when encryption is off", () => {
  const ring = new Keyring([K1]);
  assert.equal(
    answerKeyQuery('install-key', { key: new Uint8Array(5) }, ring).message,
    'key size must be 16, 24 or 32 bytes',
  );
  assert.equal(answerKeyQuery('use-key', { key: K2 }, ring).message, 'Requested key is not in the keyring');
  assert.equal(
    answerKeyQuery('install-key', { key: K2 }, null).message,
    'No keyring to modify (encryption not enabled)',
  );
  assert.equal(
    answerKeyQuery('list-keys', { key: new Uint8Array(0) }, null).message,
    'Keyring is empty (encryption not enabled)',
  );
  assert.equal(answerKeyQuery('install-key', 'invalid', ring).result, false);
});

test('a list-keys answer that does not fit is truncated with a message', () => {
  const keys = Array.from({ length: 50 }, (_, i) => `key${i}`);
  const r = fitKeyList(
    { result: true, message: '', keys, primaryKey: 'key0' },
    1024,
    (x) => (x.keys?.length ?? 0) <= 3,
  );
  assert.deepEqual(r?.keys, ['key0', 'key1', 'key2']);
  assert.equal(r?.message, 'truncated key list response, showing first 3 of 50 keys');
  assert.equal(
    fitKeyList({ result: true, message: '', keys, primaryKey: '' }, 1024, () => false),
    null,
  );
});

test('a key operation succeeds only when every alive node answered with success', () => {
  const ok = new KeyResponseTally(2);
  ok.add('a', { result: true, message: '', keys: ['x'], primaryKey: 'x' });
  assert.equal(ok.done(), false);
  ok.add('b', { result: true, message: '', keys: ['x', 'y'], primaryKey: 'x' });
  assert.equal(ok.done(), true);
  assert.deepEqual(ok.result().keys, { x: 2, y: 1 });
  assert.equal(ok.result().ok, true);
  const missing = new KeyResponseTally(3);
  missing.add('a', { result: true, message: '', keys: null, primaryKey: '' });
  assert.equal(missing.result().error, '1/3 nodes reported success');
  const failed = new KeyResponseTally(2);
  failed.add('a', { result: false, message: 'nope', keys: null, primaryKey: '' });
  failed.add('b', 'invalid');
  assert.equal(failed.result().error, '2/2 nodes reported failure');
  assert.deepEqual(failed.result().messages, { a: 'nope', b: 'Invalid key query response' });
});
