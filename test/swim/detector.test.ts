import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { resolveConfig } from '../../src/swim/config.js';
import { AdaptiveDetector } from '../../src/swim/detector.js';
import { RttEstimator } from '../../src/swim/rtt.js';
import { suspicionTimeoutMs } from '../../src/swim/suspicion.js';

const lan = resolveConfig({}, 'lan');

test('the direct-ack timeout is memberlist’s until a round trip is measured, then srtt + 4 rttvar within [min, probeTimeout]', () => {
  const d = new AdaptiveDetector(lan);
  assert.equal(d.directTimeoutMs(1), lan.probeTimeoutMs);
  for (let i = 0; i < 50; i++) d.observeRtt(1, 1);
  assert.equal(d.directTimeoutMs(1), lan.probeTimeoutMinMs, 'a fast, steady network gets the floor');
  for (let i = 0; i < 50; i++) d.observeRtt(1, i % 2 === 0 ? 20 : 400);
  assert.equal(d.directTimeoutMs(1), lan.probeTimeoutMs, 'erratic round trips stretch it to the cap');
});

test('the RTT estimator follows RFC 6298: the first sample sets srtt = r and rttvar = r/2, then gains 1/8 and 1/4', () => {
  const e = new RttEstimator();
  assert.equal(e.timeoutMs(), undefined);
  e.observe(100);
  assert.equal(e.srttMs, 100);
  assert.equal(e.rttvarMs, 50);
  e.observe(200);
  assert.equal(e.rttvarMs, 0.75 * 50 + 0.25 * 100);
  assert.equal(e.srttMs, 0.875 * 100 + 0.125 * 200);
  assert.equal(e.timeoutMs(), e.srttMs + 4 * e.rttvarMs);
});

test('the direct-ack timeout always lies within [probeTimeoutMinMs, probeTimeoutMs], whatever the samples', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 10_000 }))),
      (samples) => {
        const d = new AdaptiveDetector(lan);
        for (const [id, rtt] of samples) d.observeRtt(id, rtt);
        for (let id = 0; id <= 6; id++) {
          const t = d.directTimeoutMs(id);
          assert.ok(t >= lan.probeTimeoutMinMs && t <= lan.probeTimeoutMs, String(t));
        }
      },
    ),
  );
});

test('suspicion bounds are never below the stall tolerance and stretch with the measured loss', () => {
  const d = new AdaptiveDetector(lan);
  const clean = d.suspicionBounds(1000);
  assert.equal(
    clean.minMs,
    Math.max(lan.stallToleranceMs, suspicionTimeoutMs(lan.suspicionMult, 1000, lan.probeIntervalMs)),
  );
  assert.equal(clean.maxMs, clean.minMs * lan.suspicionMaxTimeoutMult);
  assert.equal(d.suspicionBounds(3).minMs, lan.stallToleranceMs);
  for (let i = 0; i < 100; i++) d.observeProbe('missed');
  assert.ok(d.roundTripLoss() > 0.99);
  assert.ok(d.suspicionBounds(1000).minMs > clean.minMs * 2.9);
});

test('the final check pings more often the more loss it measures (4 on a clean network, at most 24)', () => {
  const d = new AdaptiveDetector(lan);
  assert.equal(d.finalCheckAttempts(), 4);
  let last = 4;
  for (let i = 0; i < 40; i++) {
    d.observeProbe('missed');
    const n = d.finalCheckAttempts();
    assert.ok(n >= last && n <= 24);
    last = n;
  }
  assert.equal(last, 24);
  // At a steady 50% round-trip loss a live suspect fails every ping with probability < 1e-6.
  for (let i = 0; i < 200; i++) d.observeProbe(i % 2 === 0 ? 'missed' : 'direct');
  assert.ok(Math.pow(d.roundTripLoss(), d.finalCheckAttempts()) < 1e-6);
});
