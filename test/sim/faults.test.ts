import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  formatFaults,
  parseDuration,
  parseFaults,
  scheduleFaults,
  type FaultStep,
} from '../../src/sim/faults.js';
import { World } from '../../src/sim/world.js';
import { ConfigError } from '../../src/wire/errors.js';
import { EchoCore } from '../helpers/echo-core.js';

const schedule = `
# a readable schedule
0s     join 1..3 via 0
1500ms kill 3
2s     pause 2 for 1s
3s     cut 0 | 1
4s     heal
4s     loss 0.25
5s     cut 0 -> 1,2
6s     restart 3
7s     leave 1
8s     expect converged
`;

test('a schedule in text form parses into steps and formats back to the same steps', () => {
  const steps = parseFaults(schedule);
  assert.equal(steps.length, 10);
  assert.deepEqual(steps[0], { at: 0, do: 'join', nodes: [1, 2, 3], seeds: [0] });
  assert.deepEqual(steps[2], { at: 2000, do: 'pause', nodes: [2], forMs: 1000 });
  assert.deepEqual(steps[6], { at: 5000, do: 'cut', a: [0], b: [1, 2], oneWay: true });
  assert.deepEqual(parseFaults(formatFaults(steps)), steps);
});

test('every bad line is reported at once with its line number', () => {
  assert.throws(
    () => parseFaults('0s join 1 via\nxx kill 1\n1s explode 3\n2s loss 1.5\n3s kill 1..'),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.problems.length === 5 &&
      e.problems.every((p, i) => p.startsWith(`line ${i + 1}:`)),
  );
});

test('durations accept ms, s and m', () => {
  assert.equal(parseDuration('250'), 250);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('2m'), 120_000);
  assert.equal(parseDuration('-1s'), undefined);
});

test('property: formatting then parsing any schedule gives it back', () => {
  const nodes = fc.uniqueArray(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 6 });
  const at = fc.integer({ min: 0, max: 10_000_000 });
  const step: fc.Arbitrary<FaultStep> = fc.oneof(
    fc.record({ at, do: fc.constant('kill' as const), nodes }),
    fc.record({ at, do: fc.constant('join' as const), nodes, seeds: nodes }),
    fc.record({ at, do: fc.constant('pause' as const), nodes, forMs: fc.integer({ min: 0, max: 100_000 }) }),
    fc.record({ at, do: fc.constant('cut' as const), a: nodes, b: nodes, oneWay: fc.boolean() }),
    fc.record({ at, do: fc.constant('heal' as const) }),
    fc.record({
      at,
      do: fc.constant('link' as const),
      params: fc.record({ loss: fc.double({ min: 0, max: 1, noNaN: true }) }),
    }),
    fc.record({ at, do: fc.constant('expect' as const), what: fc.constant('dead' as const), nodes }),
  );
  fc.assert(
    fc.property(fc.array(step, { maxLength: 8 }), (generated) => {
      // Plain objects (fast-check records have a null prototype); -0 formats as 0.
      const steps = JSON.parse(JSON.stringify(generated)) as FaultStep[];
      assert.deepEqual(parseFaults(formatFaults(steps)), steps);
    }),
  );
});

test('a schedule drives the world: kill, pause for a while, cut, heal and link changes happen at their times', () => {
  const world = new World<EchoCore, string>({
    seed: 1,
    link: { delayMs: 1, jitterMs: 0 },
    createCore: () => new EchoCore(),
  });
  for (let i = 0; i < 4; i++) world.addNode();
  const events: string[] = [];
  world.observe({ onEvent: (now, node, e) => events.push(`${now} ${node} ${e}`) });
  // The echo core has no membership view: run everything but the expectation.
  const results = scheduleFaults(
    world,
    parseFaults(schedule).filter((s) => s.do !== 'expect'),
  );
  const core = (i: number) => world.core(i) as EchoCore;
  world.runUntil(100);
  // join: nodes 1..3 each sent one datagram (first byte 4) to node 0.
  assert.equal(core(0).received.filter((r) => r.bytes[0] === 4).length, 3);
  world.runUntil(1600);
  assert.equal(world.state(3), 'crashed');
  world.runUntil(2500);
  assert.equal(world.state(2), 'paused');
  world.runUntil(3000);
  assert.equal(world.state(2), 'up');
  world.runUntil(3500);
  assert.ok(world.net.blocked(0, 1) && world.net.blocked(1, 0));
  world.runUntil(4500);
  assert.ok(!world.net.blocked(0, 1));
  assert.equal(world.net.link(0, 1).loss, 0.25);
  world.runUntil(5500);
  assert.ok(world.net.blocked(0, 2) && !world.net.blocked(2, 0), 'one-way cut');
  world.runUntil(6500);
  assert.equal(world.state(3), 'up');
  world.runUntil(7500);
  assert.ok(events.includes('7000 1 leave 5000'), events.join('\n'));
  assert.deepEqual(results, []);
});

test('a schedule naming an unknown node fails when the step runs, with the node named', () => {
  const world = new World<EchoCore, string>({ seed: 1, createCore: () => new EchoCore() });
  world.addNode();
  scheduleFaults(world, parseFaults('1s kill 7'));
  assert.throws(() => world.runUntil(2000), /no node 7/);
});
