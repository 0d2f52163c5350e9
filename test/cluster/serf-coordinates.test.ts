/**
 * Serf cores carry Vivaldi coordinates in their acks and learn them from their probes, as serf
 * agents do (serf ping_delegate.go), on the simulator's network with a known delay per link.
 * Seen failing on a broken build: with the delegate's `notifyPingComplete` left out, no peer
 * coordinate is ever learnt and the first test fails at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serfWorld } from './serf-world.js';
import { decodeCoordinatePayload } from '../../src/wire/serf-codec.js';

/** Four nodes on a line, one-way delay 5 ms per hop: true round trips 10, 20 and 30 ms. */
function line(opts: Parameters<typeof serfWorld>[0] = {}) {
  const w = serfWorld({ link: { delayMs: 0, jitterMs: 0 }, ...opts });
  w.add(4);
  for (let i = 0; i < 4; i++)
    for (let j = 0; j < 4; j++)
      if (i !== j) w.world.net.setLink(i, j, { delayMs: 5 * Math.abs(i - j), jitterMs: 0 });
  for (let i = 1; i < 4; i++) w.join(i, 0);
  assert.ok(w.world.runUntilTrue(() => [0, 1, 2, 3].every((i) => w.names(i).length === 4), 30_000));
  return w;
}

test('after two minutes of probing every node estimates every round trip within 3 ms of the truth', () => {
  const w = line();
  w.world.runFor(120_000);
  for (let i = 0; i < 4; i++) {
    const coords = w.serf(i).coordinates();
    assert.ok(coords !== undefined);
    for (let a = 0; a < 4; a++)
      for (let b = a + 1; b < 4; b++) {
        const est = coords.rttSeconds(w.world.name(a), w.world.name(b));
        assert.ok(est !== undefined, `node ${i} has no estimate for ${a}↔${b}`);
        const truth = 0.01 * (b - a);
        assert.ok(
          Math.abs(est - truth) <= 0.003,
          `node ${i}: ${a}↔${b} estimated ${est * 1e3} ms, truth ${truth * 1e3} ms`,
        );
      }
  }
});

test("a node's acks carry its own coordinate in serf's format: version 1 then the msgpack coordinate", () => {
  const w = line();
  w.world.runFor(30_000);
  const c = w.serf(1).coordinates();
  assert.ok(c !== undefined);
  const payload = c.ackPayload();
  assert.equal(payload[0], 1);
  const decoded = decodeCoordinatePayload(payload);
  assert.deepEqual(decoded, { ...c.self(), vec: [...c.self().vec] });
  assert.equal(decoded.vec.length, 8);
  // Another node learnt exactly that coordinate, or an older one of node-1, from its acks.
  const seen = w.serf(0).coordinates()?.get('node-1');
  assert.ok(seen !== undefined && seen.vec.length === 8);
  assert.equal(w.serf(1).stats().coordinate_resets, '0');
});

test('with coordinates disabled acks carry no payload and nothing is learnt', () => {
  const w = line({ serf: { disableCoordinates: true } });
  w.world.runFor(10_000);
  assert.equal(w.serf(0).coordinates(), undefined);
  assert.equal(w.serf(0).stats().coordinate_resets, undefined);
});

test("a reaped member's coordinate is forgotten; a failed one is kept until then (serf eraseNode)", () => {
  const w = line({ serf: { reconnectTimeoutMs: 30_000, reconnectIntervalMs: 0 } });
  w.world.runFor(20_000);
  assert.ok(w.serf(0).coordinates()?.get('node-3') !== undefined);
  w.world.crash(3);
  assert.ok(w.world.runUntilTrue(() => w.names(0, 'failed').includes('node-3'), 30_000));
  assert.ok(w.serf(0).coordinates()?.get('node-3') !== undefined, 'forgotten on failure already');
  assert.ok(w.world.runUntilTrue(() => w.ofType(0, 'member-reap').length === 1, 60_000));
  assert.equal(w.serf(0).coordinates()?.get('node-3'), undefined);
});
