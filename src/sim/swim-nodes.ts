/**
 * Worlds of real `Swim` cores: one shared {@link Interner} for the whole world (ids are shared,
 * knowledge is not: presence lives in each core's own table), one resolved config, one forked
 * random stream per node.
 *
 * Pre-joined bootstrap ({@link prejoinAll}): every node starts knowing every other as alive with
 * incarnation 1 and no meta, as if a join had completed and its gossip had reached everyone before
 * the run started. It is done with `Swim.preload` (one `PreloadBatch`), which adds members without traffic,
 * broadcasts or events. What it skips: the join storm itself (N push-pulls and N² alive
 * broadcasts), which at 10,000 nodes would dominate the run and is not what a steady-state or
 * failure-detection measurement is about. Join behaviour is covered by the `join` bootstrap.
 */
import type { SwimEvent } from '../swim/api.js';
import { resolveConfig, type Profile, type SwimConfig } from '../swim/config.js';
import { Interner } from '../swim/interner.js';
import { PreloadBatch, Swim, type PreloadedMember } from '../swim/swim.js';
import type { LinkParams } from '../transport/memory.js';
import type { Trace } from './trace.js';
import { World } from './world.js';

/** The core type of a Swim world. */
export type SwimSimCore = Swim;

/** A world of Swim cores. */
export type SwimWorld = World<Swim, SwimEvent>;

/** How to build a Swim world. */
export interface SwimWorldOptions {
  readonly seed: number;
  /** memberlist profile; default `lan`. */
  readonly profile?: Profile;
  /** Overrides on top of the profile. */
  readonly config?: Partial<SwimConfig>;
  readonly link?: Partial<LinkParams>;
  readonly trace?: Trace;
  /** Call `Swim.assertInvariants()` after every step (small worlds only). */
  readonly checkInvariants?: boolean;
  /** Datagrams a paused node buffers, bytes. */
  readonly backlogBytes?: number;
}

/** A short, stable text for a Swim event (mixed into the trace hash). */
export function describeSwimEvent(e: SwimEvent): string {
  switch (e.type) {
    case 'join':
    case 'update':
    case 'leave':
      return `${e.type} ${e.member.name} ${e.member.state} ${e.member.incarnation}`;
    case 'suspect':
      return `suspect ${e.member.name} ${e.member.incarnation} from ${e.from}`;
    case 'refute':
      return `refute ${e.incarnation}`;
    case 'conflict':
      return `conflict ${e.existing.name}`;
    case 'join-result':
      return `join-result ${e.requestId} ${e.contacted} ${e.errors.length}`;
    case 'leave-done':
      return 'leave-done';
  }
}

/** Build an empty world whose nodes are `Swim` cores (add nodes with `world.addNode()`). */
export function buildSwimWorld(o: SwimWorldOptions): SwimWorld {
  const config = resolveConfig(o.config ?? {}, o.profile ?? 'lan');
  const interner = new Interner();
  return new World<Swim, SwimEvent>({
    seed: o.seed,
    ...(o.link ? { link: o.link } : {}),
    ...(o.trace ? { trace: o.trace } : {}),
    ...(o.backlogBytes !== undefined ? { backlogBytes: o.backlogBytes } : {}),
    checkInvariants: o.checkInvariants ?? false,
    describeEvent: describeSwimEvent,
    createCore: (ctx) =>
      new Swim({ name: ctx.name, advertise: ctx.addr, config, now: ctx.now, random: ctx.random, interner }),
  });
}

/**
 * Make every up node know every other up node as alive (see the module comment). O(N²) member
 * inserts, no traffic. Call before running.
 */
export function prejoinAll(world: SwimWorld): void {
  const up: number[] = [];
  const known: PreloadedMember[] = [];
  for (let i = 0; i < world.size; i++) {
    const core = world.core(i);
    if (core === null || world.state(i) !== 'up') continue;
    const self = core.self;
    up.push(i);
    known.push({
      name: self.name,
      addr: self.addr,
      meta: self.meta,
      incarnation: self.incarnation,
      vsn: self.vsn,
    });
  }
  const first = up[0] === undefined ? null : world.core(up[0]);
  if (first === null) return;
  // One batch of interned ids for every core (the cores share the interner): ~5x faster than a
  // preloadMember per record at 10^8 records. Each core skips its own name.
  const batch = new PreloadBatch(first.interner, known);
  for (const i of up) world.command(i, (core, now) => core.preload(now, batch));
  batch.release();
}
