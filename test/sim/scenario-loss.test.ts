import { test } from 'node:test';
import assert from 'node:assert/strict';
import { viewAgreement } from '../../src/sim/checkers.js';
import type { Detector } from '../../src/swim/config.js';
import { joinThroughSeed, replay, swimWorld } from '../helpers/swim-world.js';

/** 50 nodes, joined, then 10 simulated minutes of 10% loss on every link; returns the checker. */
function lossScenario(detector: Detector, seed: number) {
  const { world, checker } = swimWorld(50, { seed, config: { detector } });
  joinThroughSeed(world);
  assert.ok(
    world.runUntilTrue(() => viewAgreement(world, true).ok, 30_000),
    replay(seed, 'scenario-loss'),
  );
  const start = world.now;
  const before = { ...world.net.stats };
  // Every link, both directions: UDP datagrams are lost; TCP segments are retransmitted (late).
  world.net.setDefaultLink({ loss: 0.1 });
  world.runUntil(start + 600_000);
  const sent = world.net.stats.packetsSent - before.packetsSent;
  const lost = world.net.stats.lostToLoss - before.lostToLoss;
  // The loss really happened: within 5 standard deviations of 10%.
  const sd = Math.sqrt(sent * 0.1 * 0.9);
  assert.ok(Math.abs(lost - 0.1 * sent) < 5 * sd, `lost ${lost} of ${sent}`);
  // And it bit: probes failed and members were suspected, then refuted.
  assert.ok(checker.falseSuspicions > 0, 'no suspicion at all: the loss did not reach the detector');
  return { world, checker };
}

test('50 nodes under 10% symmetric loss for 10 simulated minutes: no live node is ever declared dead (adaptive, the default)', () => {
  const seed = 50;
  const { world, checker } = lossScenario('adaptive', seed);
  assert.deepEqual(checker.falseFailures, [], replay(seed, 'scenario-loss'));
  world.net.setDefaultLink({ loss: 0 });
  assert.ok(
    world.runUntilTrue(() => viewAgreement(world, true).ok, 60_000),
    viewAgreement(world, true).detail,
  );
});

test('50 nodes under 10% symmetric loss for 10 simulated minutes in memberlist mode: at most one transient false failure, views reconverge', () => {
  const seed = 50;
  const { world, checker } = lossScenario('memberlist', seed);
  // memberlist semantics allow a rare false failure here: a node that missed the refutation (the
  // alive with the higher incarnation, gossiped only a few times) keeps its suspicion and declares
  // the node dead, and its pings to that node carry the old incarnation, which the node ignores
  // (docs/swim.md, "Observations"; the timelines in docs/failure-detection.md). Measured over 16
  // ten-minute runs of this scenario: 5 had one, none had two. Push-pull repairs the view: the
  // agreement check below covers it.
  assert.ok(
    checker.falseFailures.length <= 1,
    `${JSON.stringify(checker.falseFailures)}; ${replay(seed, 'scenario-loss')}`,
  );
  world.net.setDefaultLink({ loss: 0 });
  assert.ok(
    world.runUntilTrue(() => viewAgreement(world, true).ok, 60_000),
    viewAgreement(world, true).detail,
  );
});
