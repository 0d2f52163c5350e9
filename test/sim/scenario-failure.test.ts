/**
 * Failure detection and pauses on worlds of real Swim cores (lan profile, loss-free links).
 *
 * The crash-detection bound, derived from memberlist 0.2.2 (state.go probe / suspectNode,
 * suspicion.go) for a world of n nodes, probe interval I, suspicion maximum Smax(n):
 *
 *   Every live observer probes every member once per pass over its shuffled probe list: at most
 *   n − 1 probes after the one under way, each lasting I × (awareness + 1). On a loss-free network
 *   awareness stays 0 — a failed probe of a crashed node gets nacks from every (live) indirect
 *   prober, and `expected − received` nacks is 0 — so each observer probes the crashed node within
 *   n × I. That probe fails at its start + I (the indirect/TCP window) and the observer suspects
 *   the node, unless it already does (from gossip). Its suspicion timer then fires within
 *   Smax = suspicionMaxTimeoutMult × suspicionMult × max(1, log10 n) × I, unless a dead message
 *   arrives first. So every observer declares the node dead by
 *
 *     crash + (n + 1) × I + Smax(n).
 *
 * Confirmations and dissemination only make it earlier. The first observer is typically much
 * earlier (another node probes it within about one interval).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { viewAgreement } from '../../src/sim/checkers.js';
import { resolveConfig } from '../../src/swim/config.js';
import { suspicionTimeoutMs } from '../../src/swim/suspicion.js';
import { joinThroughSeed, replay, swimWorld } from '../helpers/swim-world.js';
import type { SwimEvent } from '../../src/swim/api.js';

const lan = resolveConfig({}, 'lan');

function crashBoundMs(n: number): number {
  const min = suspicionTimeoutMs(lan.suspicionMult, n, lan.probeIntervalMs);
  const max = lan.suspicionMaxTimeoutMult * min;
  return (n + 1) * lan.probeIntervalMs + max;
}

test('crashed nodes are declared dead by every live node within the lan bound, and nobody else is', () => {
  for (const seed of [11, 12]) {
    const n = 20;
    const { world, checker } = swimWorld(n, { seed });
    joinThroughSeed(world);
    assert.ok(
      world.runUntilTrue(() => viewAgreement(world, true).ok, 30_000),
      replay(seed, 'scenario-failure'),
    );
    const victims = [3, 9, 15];
    const crashAt = world.now + 1000;
    world.at(crashAt, 'kill', (w) => victims.forEach((v) => w.crash(v)));
    const bound = crashBoundMs(n);
    world.runUntil(crashAt + bound);
    const det = checker.detections();
    assert.equal(det.length, 3);
    for (const d of det) {
      assert.equal(
        d.missing,
        0,
        `${d.name} not declared dead by ${d.missing} nodes; ${replay(seed, 'scenario-failure')}`,
      );
      assert.equal(d.crashedAt, crashAt);
      assert.ok(d.allMs !== undefined && d.allMs <= bound, `${d.name}: ${d.allMs} ms > bound ${bound} ms`);
      assert.ok(d.firstMs !== undefined && d.firstMs <= d.allMs);
      // Every one of the 16 survivors saw it up at the crash and declared it.
      assert.equal(d.perObserverMs.length, n - victims.length);
    }
    assert.deepEqual(checker.falseFailures, []);
    assert.ok(viewAgreement(world).ok, viewAgreement(world).detail);
  }
});

/**
 * Pause below the suspicion timeout. Why the paused node can never be declared dead: a suspicion
 * of it starts no earlier than one probe interval I into the pause (a ping that reached it before
 * the pause was acked at once; a probe fails at its start + I), and no observer's timer is shorter
 * than the minimum Smin(n). So with pause < I + Smin(n) − (time for its refutation to spread)
 * every timer is cleared by the refutation first. Why it is suspected: in the 2-node world the
 * only observer probes it every interval, so the first probe that starts in the pause (within I)
 * fails within 2 I < pause. In the 100-node world about one probe per second reaches any given
 * node, so a 6 s pause goes unprobed with probability about e^-5 (fixed seeds make it
 * deterministic).
 */
function pauseScenario(n: number, pauseMs: number, seed: number, target: number): void {
  const minMs = suspicionTimeoutMs(lan.suspicionMult, n, lan.probeIntervalMs);
  assert.ok(
    pauseMs + 2000 <= lan.probeIntervalMs + minMs,
    'the pause leaves at least 2 s for the refutation',
  );
  const { world, checker } = swimWorld(n, { seed, checkInvariants: n <= 10 });
  joinThroughSeed(world);
  assert.ok(
    world.runUntilTrue(() => viewAgreement(world, true).ok, 30_000),
    replay(seed, 'scenario-failure'),
  );
  const name = world.name(target);
  const suspectedBy = new Set<number>();
  let refutedAt = -1;
  world.observe({
    onEvent: (now, node, e: SwimEvent) => {
      if (e.type === 'suspect' && e.member.name === name) suspectedBy.add(node);
      if (e.type === 'refute' && node === target && refutedAt < 0) refutedAt = now;
    },
  });
  const pauseAt = world.now + 100;
  world.at(pauseAt, 'pause', (w) => w.pause(target));
  world.at(pauseAt + pauseMs, 'resume', (w) => w.resume(target));
  world.runUntil(pauseAt + 60_000);
  const why = replay(seed, 'scenario-failure');
  assert.ok(suspectedBy.size > 0, `nobody suspected the paused node; ${why}`);
  assert.ok(refutedAt >= pauseAt + pauseMs, `no refutation after resume (${refutedAt}); ${why}`);
  assert.deepEqual(checker.falseFailures, [], why);
  assert.ok(viewAgreement(world, true).ok, `${viewAgreement(world, true).detail}; ${why}`);
  // The refutation raised its incarnation above the one it was suspected at.
  assert.ok((world.core(0)?.member(name)?.incarnation ?? 0) > 1, why);
}

test('a node paused for less than the suspicion timeout is suspected, refutes on resume, and is never declared dead (2 nodes)', () => {
  for (const seed of [21, 22, 23, 24]) pauseScenario(2, 3000, seed, 1);
});

test('a node paused for less than the suspicion timeout is suspected, refutes on resume, and is never declared dead (100 nodes)', () => {
  for (const seed of [25, 26]) pauseScenario(100, 6000, seed, 42);
});

test('a node paused far longer than the suspicion timeout is declared dead, then comes back alive after resume', () => {
  const seed = 31;
  const n = 10;
  const { world, checker } = swimWorld(n, { seed });
  joinThroughSeed(world);
  assert.ok(world.runUntilTrue(() => viewAgreement(world, true).ok, 30_000));
  const target = 4;
  const pauseAt = world.now + 100;
  world.at(pauseAt, 'pause', (w) => w.pause(target));
  // Resume within gossipToTheDeadMs of the death, so gossip still reaches it and it refutes.
  world.at(pauseAt + 20_000, 'resume', (w) => w.resume(target));
  world.runUntil(pauseAt + 20_000);
  assert.ok(checker.falseFailures.length >= 1, 'the paused node was declared dead while paused');
  assert.ok(
    checker.falseFailures.every((f) => f.target === world.name(target) && f.targetState === 'paused'),
  );
  const back = world.runUntilTrue(() => viewAgreement(world, true).ok, 30_000);
  assert.ok(back, `${viewAgreement(world, true).detail}; ${replay(seed, 'scenario-failure')}`);
});
