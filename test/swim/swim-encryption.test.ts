import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from './harness.js';
import { Keyring } from '../../src/wire/keyring.js';
import { openPacket } from '../../src/wire/packet.js';

const key = (b: number) => new Uint8Array(32).fill(b);

test('two nodes with the same key join and agree; every packet is encrypted', () => {
  const h = new Harness();
  h.add('a', { config: { keyring: new Keyring([key(1)]) } });
  h.add('b', { config: { keyring: new Keyring([key(1)]) } });
  h.join('b', 'a');
  const ok = h.runUntilTrue(
    () => h.aliveView('a').join() === 'a,b' && h.aliveView('b').join() === 'a,b',
    10_000,
  );
  assert.ok(ok);
  h.runFor(5_000);
  assert.ok(h.packets.length > 10);
  for (const p of h.packets) {
    assert.equal(p.bytes[0], 1, 'encryption version 1 leads every packet');
    assert.throws(
      () => openPacket(p.bytes, new Keyring([key(9)])),
      { code: 'GP_ERR_DECODE' },
      'unreadable with another key',
    );
    assert.ok(openPacket(p.bytes, new Keyring([key(1)])).messages.length > 0, 'readable with the key');
  }
  assert.equal(h.swim('a').counters.decodeErrors + h.swim('b').counters.decodeErrors, 0);
});

test('nodes with different keys, or one without a key, never agree', () => {
  for (const kb of [new Keyring([key(2)]), null]) {
    const h = new Harness();
    h.add('a', { config: { keyring: new Keyring([key(1)]) } });
    h.add('b', { config: { keyring: kb } });
    h.join('b', 'a');
    h.runFor(10_000);
    const r = h.events('b').find((e) => e.event.type === 'join-result')?.event;
    assert.ok(r?.type === 'join-result');
    assert.equal(r.contacted, 0, 'the join fails');
    assert.equal(r.errors.length, 1);
    assert.deepEqual(h.aliveView('a'), ['a']);
    assert.deepEqual(h.aliveView('b'), ['b']);
  }
});

test('a secondary key still decrypts: rotating the primary keeps the cluster together', () => {
  const h = new Harness();
  const ka = new Keyring([key(1), key(2)]);
  h.add('a', { config: { keyring: ka } });
  h.add('b', { config: { keyring: new Keyring([key(2), key(1)]) } });
  h.join('b', 'a');
  const ok = h.runUntilTrue(() => h.aliveView('a').length === 2 && h.aliveView('b').length === 2, 10_000);
  assert.ok(ok);
  h.runFor(30_000);
  for (const n of ['a', 'b']) assert.equal(h.events(n).filter((e) => e.event.type === 'suspect').length, 0);
});
