import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRunOptions, planFaults, runSimulation } from '../../src/sim/run.js';
import { ConfigError } from '../../src/wire/errors.js';

test('a pre-joined world starts in agreement, detects its crashed nodes everywhere and replays exactly', () => {
  const opts = { nodes: 100, seconds: 40, seed: 3, bootstrap: 'prejoined' as const, kill: 2, killAtMs: 5000 };
  const a = runSimulation(opts);
  const f = a.figures;
  assert.equal(f.bootstrap, 'prejoined');
  assert.equal(f.detection.crashed, 2);
  assert.equal(f.detection.detectedByAll, 2, JSON.stringify(f.detection));
  assert.equal(f.falseFailures, 0);
  assert.equal(f.converged, true, f.convergenceDetail);
  assert.ok((f.detection.firstMs.p50 ?? Infinity) <= (f.detection.allMs.p50 ?? 0));
  // No join traffic: no TCP streams before the first periodic push-pull at the earliest.
  assert.ok(f.perNode.msgsPerSec > 1 && f.perNode.msgsPerSec < 20, String(f.perNode.msgsPerSec));
  const b = runSimulation(opts);
  assert.deepEqual(b.figures, a.figures);
});

test('the fault plan never picks a seed node and spreads victims over the others deterministically', () => {
  const plan = planFaults({ nodes: 30, seconds: 100, seed: 9, seeds: 3, kill: 5, pause: 4, partition: 0.2 });
  const kill = plan.find((s) => s.do === 'kill');
  const pause = plan.find((s) => s.do === 'pause');
  assert.ok(kill && kill.do === 'kill' && pause && pause.do === 'pause');
  const victims = [...kill.nodes, ...pause.nodes] as number[];
  assert.equal(new Set(victims).size, 9, 'kills and pauses are distinct nodes');
  assert.ok(victims.every((v) => v >= 3 && v < 30));
  assert.equal(kill.at, 25_000);
  assert.deepEqual(
    plan.filter((s) => s.do === 'cut' || s.do === 'heal').map((s) => [s.do, s.at]),
    [
      ['cut', 25_000],
      ['heal', 30_000],
    ],
  );
  assert.deepEqual(
    planFaults({ nodes: 30, seconds: 100, seed: 9, seeds: 3, kill: 5, pause: 4, partition: 0.2 }),
    plan,
  );
});

test('bad run options are all reported at once', () => {
  assert.throws(
    () => checkRunOptions({ nodes: 0, seconds: -1, seed: 1.5, loss: 1 }),
    (e: unknown) => e instanceof ConfigError && e.problems.length === 4,
  );
  assert.throws(
    () => checkRunOptions({ nodes: 5, seconds: 1, seed: 1, kill: 3, pause: 2 }),
    (e: unknown) => e instanceof ConfigError && /at most 4 nodes/.test(e.message),
  );
});
