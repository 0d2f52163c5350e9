/**
 * Stall awareness on worlds of real Swim cores: a node whose process stalls (SIGSTOP in the
 * simulator, with no receive buffer, so that on resume its clock has simply jumped and nothing
 * it missed is waiting) must not act on timeouts that ran out while it could not listen.
 *
 * Set-up: node 7 is paused for 3 s, so everyone (node 4 included) suspects it; as soon as node 4
 * suspects it, node 4 stalls for `stallMs`. Node 7 resumes and refutes while node 4 is stalled
 * and hears none of it. A 40 s stall outlasts even the longest suspicion (Lifeguard's maximum,
 * when no confirmation arrives: 24 s in memberlist mode, 36 s in adaptive mode for 10 nodes), so
 * when node 4 resumes, its suspicion of node 7 has run out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { viewAgreement } from '../../src/sim/checkers.js';
import type { Detector } from '../../src/swim/config.js';
import type { SwimEvent } from '../../src/swim/api.js';
import { joinThroughSeed, replay, swimWorld } from '../helpers/swim-world.js';

function stallScenario(detector: Detector, stallMs: number, seed: number) {
  const { world, checker } = swimWorld(10, { seed, config: { detector }, backlogBytes: 0 });
  joinThroughSeed(world);
  assert.ok(
    world.runUntilTrue(() => viewAgreement(world, true).ok, 30_000),
    replay(seed, 'scenario-stall'),
  );
  const seven = world.name(7);
  let stalledAt = -1;
  const fourName = world.name(4);
  /** What node 4 did itself: its refutations and the suspicions it raised. */
  const fourDid: { t: number; what: string }[] = [];
  world.observe({
    onEvent: (now, node, e: SwimEvent) => {
      if (node === 4 && e.type === 'refute') fourDid.push({ t: now, what: 'refute' });
      if (node === 4 && e.type === 'suspect' && e.from === fourName)
        fourDid.push({ t: now, what: `suspect ${e.member.name}` });
      if (stalledAt < 0 && node === 4 && e.type === 'suspect' && e.member.name === seven) {
        stalledAt = now + 1;
        world.at(stalledAt, 'stall 4', (w) => w.pause(4));
        world.at(stalledAt + stallMs, 'resume 4', (w) => w.resume(4));
      }
    },
  });
  const pauseAt = world.now + 100;
  world.at(pauseAt, 'pause 7', (w) => w.pause(7));
  world.at(pauseAt + 3000, 'resume 7', (w) => w.resume(7));
  world.runUntil(pauseAt + 3000 + stallMs + 60_000);
  assert.ok(stalledAt > 0, 'node 4 suspected node 7 and was stalled');
  return { world, checker, resumedAt: stalledAt + stallMs, fourDid };
}

test('a node stalled past its suspicion timeout does not declare the refuted suspect dead on resume, and refutes its own (adaptive)', () => {
  const seed = 61;
  const { world, checker } = stallScenario('adaptive', 40_000, seed);
  const byFour = checker.falseFailures.filter((f) => f.observer === world.name(4));
  assert.deepEqual(
    byFour.map((f) => f.target),
    [],
    replay(seed, 'scenario-stall'),
  );
  // Its stall exceeded the suspicion bound: the others were right to declare it dead; it came back.
  assert.ok(checker.falseFailures.some((f) => f.target === world.name(4) && f.targetState === 'paused'));
  assert.ok(viewAgreement(world, true).ok, viewAgreement(world, true).detail);
});

test('a node stalled for 4 s refutes at once on resume, raises no suspicion from its stale probe, declares nobody dead and nobody declares it dead (adaptive)', () => {
  for (const seed of [62, 63]) {
    const { world, checker, resumedAt, fourDid } = stallScenario('adaptive', 4000, seed);
    const after = fourDid.filter((x) => x.t >= resumedAt && x.t < resumedAt + 2000);
    // Its first act: the refutation, at the resume instant (not when an accusation reaches it).
    assert.deepEqual(after[0], { t: resumedAt, what: 'refute' }, replay(seed, 'scenario-stall'));
    assert.deepEqual(
      after.filter((x) => x.what !== 'refute'),
      [],
      replay(seed, 'scenario-stall'),
    );
    assert.deepEqual(
      checker.falseFailures.map((f) => `${f.observer}>${f.target}`),
      [],
      replay(seed, 'scenario-stall'),
    );
    assert.ok(viewAgreement(world, true).ok, viewAgreement(world, true).detail);
  }
});

test('memberlist mode, same stall: the resumed node declares the long-refuted suspect dead', () => {
  const seed = 61;
  const { world, checker } = stallScenario('memberlist', 40_000, seed);
  const byFour = checker.falseFailures.filter((f) => f.observer === world.name(4));
  assert.ok(
    byFour.some((f) => f.target === world.name(7)),
    `${JSON.stringify(byFour.map((f) => f.target))}; ${replay(seed, 'scenario-stall')}`,
  );
});
