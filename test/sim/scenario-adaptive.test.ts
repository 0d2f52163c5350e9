/**
 * The adaptive detector (the default) on worlds of real Swim cores: no false failures under the
 * loss levels the benchmark applies (10%, 20%, 30% on every link, both directions; TCP segments
 * are retransmitted, late), and crashed nodes are still declared dead by every live node.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { viewAgreement } from '../../src/sim/checkers.js';
import { joinThroughSeed, replay, swimWorld } from '../helpers/swim-world.js';

/** 32 nodes joined through one seed, every view agreeing. */
function formed(seed: number): ReturnType<typeof swimWorld> {
  const w = swimWorld(32, { seed });
  joinThroughSeed(w.world);
  assert.ok(
    w.world.runUntilTrue(() => viewAgreement(w.world, true).ok, 30_000),
    replay(seed, 'scenario-adaptive'),
  );
  return w;
}

for (const [loss, seed] of [
  [0.1, 101],
  [0.2, 102],
  [0.3, 103],
] as const) {
  test(`32 nodes under ${loss * 100}% symmetric loss for 4 simulated minutes: no live node is ever declared dead (adaptive)`, () => {
    const { world, checker } = formed(seed);
    world.net.setDefaultLink({ loss });
    world.runUntil(world.now + 240_000);
    // The loss bit: members were suspected (and refuted), so the detector was under pressure.
    assert.ok(checker.falseSuspicions > 0, 'no suspicion at all: the loss did not reach the detector');
    assert.deepEqual(checker.falseFailures, [], replay(seed, 'scenario-adaptive'));
    world.net.setDefaultLink({ loss: 0 });
    assert.ok(
      world.runUntilTrue(() => viewAgreement(world, true).ok, 60_000),
      `${viewAgreement(world, true).detail}; ${replay(seed, 'scenario-adaptive')}`,
    );
  });
}

for (const [loss, seed] of [
  [0, 111],
  [0.2, 112],
] as const) {
  test(`crashed nodes are declared dead by every live node, and nobody else is (32 nodes, ${loss * 100}% loss, adaptive)`, () => {
    const { world, checker } = formed(seed);
    world.net.setDefaultLink({ loss });
    const crashAt = world.now + 5000;
    world.at(crashAt, 'kill', (w) => [7, 19].forEach((v) => w.crash(v)));
    world.runUntil(crashAt + 60_000);
    const det = checker.detections();
    assert.equal(det.length, 2);
    for (const d of det) {
      assert.equal(
        d.missing,
        0,
        `${d.name} not declared dead by ${d.missing} nodes; ${replay(seed, 'scenario-adaptive')}`,
      );
      assert.equal(d.perObserverMs.length, 30);
    }
    assert.deepEqual(checker.falseFailures, [], replay(seed, 'scenario-adaptive'));
  });
}
