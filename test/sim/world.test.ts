import { test } from 'node:test';
import assert from 'node:assert/strict';
import { World } from '../../src/sim/world.js';
import { EchoCore } from '../helpers/echo-core.js';
import type { Address } from '../../src/core/io.js';

/** A world of echo cores; node i pings every other node every `periodMs` when given. */
function echoWorld(
  seed: number,
  n: number,
  opts: { periodMs?: number; loss?: number; backlogBytes?: number } = {},
) {
  const addrs: Address[] = [];
  const events: string[] = [];
  const world = new World<EchoCore, string>({
    seed,
    link: { delayMs: 1, jitterMs: 2, loss: opts.loss ?? 0 },
    ...(opts.backlogBytes !== undefined ? { backlogBytes: opts.backlogBytes } : {}),
    describeEvent: (e) => e,
    createCore: (ctx) =>
      new EchoCore(
        opts.periodMs !== undefined
          ? { periodMs: opts.periodMs, startMs: ctx.now, peers: addrs.filter((_, j) => j !== ctx.index) }
          : {},
      ),
  });
  world.observe({ onEvent: (now, node, e) => events.push(`${now} ${node} ${e}`) });
  for (let i = 0; i < n; i++) addrs.push({ ip: `127.1.0.${i}`, port: 7946 });
  for (let i = 0; i < n; i++) world.addNode(undefined, addrs[i]);
  return { world, events, core: (i: number) => world.core(i) as EchoCore };
}

test('a paused node buffers what arrives and processes it, then its overdue deadline, on resume', () => {
  const { world, core } = echoWorld(1, 2, { periodMs: 100 });
  world.runUntil(250);
  const ticksBefore = core(1).ticks.length;
  world.pause(1);
  world.runUntil(1000);
  const paused = core(1);
  assert.equal(paused.ticks.length, ticksBefore, 'no tick while paused');
  const seenBefore = paused.received.length;
  world.resume(1);
  // Node 0 kept sending every 100 ms: about 7 datagrams were buffered and handled at t=1000.
  const handledAtResume = paused.received.slice(seenBefore);
  assert.ok(handledAtResume.length >= 6, `only ${handledAtResume.length} buffered`);
  assert.ok(handledAtResume.every((r) => r.now === 1000));
  const seqs = handledAtResume.map((r) => new DataView(r.bytes.buffer).getUint32(4));
  assert.deepEqual(
    seqs,
    [...seqs].sort((a, b) => a - b),
    'backlog is processed in arrival order',
  );
  assert.equal(paused.ticks.at(-1), 1000, 'the overdue deadline fired at resume');
  world.runUntil(1500);
  assert.ok(paused.ticks.length > ticksBefore + 3, 'ticking resumed');
});

test('a paused node drops datagrams beyond its receive buffer', () => {
  const { world, core } = echoWorld(2, 2, { periodMs: 10, backlogBytes: 80 });
  world.pause(1);
  world.runUntil(1000);
  world.resume(1);
  // 8-byte pings, 80-byte buffer: exactly 10 survive.
  assert.equal(core(1).received.length, 10);
  assert.ok(world.stats.backlogOverflow > 80);
});

test('a stream to a paused node times out at the dialer, and the acceptor still handles it on resume', () => {
  const { world, events } = echoWorld(3, 2);
  world.pause(1);
  const id = world.command(0, (c, now) => c.openStream(world.address(1), Uint8Array.of(5, 6, 7), now + 500));
  world.runUntil(2000);
  assert.ok(events.includes(`500 0 fail ${id} timeout`), events.join('\n'));
  assert.ok(!events.some((e) => e.includes('stream')), 'nothing handled while paused');
  world.resume(1);
  assert.ok(events.includes('2000 1 stream 3'));
  world.runUntil(3000);
  assert.ok(!events.some((e) => e.includes(`reply ${id}`)), 'a late reply is never delivered');
});

test('a crashed node loses its traffic and refuses streams; after restart a new core receives', () => {
  const { world, events, core } = echoWorld(4, 2);
  const old = core(1);
  world.crash(1);
  world.command(0, (c) => c.send(world.address(1), Uint8Array.of(1, 1)));
  const id = world.command(0, (c, now) => c.openStream(world.address(1), Uint8Array.of(1), now + 5000));
  world.runUntil(100);
  assert.equal(old.received.length, 0);
  assert.equal(world.core(1), null);
  assert.ok(
    events.some((e) => e.endsWith(`0 fail ${id} refused`)),
    events.join('\n'),
  );
  world.restart(1);
  const fresh = core(1);
  assert.notEqual(fresh, old);
  world.command(0, (c) => c.send(world.address(1), Uint8Array.of(1, 2)));
  world.runUntil(200);
  assert.equal(fresh.received.length, 1);
  // The ping was echoed back to node 0 as a pong.
  assert.ok(core(0).received.some((r) => r.bytes[0] === 2));
});

test('stream replies round-trip and a null reply reports closed', () => {
  const { world, events } = echoWorld(5, 2);
  const ok = world.command(0, (c, now) => c.openStream(world.address(1), Uint8Array.of(1, 2, 3), now + 1000));
  const closed = world.command(0, (c, now) =>
    c.openStream(world.address(1), Uint8Array.of(0, 9), now + 1000),
  );
  world.runUntil(2000);
  assert.ok(
    events.some((e) => e.endsWith(`0 reply ${ok} 3`)),
    events.join('\n'),
  );
  assert.ok(
    events.some((e) => e.endsWith(`0 fail ${closed} closed`)),
    events.join('\n'),
  );
  assert.ok(!events.some((e) => e.includes(`fail ${ok}`)), 'an answered stream does not also time out');
});

test('the same seed gives the identical trace hash; a different seed a different one', () => {
  const run = (seed: number): string => {
    const { world } = echoWorld(seed, 6, { periodMs: 50, loss: 0.2 });
    world.at(400, 'pause 2', (w) => w.pause(2));
    world.at(900, 'resume 2', (w) => w.resume(2));
    world.at(1200, 'crash 3', (w) => w.crash(3));
    world.runUntil(3000);
    return world.trace.hash();
  };
  const a = run(42);
  assert.equal(run(42), a, 'seed 42 replays (replay: the same seed in this test)');
  assert.notEqual(run(43), a);
});

test('scheduled actions run at their time in scheduling order', () => {
  const { world } = echoWorld(6, 1);
  const order: string[] = [];
  world.at(10, 'b', () => order.push(`b@${world.now}`));
  world.at(5, 'a', () => order.push(`a@${world.now}`));
  world.at(10, 'c', () => order.push(`c@${world.now}`));
  world.runUntil(20);
  assert.deepEqual(order, ['a@5', 'b@10', 'c@10']);
  assert.throws(() => world.at(3, 'past', () => {}));
});
