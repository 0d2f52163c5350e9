/**
 * The service seam in a seeded world of whole stacks (built by buildStack, as createNode builds a
 * node), with the test-only counter service (test/helpers/counter-service.ts) on some nodes and
 * not on others. A node without the service stands for a serf agent or an older node: it must
 * never receive a service frame (the real serf agent is in test/interop/service-vs-serf.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SerfEvent } from '../../src/cluster/events.js';
import type { Serf } from '../../src/cluster/serf.js';
import type { Address } from '../../src/core/io.js';
import { noopLogger, type Metrics } from '../../src/core/logger.js';
import { buildStack, resolveStackConfig } from '../../src/runtime/stack.js';
import { World } from '../../src/sim/world.js';
import type { LinkParams } from '../../src/transport/memory.js';
import { openPacket } from '../../src/wire/packet.js';
import { SERVICE_MESSAGE_TYPE } from '../../src/wire/service-frame.js';
import { openStream } from '../../src/wire/stream.js';
import {
  CounterService,
  counterChecker,
  type CounterChecker,
  type CounterEvent,
  type CounterNodeView,
} from '../helpers/counter-service.js';

interface Options {
  readonly n: number;
  /** Which nodes run the counter (default all). */
  readonly capable?: (i: number) => boolean;
  readonly seed?: number;
  readonly link?: Partial<LinkParams>;
  readonly brokenMerge?: (i: number) => boolean;
  readonly syncIntervalMs?: number;
}

/** Service frames a node received, by packet and by stream. */
interface Received {
  packets: number;
  streams: number;
}

function serviceFrames(userBodies: readonly Uint8Array[]): number {
  return userBodies.filter((b) => b[0] === SERVICE_MESSAGE_TYPE).length;
}

/** A world of `n` stacks; returns it with per-node received frames and delivered counter events. */
function counterWorld(o: Options) {
  const config = resolveStackConfig({ profile: 'lan' });
  const received: Received[] = [];
  const metrics: Map<string, number>[] = [];
  const events: { at: number; node: number; event: CounterEvent }[] = [];
  const world = new World<Serf, SerfEvent>({
    seed: o.seed ?? 1,
    link: { delayMs: 1, jitterMs: 1, ...o.link },
    createCore: (ctx) => {
      const capable = o.capable?.(ctx.index) ?? true;
      const counts = new Map<string, number>();
      metrics[ctx.index] = counts;
      const sink: Metrics = {
        incr: (name: string, by = 1) => void counts.set(name, (counts.get(name) ?? 0) + by),
        gauge: () => {},
        observe: () => {},
      } as unknown as Metrics;
      const core = buildStack({
        name: ctx.name,
        advertise: ctx.addr,
        tags: { role: capable ? 'counter' : 'plain' },
        keys: [],
        config,
        now: ctx.now,
        random: ctx.random,
        logger: noopLogger,
        metrics: sink,
        services: capable
          ? [
              new CounterService({
                brokenMerge: o.brokenMerge?.(ctx.index) ?? false,
                ...(o.syncIntervalMs !== undefined ? { syncIntervalMs: o.syncIntervalMs } : {}),
              }),
            ]
          : [],
      }).core;
      // Look at every datagram and stream this node gets for service frames (plaintext world).
      const r = (received[ctx.index] ??= { packets: 0, streams: 0 });
      const handlePacket = core.handlePacket.bind(core);
      core.handlePacket = (now: number, from: Address, bytes: Uint8Array): void => {
        const msgs = openPacket(bytes, null).messages;
        r.packets += serviceFrames(msgs.flatMap((m) => (m.type === 'user' ? [m.body] : [])));
        handlePacket(now, from, bytes);
      };
      const handleStream = core.handleStream.bind(core);
      core.handleStream = (now: number, from: Address, bytes: Uint8Array): Uint8Array | null => {
        const m = openStream(bytes, null);
        if (m.type === 'user') r.streams += serviceFrames([m.body]);
        return handleStream(now, from, bytes);
      };
      return core;
    },
  });
  world.observe({
    onEvent: (at, node, e) => {
      if (e.type === 'service' && e.service === 'counter')
        events.push({ at, node, event: e.event as CounterEvent });
    },
  });
  for (let i = 0; i < o.n; i++) world.addNode();
  for (let i = 1; i < o.n; i++) world.command(i, (s, now) => s.join(now, [world.address(0)]));
  const counter = (i: number): CounterService => {
    const s = world.core(i)?.service<CounterService>('counter');
    assert.ok(s !== undefined, `node ${i} runs the counter`);
    return s;
  };
  const views = (): CounterNodeView[] =>
    Array.from({ length: world.size }, (_, i) => ({
      name: world.name(i),
      state: world.state(i),
      service: world.core(i)?.service<CounterService>('counter'),
    }));
  const allAlive = (): boolean =>
    world.liveNodes().every(
      (i) =>
        world
          .core(i)!
          .members()
          .filter((m) => m.status === 'alive').length === o.n,
    );
  assert.ok(world.runUntilTrue(allAlive, 30_000), 'the cluster formed');
  return { world, counter, received, metrics, events, views };
}

