import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig, vsnOf, PROFILES } from '../../src/swim/config.js';
import { ConfigError } from '../../src/wire/errors.js';

test('the lan profile carries memberlist DefaultLANConfig numbers and serf 0.9.4 versions', () => {
  const c = resolveConfig({}, 'lan');
  assert.equal(c.probeIntervalMs, 1000);
  assert.equal(c.probeTimeoutMs, 500);
  assert.equal(c.suspicionMult, 4);
  assert.equal(c.suspicionMaxTimeoutMult, 6);
  assert.equal(c.retransmitMult, 4);
  assert.equal(c.gossipIntervalMs, 200);
  assert.equal(c.gossipNodes, 3);
  assert.equal(c.pushPullIntervalMs, 30_000);
  assert.equal(c.gossipToTheDeadMs, 30_000);
  assert.equal(c.udpBufferBytes, 1400);
  assert.equal(c.compression, true);
  assert.equal(c.crc, true);
  assert.equal(c.keyring, null);
  assert.deepEqual(vsnOf(c), [1, 5, 2, 2, 5, 5]);
  assert.ok(Object.isFrozen(c));
});

test('wan and local differ from lan exactly where memberlist does', () => {
  const lan = PROFILES.lan;
  const diff = (p: 'wan' | 'local') =>
    Object.fromEntries(
      Object.entries(PROFILES[p]).filter(([k, v]) => (lan as unknown as Record<string, unknown>)[k] !== v),
    );
  assert.deepEqual(diff('wan'), {
    tcpTimeoutMs: 30_000,
    suspicionMult: 6,
    pushPullIntervalMs: 60_000,
    probeTimeoutMs: 3000,
    probeIntervalMs: 5000,
    gossipNodes: 4,
    gossipIntervalMs: 500,
    gossipToTheDeadMs: 60_000,
    // Adaptive-mode fields (not memberlist's): scaled to wan's 5 s probe interval.
    refusedSuspicionMs: 2000,
    stallToleranceMs: 30_000,
  });
  assert.deepEqual(diff('local'), {
    tcpTimeoutMs: 1000,
    indirectChecks: 1,
    retransmitMult: 2,
    suspicionMult: 3,
    pushPullIntervalMs: 15_000,
    probeTimeoutMs: 200,
    gossipIntervalMs: 100,
    gossipToTheDeadMs: 15_000,
  });
});

test('overrides apply on top of the profile and the input is not modified', () => {
  const partial = { probeIntervalMs: 4000, compression: false };
  const c = resolveConfig(partial, 'wan');
  assert.equal(c.probeIntervalMs, 4000);
  assert.equal(c.compression, false);
  assert.equal(c.probeTimeoutMs, 500 * 6);
  assert.deepEqual(partial, { probeIntervalMs: 4000, compression: false });
});

test('every problem is reported at once in one ConfigError', () => {
  let err: unknown;
  try {
    resolveConfig(
      {
        probeIntervalMs: -1,
        gossipNodes: 1.5,
        compression: 'yes' as unknown as boolean,
        bogus: 1,
        keyring: {} as never,
      } as never,
      'lan',
    );
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof ConfigError);
  assert.equal(err.code, 'GP_ERR_CONFIG');
  const text = err.problems.join('\n');
  for (const key of ['probeIntervalMs', 'gossipNodes', 'compression', 'bogus', 'keyring']) {
    assert.match(text, new RegExp(`^${key}:`, 'm'), `a problem about ${key}`);
  }
  assert.equal(err.problems.length, 5);
});

test('inconsistent combinations are rejected: timeout >= interval, version outside its range, bad profile', () => {
  assert.throws(
    () => resolveConfig({ probeTimeoutMs: 1000 }),
    (e: ConfigError) => e.problems.some((p) => p.startsWith('probeTimeoutMs')),
  );
  assert.throws(
    () => resolveConfig({ protocolVersion: 5, protocolMax: 4 }),
    (e: ConfigError) => e.problems.some((p) => p.startsWith('protocolVersion')),
  );
  assert.throws(
    () => resolveConfig({}, 'moon' as never),
    (e: ConfigError) => e.problems.some((p) => p.startsWith('profile')),
  );
});

test('0 disables periodic push-pull and gossip rounds', () => {
  const c = resolveConfig({ pushPullIntervalMs: 0, gossipIntervalMs: 0 });
  assert.equal(c.pushPullIntervalMs, 0);
  assert.equal(c.gossipIntervalMs, 0);
});
