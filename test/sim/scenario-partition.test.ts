/**
 * Partitions on worlds of real Swim cores (10 nodes, lan, cut 0..4 | 5..9). What heals a partition
 * in memberlist 0.2.2 semantics, and what these tests prove:
 *
 * 1. A cut shorter than the time it takes to declare a node dead (I + Smin(n) = 5 s here) only
 *    raises suspicions. After the heal, probes reach the suspects again — the ping to a suspect
 *    carries the suspect message (state.go probeNode) — and each refutes with a higher
 *    incarnation. Proven: nobody is ever declared dead and all views agree again.
 * 2. A cut long enough for deaths: each side declares the other dead. Probes and periodic
 *    push-pull only go to live members (state.go probeNode / pushPull pick alive ones), and gossip
 *    reaches dead members only while broadcasts are queued and for `gossipToTheDeadMs`, after
 *    which the dead are forgotten at a probe-list wrap. If a dead claim happens to cross the healed
 *    cut while both sides still remember each other, the accused refutes and a push-pull cascade
 *    heals everything (observed for short-enough cuts, not guaranteed). Once both sides have
 *    forgotten each other nothing crosses any more: proven here, the views stay split for two
 *    minutes after the heal. Serf's reconnect (src/cluster, a later issue) exists for exactly
 *    this: it periodically re-joins failed members. Proven here: one such join across the former
 *    cut reconverges every view.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { viewAgreement } from '../../src/sim/checkers.js';
import { parseFaults, scheduleFaults } from '../../src/sim/faults.js';
import { joinThroughSeed, replay, swimWorld } from '../helpers/swim-world.js';

function partitioned(seed: number, cutMs: number) {
  const { world, checker } = swimWorld(10, { seed });
  joinThroughSeed(world);
  assert.ok(
    world.runUntilTrue(() => viewAgreement(world, true).ok, 30_000),
    replay(seed, 'scenario-partition'),
  );
  const cutAt = Math.ceil(world.now / 1000) * 1000 + 1000;
  scheduleFaults(world, parseFaults(`${cutAt}ms cut 0..4 | 5..9\n${cutAt + cutMs}ms heal`));
  world.runUntil(cutAt + cutMs);
  return { world, checker, healAt: cutAt + cutMs };
}

test('a partition shorter than the suspicion timeout heals by refutation: no death, views agree again', () => {
  for (const seed of [61, 62, 63]) {
    const { world, checker, healAt } = partitioned(seed, 3000);
    assert.ok(checker.falseSuspicions > 0, 'the cut was felt: members were suspected');
    assert.ok(!viewAgreement(world, true).ok, 'views differ at the heal');
    const healed = world.runUntilTrue(() => viewAgreement(world, true).ok, 30_000);
    assert.ok(healed, `${viewAgreement(world, true).detail}; ${replay(seed, 'scenario-partition')}`);
    assert.deepEqual(checker.falseFailures, [], replay(seed, 'scenario-partition'));
    assert.ok(world.now - healAt <= 30_000);
  }
});

test('after a long partition both sides declare each other dead, stay split after the heal, and one rejoin reconverges them', () => {
  const seed = 64;
  const { world, checker } = partitioned(seed, 45_000);
  // Every node declared every node of the other side dead: 5 × 5 × 2 declarations at least.
  const pairs = new Set(checker.falseFailures.map((f) => `${f.observer}>${f.target}`));
  assert.equal(pairs.size, 50, replay(seed, 'scenario-partition'));
  // Pure SWIM: nothing crosses the healed cut any more.
  const healedAlone = world.runUntilTrue(() => viewAgreement(world, true).ok, 120_000, 1000);
  assert.equal(healedAlone, false, 'views reconverged without a rejoin');
  for (const i of [0, 9]) {
    const core = world.core(i);
    assert.ok(core);
    assert.equal(core.numAlive(), 5, `node-${i} sees only its own side`);
  }
  // What Serf's reconnect does: a node of one side joins a node of the other.
  world.command(7, (c, now) => c.join(now, [world.address(2)]));
  const rejoined = world.runUntilTrue(() => viewAgreement(world, true).ok, 30_000);
  assert.ok(rejoined, `${viewAgreement(world, true).detail}; ${replay(seed, 'scenario-partition')}`);
});

test('a node that cannot send (one-way cut) is suspected, and refutes without dying when the cut is short', () => {
  const seed = 65;
  const { world, checker } = swimWorld(6, { seed });
  joinThroughSeed(world);
  assert.ok(world.runUntilTrue(() => viewAgreement(world, true).ok, 30_000));
  const at = Math.ceil(world.now / 1000) * 1000 + 1000;
  // Node 5 cannot send to anyone; it still receives. Its acks are lost, so others suspect it.
  scheduleFaults(world, parseFaults(`${at}ms cut 5 -> 0..4\n${at + 2500}ms heal`));
  const suspectedOf5: string[] = [];
  world.observe({
    onEvent: (_now, node, e) => {
      if (e.type === 'suspect' && e.member.name === 'node-5') suspectedOf5.push(world.name(node));
    },
  });
  world.runUntil(at + 2500);
  assert.ok(suspectedOf5.length > 0, replay(seed, 'scenario-partition'));
  assert.ok(
    world.runUntilTrue(() => viewAgreement(world, true).ok, 30_000),
    viewAgreement(world, true).detail,
  );
  assert.deepEqual(checker.falseFailures, []);
});
