import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildStack, resolveStackConfig } from '../../src/runtime/stack.js';
import { resolveNodeConfig } from '../../src/runtime/options.js';
import { SeededRandom } from '../../src/core/random.js';
import { noopLogger } from '../../src/core/logger.js';
import { ConfigError } from '../../src/wire/errors.js';

test("a stack config is the profile's numbers with the overrides, and Serf's queues follow memberlist's", () => {
  const c = resolveStackConfig({
    profile: 'local',
    swim: { probeIntervalMs: 2000 },
    serf: { eventBuffer: 64 },
  });
  assert.equal(c.swim.probeTimeoutMs, 200, 'local profile');
  assert.equal(c.swim.probeIntervalMs, 2000, 'override');
  assert.equal(c.swim.keyring, null);
  assert.equal(c.serf.retransmitMult, 2, "Serf's retransmit follows the local profile");
  assert.equal(c.serf.gossipIntervalMs, 100);
  assert.equal(c.serf.eventBuffer, 64);
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.swim) && Object.isFrozen(c.serf));
  const own = resolveStackConfig({ profile: 'local', serf: { retransmitMult: 7 } });
  assert.equal(own.serf.retransmitMult, 7, 'an explicit Serf value wins');
});

test('every tunable problem comes in one ConfigError, prefixed by its layer; a keyring is not a tunable', () => {
  assert.throws(
    () =>
      resolveStackConfig({
        swim: { probeIntervalMs: 0, keyring: null } as never,
        serf: { queryBuffer: -1, colour: 'x' } as never,
      }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      for (const w of ['swim.probeIntervalMs', 'swim.keyring', 'serf.queryBuffer', 'serf.colour'])
        assert.ok(
          e.problems.some((p) => p.startsWith(`${w}:`)),
          `${w} in ${e.problems.join(' | ')}`,
        );
      return true;
    },
  );
});

test("buildStack runs the cores on exactly the node config's resolved values, adding only name, tags and keyring", () => {
  const config = resolveNodeConfig({
    bind: '127.0.0.1:0',
    profile: 'wan',
    tags: { role: 'web' },
    encryptKey: Buffer.alloc(16, 7).toString('base64'),
    serf: { queryTimeoutMult: 3 },
  });
  const stack = buildStack({
    name: 'n1',
    advertise: { ip: '127.0.0.1', port: 7946 },
    tags: config.tags,
    keys: config.keys,
    config: config.stack,
    now: 0,
    random: new SeededRandom(1),
    logger: noopLogger,
  });
  const { keyring, ...swim } = stack.swimConfig;
  const { keyring: _none, ...resolvedSwim } = config.stack.swim;
  assert.deepEqual(swim, resolvedSwim);
  assert.equal(keyring, stack.keyring);
  assert.equal(stack.keyring?.size, 1);
  assert.deepEqual(stack.serfConfig, { ...config.stack.serf, nodeName: 'n1', tags: { role: 'web' } });
  assert.equal(stack.serfConfig.queryTimeoutMult, 3);
  assert.equal(stack.core.localMember().tags.role, 'web');
});
