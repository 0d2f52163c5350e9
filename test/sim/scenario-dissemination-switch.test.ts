/**
 * The all-to-all/gossip switch (adaptive mode, defaults: gossip above 48 live members, back to
 * all-to-all at 40 or fewer): every node changes mode when the cluster crosses the threshold, and
 * a cluster that shrinks back just below it stays in gossip mode (hysteresis: no flapping).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { viewAgreement } from '../../src/sim/checkers.js';
import { scheduleFaults, type FaultStep } from '../../src/sim/faults.js';
import { PROFILES } from '../../src/swim/config.js';
import { joinThroughSeed, replay, swimWorld } from '../helpers/swim-world.js';

test('nodes switch to gossip above allToAllMaxNodes, stay there just below it, and return to all-to-all at allToAllResumeNodes', () => {
  const { allToAllMaxNodes: hi, allToAllResumeNodes: lo } = PROFILES.lan;
  assert.ok(lo < hi - 4, 'the defaults leave room for a band');
  const seed = 71;
  const { world } = swimWorld(hi - 4, { seed });
  joinThroughSeed(world);
  const why = replay(seed, 'scenario-dissemination-switch');
  assert.ok(
    world.runUntilTrue(() => viewAgreement(world, true).ok, 30_000),
    why,
  );
  /** Mode of every up node, and how often each one changed mode so far. */
  const modes = new Map<number, string>();
  const switches = new Map<number, number>();
  const sample = (): Set<string> => {
    const seen = new Set<string>();
    for (const i of world.liveNodes()) {
      const m = world.core(i)?.dissemination() as string;
      const before = modes.get(i);
      if (before !== undefined && before !== m) switches.set(i, (switches.get(i) ?? 0) + 1);
      modes.set(i, m);
      seen.add(m);
    }
    return seen;
  };
  world.observe({ onEvent: () => void sample() });
  assert.deepEqual([...sample()], ['all-to-all'], `${hi - 4} nodes: ${why}`);

  // Grow to hi + 2: above the threshold, everyone gossips.
  const steps: FaultStep[] = [];
  for (let k = 0; k < 6; k++) {
    const i = world.addNode();
    steps.push({ at: world.now + 10 + k * 10, do: 'join', nodes: [i], seeds: [0] });
  }
  scheduleFaults(world, steps);
  assert.ok(
    world.runUntilTrue(() => viewAgreement(world, true).ok, 30_000),
    why,
  );
  assert.deepEqual([...sample()], ['gossip'], `${hi + 2} nodes: ${why}`);

  // Shrink to hi − 2 (crashes, declared dead): inside the band, still gossip everywhere.
  const crash = (victims: number[]) => {
    const at = world.now + 10;
    world.at(at, 'crash', (w) => victims.forEach((v) => w.crash(v)));
    world.runUntil(at + 1);
    assert.ok(
      world.runUntilTrue(
        () => world.liveNodes().every((i) => world.core(i)?.numAlive() === world.liveNodes().length),
        60_000,
      ),
      why,
    );
  };
  crash([5, 6, 7, 8]);
  assert.deepEqual([...sample()], ['gossip'], `${hi - 2} nodes: ${why}`);
  // Shrink to lo: all-to-all again.
  crash([9, 10, 11, 12, 13, 14, 15, 16].slice(0, hi - 2 - lo));
  assert.deepEqual([...sample()], ['all-to-all'], `${lo} nodes: ${why}`);
  // Each survivor changed mode exactly twice: off once, on once.
  for (const i of world.liveNodes())
    assert.equal(switches.get(i), 2, `${world.name(i)} switched ${switches.get(i)} times`);
});
