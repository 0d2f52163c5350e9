/**
 * Test helpers for scenarios on worlds of real Swim cores: build, join, and a failure message that
 * names the seed and how to replay it.
 */
import { FailureChecker } from '../../src/sim/checkers.js';
import { buildSwimWorld, type SwimWorld, type SwimWorldOptions } from '../../src/sim/swim-nodes.js';
import { scheduleFaults, type FaultStep } from '../../src/sim/faults.js';
import type { Swim } from '../../src/swim/swim.js';

/** A Swim world of `n` nodes with a failure checker attached. Nothing is joined yet. */
export function swimWorld(
  n: number,
  opts: SwimWorldOptions,
): { world: SwimWorld; checker: FailureChecker<Swim> } {
  const world = buildSwimWorld(opts);
  const checker = new FailureChecker(world);
  world.observe(checker);
  for (let i = 0; i < n; i++) world.addNode();
  return { world, checker };
}

/** Schedule joins of nodes 1..n−1 through node 0, one every `staggerMs` from `startMs`. */
export function joinThroughSeed(world: SwimWorld, staggerMs = 10, startMs = world.now): void {
  const steps: FaultStep[] = [];
  for (let i = 1; i < world.size; i++)
    steps.push({ at: startMs + i * staggerMs, do: 'join', nodes: [i], seeds: [0] });
  scheduleFaults(world, steps);
}

/** "seed N, replay: …" for assertion messages. */
export function replay(seed: number, test: string): string {
  return `seed ${seed}; replay: npm run build && node scripts/run-tests.mjs ${test} (the seed is fixed in the test)`;
}