/**
 * Run `quietMs` of virtual time (several gossip and anti-entropy rounds), checking the checker's
 * step invariants every 100 ms, then its convergence: the simulator's "heal, run quiet, check".
 */
function runChecked(
  world: World<Serf, SerfEvent>,
  checker: CounterChecker,
  views: () => CounterNodeView[],
  quietMs: number,
): { converged: string[]; step: string[] } {
  const step = new Set<string>();
  for (let t = 0; t < quietMs; t += 100) {
    world.runFor(100);
    for (const p of checker.checkStep(world.now, views())) step.add(p);
  }
  return { converged: checker.checkConverged(world.now, views()), step: [...step] };
}

test('a service message reaches every capable node and never a node without the service', () => {
  const w = counterWorld({ n: 6, capable: (i) => i !== 2 && i !== 5, link: { loss: 0.05 } });
  const issued = new Map<string, number>();
  for (const i of [0, 3, 4, 0]) {
    w.world.command(i, (_s, now) => w.counter(i).increment(now));
    issued.set(w.world.name(i), (issued.get(w.world.name(i)) ?? 0) + 1);
  }
  const r = runChecked(w.world, counterChecker(issued), () => w.views().filter((v) => v.service), 10_000);
  assert.deepEqual(r.step, []);
  assert.deepEqual(r.converged, []);
  for (const i of [0, 1, 3, 4]) assert.equal(w.counter(i).total(), 4, `node ${i}`);
  for (const i of [2, 5]) {
    assert.deepEqual(w.received[i], { packets: 0, streams: 0 }, `node ${i} got no service frame`);
    assert.equal(w.world.core(i)!.service('counter'), undefined);
    assert.equal(w.metrics[i]!.get('serf_msgs_decode_error') ?? 0, 0);
  }
  assert.ok(w.received[1]!.packets > 0, 'capable nodes did get frames by gossip');
  // Every capable node sees exactly the other capable nodes as peers.
  const host = w.world.core(0)!.service<CounterService>('counter')!;
  assert.ok(host);
  assert.deepEqual(
    w.world
      .core(1)!
      .members()
      .map((m) => m.tags.role)
      .sort(),
    ['counter', 'counter', 'counter', 'counter', 'plain', 'plain'],
    'the capability is not a tag: tags are exactly the configured ones',
  );
});

test('an increment asking for acks gets them by direct message and ends by its typed timer', () => {
  const w = counterWorld({ n: 4, capable: (i) => i !== 3 });
  const seq = w.world.command(0, (_s, now) => w.counter(0).increment(now, 5, 2, 3000));
  const done = () => w.events.find((e) => e.node === 0 && e.event.type === 'acked' && e.event.seq === seq);
  assert.ok(w.world.runUntilTrue(() => done() !== undefined, 5_000));
  const ev = done()!.event as Extract<CounterEvent, { type: 'acked' }>;
  assert.deepEqual(ev.acks, [w.world.name(1), w.world.name(2)]);
  // Asking for more acks than there are capable peers: the timer ends it with what came.
  const start = w.world.now;
  const seq2 = w.world.command(0, (_s, now) => w.counter(0).increment(now, 1, 3, 2000));
  const done2 = () => w.events.find((e) => e.node === 0 && e.event.type === 'acked' && e.event.seq === seq2);
  assert.ok(w.world.runUntilTrue(() => done2() !== undefined, 5_000));
  const ev2 = done2()!.event as Extract<CounterEvent, { type: 'acked' }>;
  assert.equal(ev2.acks.length, 2);
  assert.ok(done2()!.at >= start + 2000, 'ended by the ack timeout');
  assert.deepEqual(w.received[3], { packets: 0, streams: 0 });
});

