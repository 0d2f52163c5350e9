/**
 * What the parts of the cluster layer share. `Serf` builds one {@link ClusterContext} and hands it
 * to each part (membership, leave, user events, queries, services), the way `Swim` hands its
 * `…Deps` to probe.ts and push-pull.ts: plain references, no globals, one owner of each piece of
 * state.
 */
import type { Address } from '../core/io.js';
import type { Logger, Metrics } from '../core/logger.js';
import type { Random } from '../core/random.js';
import type { SwimCore } from '../swim/api.js';
import type { SerfBroadcasts } from './broadcasts.js';
import type { SerfConfig } from './config.js';
import type { SerfEvent } from './events.js';
import type { MemberTable } from './members.js';
import type { SnapshotState } from './snapshot.js';
import type { SerfDeadlines } from './timers.js';

/** Serf's own state (serf: `SerfState`). */
export type SerfState = 'alive' | 'leaving' | 'left' | 'shutdown';

/** The references every part of the cluster layer works with. */
export interface ClusterContext {
  readonly cfg: SerfConfig;
  /** The SWIM core underneath (members, sends, join/leave). */
  readonly swim: SwimCore;
  readonly random: Random;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** Serf's member table (status, status LTimes, failed/left lists). */
  readonly table: MemberTable;
  /** Serf's three broadcast queues (intents, queries, user events). */
  readonly broadcasts: SerfBroadcasts;
  /** The cluster layer's deadlines. */
  readonly timers: SerfDeadlines;
  /** The snapshot state being recorded, if any. */
  readonly snap: SnapshotState | undefined;
  /** `now` of the input being handled (for callbacks that run inside Swim, e.g. a broadcast hand-out). */
  now(): number;
  /** Serf's own state (owned by the leave choreography). */
  state(): SerfState;
  /** Our current tags. */
  tags(): Readonly<Record<string, string>>;
  /** Queue an event for the application. */
  emit(event: SerfEvent): void;
  /**
   * Send one Serf message straight to `to` over UDP; to ourselves it is delivered at the next tick,
   * as Go's send to its own address would be.
   */
  sendTo(now: number, to: Address, body: Uint8Array): void;
}
