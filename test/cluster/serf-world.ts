/**
 * A simulated world of Serf cores (each owning a real Swim core) on the in-memory network and a
 * virtual clock — the conversation harness of the cluster tests.
 */
import { World, type NodeContext } from '../../src/sim/world.js';
import { Serf } from '../../src/cluster/serf.js';
import type { SerfEvent } from '../../src/cluster/events.js';
import { resolveSerfConfig, type SerfConfig } from '../../src/cluster/config.js';
import type { SnapshotData } from '../../src/cluster/snapshot.js';
import type { MutableKeyring } from '../../src/cluster/keys.js';
import { Swim } from '../../src/swim/swim.js';
import { resolveConfig, type SwimConfig } from '../../src/swim/config.js';
import type { LinkParams } from '../../src/transport/memory.js';

/** One recorded event. */
export interface Seen {
  readonly at: number;
  readonly event: SerfEvent;
}

/** Options of {@link serfWorld}. */
export interface SerfWorldOptions {
  readonly seed?: number;
  readonly serf?: Partial<Omit<SerfConfig, 'nodeName'>>;
  readonly swim?: Partial<SwimConfig>;
  readonly link?: Partial<LinkParams>;
  /** Per node: tags at creation. */
  readonly tags?: (ctx: NodeContext) => Record<string, string>;
  /** Per node: the Serf node name (default: the world's name). */
  readonly nodeName?: (ctx: NodeContext) => string;
  /** Per node: a keyring for key queries. */
  readonly keyring?: (ctx: NodeContext) => MutableKeyring | null;
  /** Per node life: a snapshot to restore. */
  readonly snapshot?: (ctx: NodeContext) => SnapshotData | undefined;
}

/** Build a world; events of every node (per index) are recorded. */
export function serfWorld(opts: SerfWorldOptions = {}) {
  const events: Seen[][] = [];
  const world = new World<Serf, SerfEvent>({
    seed: opts.seed ?? 1,
    link: { delayMs: 1, jitterMs: 1, ...opts.link },
    createCore: (ctx) => {
      const nodeName = opts.nodeName?.(ctx) ?? ctx.name;
      const config = resolveSerfConfig({ ...opts.serf, nodeName, tags: opts.tags?.(ctx) ?? {} });
      const swimConfig = resolveConfig(opts.swim ?? {}, 'lan');
      const snapshot = opts.snapshot?.(ctx);
      return new Serf({
        config,
        random: ctx.random,
        now: ctx.now,
        keyring: opts.keyring?.(ctx) ?? null,
        ...(snapshot !== undefined ? { snapshot } : {}),
        recordSnapshot: true,
        createSwim: (delegate) =>
          new Swim({
            name: nodeName,
            advertise: ctx.addr,
            config: swimConfig,
            now: ctx.now,
            random: ctx.random,
            delegate,
          }),
      });
    },
  });
  world.observe({
    onEvent: (now, node, event) => {
      while (events.length <= node) events.push([]);
      (events[node] as Seen[]).push({ at: now, event });
    },
  });
  const serf = (i: number): Serf => {
    const c = world.core(i);
    if (c === null) throw new Error(`node ${i} is down`);
    return c;
  };
  const evs = (i: number): Seen[] => events[i] ?? [];
  return {
    world,
    events: evs,
    serf,
    /** Add `n` nodes (default names). */
    add(n: number, name?: (i: number) => string): number[] {
      const out: number[] = [];
      for (let k = 0; k < n; k++) out.push(world.addNode(name?.(world.size)));
      return out;
    },
    /** Node `i` joins node `j`; returns the join request id. */
    join(i: number, j: number, ignoreOld = true): number {
      return world.command(i, (s, now) => s.join(now, [world.address(j)], ignoreOld));
    },
    /** Names of the members node `i` sees with `status`. */
    names(i: number, status = 'alive'): string[] {
      return serf(i)
        .members()
        .filter((m) => m.status === status)
        .map((m) => m.name)
        .sort();
    },
    /** Events of one type at node `i`. */
    ofType<T extends SerfEvent['type']>(i: number, type: T): (SerfEvent & { type: T })[] {
      return evs(i)
        .map((s) => s.event)
        .filter((e): e is SerfEvent & { type: T } => e.type === type);
    },
  };
}