test('anti-entropy brings a node that missed every gossip message up to date, over streams', () => {
  const w = counterWorld({ n: 4, syncIntervalMs: 1000 });
  // Node 3 hears nothing from the others while the increments are gossiped; its probes still go out.
  for (const i of [0, 1, 2]) w.world.net.setLink(i, 3, { loss: 1 });
  const issued = new Map<string, number>();
  for (const i of [0, 1, 2]) {
    w.world.command(i, (_s, now) => w.counter(i).increment(now, i + 1));
    issued.set(w.world.name(i), i + 1);
  }
  w.world.runFor(3_000);
  assert.equal(w.counter(3).total(), 0, 'node 3 missed the gossip');
  const streamsBefore = w.received[3]!.streams;
  w.world.net.clearLinks();
  const r = runChecked(w.world, counterChecker(issued), w.views, 10_000);
  assert.deepEqual(r.converged, []);
  assert.equal(w.counter(3).total(), 6);
  assert.ok(w.received[3]!.streams > streamsBefore, 'the state came by anti-entropy streams');
});

test('a failed capable peer leaves the peer list, the service is told, and a restarted one is synced', () => {
  const w = counterWorld({ n: 4 });
  const gone: string[] = [];
  const c0 = w.counter(0);
  const onMember = c0.onMember.bind(c0);
  c0.onMember = (now, ev, peer) => {
    if (ev.type === 'member-failed' && peer !== undefined) gone.push(peer.name);
    onMember(now, ev, peer);
  };
  w.world.command(0, (_s, now) => w.counter(0).increment(now, 7));
  w.world.runFor(2_000);
  w.world.crash(2);
  assert.ok(
    w.world.runUntilTrue(() => gone.length > 0, 30_000),
    'node 0 saw node 2 fail',
  );
  assert.deepEqual(gone, [w.world.name(2)]);
  w.world.restart(2);
  w.world.command(2, (s, now) => s.join(now, [w.world.address(0)]));
  // The restarted node starts empty; the member hook syncs it as soon as it is seen alive again.
  assert.ok(w.world.runUntilTrue(() => w.counter(2).total() === 7, 10_000));
});

test('the counter checker passes a correct run and catches a deliberately broken merge', () => {
  for (const broken of [false, true]) {
    const w = counterWorld({ n: 5, seed: 3, brokenMerge: (i) => broken && i === 4 });
    const issued = new Map<string, number>();
    for (const i of [0, 1, 1, 2]) {
      w.world.command(i, (_s, now) => w.counter(i).increment(now));
      issued.set(w.world.name(i), (issued.get(w.world.name(i)) ?? 0) + 1);
    }
    const r = runChecked(w.world, counterChecker(issued), w.views, 10_000);
    if (!broken) {
      assert.deepEqual([...r.step, ...r.converged], []);
    } else {
      assert.ok(r.step.length + r.converged.length > 0, 'the checker reports the broken merge');
      assert.match([...r.step, ...r.converged].join('\n'), /node-4|more than/);
    }
  }
});

test('bad service registrations are refused with every problem listed', () => {
  const config = resolveStackConfig({});
  const build = (services: never[]) =>
    buildStack({
      name: 'a',
      advertise: { ip: '127.0.0.1', port: 7946 },
      tags: {},
      keys: [],
      config,
      now: 0,
      random: { nextU32: () => 1, int: () => 0, float: () => 0 } as never,
      logger: noopLogger,
      services,
    });
  const svc = (name: string, version: number) => ({ name, version, attach() {}, onMessage() {} }) as never;
  assert.throws(
    () => build([svc('Bad Name', 1), svc('ok', 0), svc('dup', 1), svc('dup', 1)]),
    (e: unknown) => {
      const problems = (e as { problems?: string[] }).problems ?? [];
      return (
        (e as { code?: string }).code === 'GP_ERR_CONFIG' &&
        problems.some((p) => p.includes('Bad Name')) &&
        problems.some((p) => p.includes('version')) &&
        problems.some((p) => p.includes('twice'))
      );
    },
  );
});
