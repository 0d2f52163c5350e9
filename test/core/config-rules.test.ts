import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyRules, bool, check, int, oneOf } from '../../src/core/config-rules.js';
import { resolveConfig } from '../../src/swim/config.js';
import { resolveSerfTunables } from '../../src/cluster/config.js';
import { ConfigError } from '../../src/wire/errors.js';

const DEFAULTS = { n: 1, on: false, mode: 'a', even: 2 };
const RULES = {
  n: int(0, 10),
  on: bool,
  mode: oneOf('a', 'b'),
  even: check((v) => (typeof v === 'number' && v % 2 === 0 ? undefined : 'must be even')),
};

test('applyRules overlays the defined fields and reports every problem, one line each', () => {
  const problems: string[] = [];
  const partial = { n: 3, on: undefined };
  assert.deepEqual(applyRules(DEFAULTS, RULES, partial, problems), { n: 3, on: false, mode: 'a', even: 2 });
  assert.deepEqual(problems, []);
  assert.deepEqual(partial, { n: 3, on: undefined }, 'the partial is not modified');
  applyRules(DEFAULTS, RULES, { n: 11, on: 'yes', mode: 'c', even: 3, extra: 1 }, problems);
  assert.deepEqual(problems, [
    'extra: unknown option',
    'n: must be an integer between 0 and 10 (got 11)',
    'on: must be a boolean (got "yes")',
    'mode: must be one of a, b (got "c")',
    'even: must be even',
  ]);
  const bad: string[] = [];
  applyRules(DEFAULTS, RULES, [1], bad);
  assert.deepEqual(bad, ['config: must be an object (got a list)']);
});

test("memberlist's and Serf's tunables are checked in the same style", () => {
  const problemsOf = (fn: () => unknown): readonly string[] => {
    try {
      fn();
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.problems;
    }
    return assert.fail('expected a ConfigError');
  };
  assert.deepEqual(
    problemsOf(() => resolveConfig({ gossipNodes: 1.5, crc: 1, nope: 0 } as never)),
    [
      'nope: unknown option',
      'gossipNodes: must be an integer between 0 and 1000 (got 1.5)',
      'crc: must be a boolean (got 1)',
    ],
  );
  assert.deepEqual(
    problemsOf(() => resolveSerfTunables({ eventBuffer: 1.5, rejoinAfterLeave: 1, nope: 0 } as never)),
    [
      'nope: unknown option',
      'eventBuffer: must be an integer between 1 and 1048576 (got 1.5)',
      'rejoinAfterLeave: must be a boolean (got 1)',
    ],
  );
});
