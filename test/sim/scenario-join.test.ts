import { test } from 'node:test';
import assert from 'node:assert/strict';
import { viewAgreement } from '../../src/sim/checkers.js';
import { joinThroughSeed, replay, swimWorld } from '../helpers/swim-world.js';

test('3 nodes join through one seed and agree that all 3 are alive', () => {
  for (const seed of [1, 2, 3]) {
    const { world, checker } = swimWorld(3, { seed, checkInvariants: true });
    joinThroughSeed(world);
    const agreed = world.runUntilTrue(() => viewAgreement(world, true).ok, 10_000);
    assert.ok(agreed, `${viewAgreement(world, true).detail}; ${replay(seed, 'scenario-join')}`);
    for (let i = 0; i < 3; i++) {
      const alive = (world.core(i)?.members() ?? []).filter((m) => m.state === 'alive').map((m) => m.name);
      assert.deepEqual(alive.sort(), ['node-0', 'node-1', 'node-2']);
    }
    assert.equal(checker.falseFailures.length, 0);
  }
});

test('100 nodes join through one seed and every one of them sees 100 alive', () => {
  const seed = 100;
  const { world, checker } = swimWorld(100, { seed });
  joinThroughSeed(world, 20); // joins over 2 s
  const agreed = world.runUntilTrue(() => viewAgreement(world, true).ok, 60_000, 500);
  assert.ok(agreed, `${viewAgreement(world, true).detail}; ${replay(seed, 'scenario-join')}`);
  for (let i = 0; i < 100; i++) {
    const core = world.core(i);
    assert.ok(core);
    assert.equal(core.members().filter((m) => m.state === 'alive').length, 100, `node-${i}`);
  }
  assert.equal(checker.falseFailures.length, 0, replay(seed, 'scenario-join'));
});

test('the same seed replays the identical trace with real Swim cores; another seed does not', () => {
  const run = (seed: number): string => {
    const { world } = swimWorld(12, { seed, link: { loss: 0.05, jitterMs: 3 } });
    joinThroughSeed(world);
    world.at(5000, 'kill 4', (w) => w.crash(4));
    world.at(6000, 'pause 5', (w) => w.pause(5));
    world.at(8000, 'resume 5', (w) => w.resume(5));
    world.runUntil(30_000);
    return world.trace.hash();
  };
  const a = run(9);
  assert.equal(run(9), a);
  assert.notEqual(run(10), a);
});
