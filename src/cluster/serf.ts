/**
 * The Serf-compatible core (serf 0.9.4 on memberlist 0.2.2), sans-I/O.
 *
 * `Serf` owns a {@link SwimCore} and is its {@link SwimDelegate}: tags go out as node meta, Serf
 * messages ride memberlist user messages and the broadcast piggy-back, and Serf's push-pull state
 * (clocks, status times, left members, the event ring) travels in every push-pull. Driver calls
 * go to Serf, which forwards them to Swim, drains Swim's events and turns them into Serf member
 * events (left vs failed decided by the leave intent, reference §11.3).
 *
 * Own timers (a keyed deadline heap, like swim's): reaping, reconnect attempts, queue-depth
 * checks, the leave phases, pruning, query deadlines, user-event coalescing.
 */
import {
  formatAddress,
  type Address,
  type Output,
  type ProtocolCore,
  type StreamFailure,
} from '../core/io.js';
import { parseSeed } from '../core/seeds.js';
import type { MemberInfo, SwimCore, SwimDelegate, SwimEvent } from '../swim/api.js';
import { DeadlineHeap } from '../core/deadlines.js';
import type { Random } from '../core/random.js';
import { noopLogger, noopMetrics, type Logger, type Metrics } from '../core/logger.js';
import { ConfigError, GossipError, StateError, TooLargeError } from '../wire/errors.js';
import { META_MAX_BYTES } from '../wire/limits.js';
import type {
  SerfFilter,
  SerfJoin,
  SerfLeave,
  SerfMember,
  SerfMessage,
  SerfPushPull,
  SerfQuery,
  SerfQueryResponse,
  SerfUserEvent,
} from '../wire/messages.js';
import { SerfBroadcasts, queueDepthLimit } from './broadcasts.js';
import * as codec from './codec.js';
import type { SerfConfig } from './config.js';
import { ConflictTally } from './conflict.js';
import type { SerfEvent } from './events.js';
import { RecentIntents } from './intents.js';
import {
  KeyResponseTally,
  answerKeyQuery,
  fitKeyList,
  isKeyQuery,
  type KeyQuery,
  type MutableKeyring,
} from './keys.js';
import { LamportClock, type LamportTime } from './lamport.js';
import { compileMemberFilter, type MemberFilter } from './member-filter.js';
import { MemberStatusCode, MemberTable, type Member, type MemberChange, type NodeInfo } from './members.js';
import {
  OutgoingQueries,
  QueryBuffer,
  QueryFlags,
  defaultQueryTimeoutMs,
  shouldProcessQuery,
} from './queries.js';
import { pickReconnectTarget } from './reap.js';
import { pickRelayMembers } from './relay.js';
import { EMPTY_SNAPSHOT, SnapshotState, type SnapshotData } from './snapshot.js';
import { UserEventBuffer, UserEventCoalescer, type DeliveredUserEvent } from './user-events.js';

/** Prefix of Serf's internal queries (serf: internal_query.go). */
export const INTERNAL_QUERY_PREFIX = '_serf_';
/** Prefix of our multicast extension: a query whose receivers deliver a user event (docs/multicast.md). */
export const MULTICAST_QUERY_PREFIX = 'gp-multicast:';

/** Serf's own state (serf: `SerfState`). */
export type SerfState = 'alive' | 'leaving' | 'left' | 'shutdown';

/** Query options (serf: `QueryParam`). */
export interface QueryOptions {
  /** Only these nodes process the query. */
  readonly filterNodes?: readonly string[];
  /** Only nodes whose tag matches (unanchored Go regex) process the query. */
  readonly filterTags?: Readonly<Record<string, string>>;
  /** Ask every processing node for an ack. */
  readonly requestAck?: boolean;
  /** Extra relayed copies of every ack/response (0…255). */
  readonly relayFactor?: number;
  /** Response window; default GossipInterval × QueryTimeoutMult × ceil(log10(n + 1)). */
  readonly timeoutMs?: number;
}

/** A query we started. */
export interface QueryHandle {
  readonly lTime: LamportTime;
  readonly id: number;
  readonly deadline: number;
}

/** Dependencies of a {@link Serf} core. */
export interface SerfOptions {
  readonly config: SerfConfig;
  /** Builds the SWIM core with Serf as its delegate (one place builds the stack). */
  readonly createSwim: (delegate: SwimDelegate) => SwimCore;
  readonly random: Random;
  /** `now` at creation (ms), to arm the periodic timers. */
  readonly now: number;
  /** The keyring key queries rotate, or null without encryption. Must be the one Swim encrypts with. */
  readonly keyring?: MutableKeyring | null;
  /** A restored snapshot: clocks continue from it, old events are not replayed, its members rejoined. */
  readonly snapshot?: SnapshotData;
  /** Keep a snapshot state up to date (read it with {@link Serf.snapshot}). Default: when `snapshot` is given. */
  readonly recordSnapshot?: boolean;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
}

/** An incoming query we delivered and may still answer. */
interface PendingResponse {
  readonly lTime: LamportTime;
  readonly id: number;
  readonly addr: Uint8Array;
  readonly port: number;
  readonly sourceNode: string;
  readonly relayFactor: number;
  readonly deadline: number;
}

/** Why we started an outgoing query. */
type QueryPurpose =
  | { readonly kind: 'user' }
  | { readonly kind: 'key'; readonly requestId: number; readonly tally: KeyResponseTally }
  | { readonly kind: 'conflict'; readonly tally: ConflictTally };

type JoinPurpose =
  | { readonly kind: 'user'; readonly ignoreOld: boolean }
  | { readonly kind: 'reconnect' }
  | { readonly kind: 'rejoin' };

const EMPTY = new Uint8Array(0);

/** The Serf-compatible protocol core. See the module comment. */
export class Serf implements ProtocolCore<SerfEvent> {
  private readonly cfg: SerfConfig;
  private readonly swim: SwimCore;
  private readonly random: Random;
  private readonly log: Logger;
  private readonly metrics: Metrics;
  private readonly keyring: MutableKeyring | null;

  private readonly clock = new LamportClock();
  private readonly eventClock = new LamportClock();
  private readonly queryClock = new LamportClock();
  private eventMinTime: LamportTime = 0;
  private queryMinTime: LamportTime = 0;

  private readonly table = new MemberTable();
  private readonly intents = new RecentIntents();
  private readonly eventBuffer: UserEventBuffer;
  private readonly queryBuffer: QueryBuffer;
  private readonly outgoing = new OutgoingQueries();
  private readonly outgoingPurpose = new Map<LamportTime, QueryPurpose>();
  private readonly pending = new Map<number, PendingResponse>();
  private nextQueryHandle = 1;
  private readonly broadcasts: SerfBroadcasts;
  private readonly timers = DeadlineHeap.ofStrings();
  private readonly coalescer: UserEventCoalescer | undefined;
  private readonly snap: SnapshotState | undefined;

  private tags: Readonly<Record<string, string>>;
  private meta: Uint8Array;
  private state: SerfState = 'alive';
  private lastNow: number;
  private events: SerfEvent[] = [];
  /** Serf user messages addressed to ourselves, delivered at the next tick (as if sent over UDP). */
  private selfMessages: Uint8Array[] = [];
  private readonly joins = new Map<number, JoinPurpose>();
  private ignoreOldJoins = 0;
  private rejoinQueue: Address[] = [];
  private nextKeyRequest = 1;
  private leaveIntentTimedOut = false;
  private conflictRunning = false;

  constructor(opts: SerfOptions) {
    this.cfg = opts.config;
    this.random = opts.random;
    this.log = opts.logger ?? noopLogger;
    this.metrics = opts.metrics ?? noopMetrics;
    this.keyring = opts.keyring ?? null;
    this.lastNow = opts.now;
    this.tags = opts.config.tags;
    this.meta = codec.encodeTags(this.tags);
    if (this.meta.length > META_MAX_BYTES) {
      throw new TooLargeError(`Encoded length of tags exceeds limit of ${META_MAX_BYTES} bytes`);
    }
    this.eventBuffer = new UserEventBuffer(opts.config.eventBuffer);
    this.queryBuffer = new QueryBuffer(opts.config.queryBuffer);
    this.broadcasts = new SerfBroadcasts(opts.config.retransmitMult, () => this.table.size);
    if (opts.config.userCoalescePeriodMs > 0 && opts.config.userQuiescentPeriodMs > 0) {
      this.coalescer = new UserEventCoalescer(
        opts.config.userCoalescePeriodMs,
        opts.config.userQuiescentPeriodMs,
      );
    }

    // Clocks start at 1 so that a default join LTime of 0 never wins (serf.go Create); a snapshot
    // moves them past everything this node saw before, and old events/queries are not replayed.
    this.clock.increment();
    this.eventClock.increment();
    this.queryClock.increment();
    const restored = opts.snapshot ?? EMPTY_SNAPSHOT;
    this.clock.witness(restored.clock);
    this.eventClock.witness(restored.eventClock);
    this.queryClock.witness(restored.queryClock);
    if (opts.snapshot !== undefined) {
      this.eventMinTime = restored.eventClock + 1;
      this.queryMinTime = restored.queryClock + 1;
    }
    if (opts.recordSnapshot ?? opts.snapshot !== undefined) {
      this.snap = new SnapshotState(restored, opts.config.rejoinAfterLeave);
    }

    this.swim = opts.createSwim(this.delegate());
    this.drainSwim(opts.now);
    if (this.table.get(this.cfg.nodeName) === undefined) this.onSwimJoin(this.swim.self);

    const now = opts.now;
    this.timers.set('reap', now + this.cfg.reapIntervalMs);
    if (this.cfg.reconnectIntervalMs > 0) this.timers.set('reconnect', now + this.cfg.reconnectIntervalMs);
    this.timers.set('queue-check', now + this.cfg.queueCheckIntervalMs);

    // Rejoin the members a snapshot remembers, one at a time until one answers (serf handleRejoin).
    for (const [name, addr] of restored.aliveNodes) {
      if (name === this.cfg.nodeName) continue;
      // Written by us or serf as `ip:port` / `[v6]:port`; a line that is not one is skipped.
      const seed = parseSeed(addr, { defaultPort: null });
      if (typeof seed !== 'string' && seed.kind === 'address') this.rejoinQueue.push(seed.address);
    }
    if (this.rejoinQueue.length > 0) this.nextRejoin(now);
  }

  // ------------------------------------------------------------------ driver contract

  handlePacket(now: number, from: Address, bytes: Uint8Array): void {
    this.enter(now);
    this.swim.handlePacket(now, from, bytes);
    this.leaveInput(now);
  }

  handleStream(now: number, from: Address, request: Uint8Array): Uint8Array | null {
    this.enter(now);
    const reply = this.swim.handleStream(now, from, request);
    this.leaveInput(now);
    return reply;
  }

  handleStreamReply(now: number, id: number, reply: Uint8Array | StreamFailure): void {
    this.enter(now);
    this.swim.handleStreamReply(now, id, reply);
    this.leaveInput(now);
  }

  /** The driver saw this process stall: the Swim core decides what to do (adaptive mode). */
  notifyStall(now: number, ms: number): void {
    this.enter(now);
    this.swim.notifyStall?.(now, ms);
    this.leaveInput(now);
  }

  tick(now: number): void {
    this.enter(now);
    this.swim.tick(now);
    this.drainSwim(now);
    for (let key = this.timers.popDue(now); key !== undefined; key = this.timers.popDue(now))
      this.fire(now, key);
    for (const lTime of this.outgoing.expire(now)) this.finishQuery(now, lTime);
    for (const [handle, p] of this.pending) if (p.deadline <= now) this.pending.delete(handle);
    if (this.coalescer !== undefined) for (const e of this.coalescer.flushDue(now)) this.emitUser(e, false);
    this.leaveInput(now);
  }

  nextDeadline(): number | undefined {
    let min = this.swim.nextDeadline();
    const consider = (t: number | undefined): void => {
      if (t !== undefined && (min === undefined || t < min)) min = t;
    };
    consider(this.timers.peek());
    consider(this.outgoing.nextDeadline());
    consider(this.coalescer?.deadline());
    return min;
  }

  drainOutputs(): Output[] {
    return this.swim.drainOutputs();
  }

  drainEvents(): SerfEvent[] {
    const out = this.events;
    this.events = [];
    return out;
  }

  // ------------------------------------------------------------------ queries on state

  /** Serf's own state. */
  get serfState(): SerfState {
    return this.state;
  }

  /** The underlying SWIM core (read-only use: health, raw members). */
  get swimCore(): SwimCore {
    return this.swim;
  }

  /** Our own member. */
  localMember(): Member {
    return this.table.get(this.cfg.nodeName) as Member;
  }

  /** Every member (including failed and left ones not yet reaped), optionally filtered. */
  members(filter?: MemberFilter): Member[] {
    const all = this.table.all();
    if (filter === undefined) return all;
    const match = compileMemberFilter(filter);
    return all.filter(match);
  }

  /** Our current tags. */
  localTags(): Readonly<Record<string, string>> {
    return this.tags;
  }

  /** The Lamport clocks (member, event, query). */
  clocks(): { member: LamportTime; event: LamportTime; query: LamportTime } {
    return { member: this.clock.time(), event: this.eventClock.time(), query: this.queryClock.time() };
  }

  /** Operator statistics (serf `Stats`). */
  stats(): Record<string, string> {
    return {
      members: String(this.table.size),
      failed: String(this.table.failedMembers().length),
      left: String(this.table.leftMembers().length),
      health_score: String(this.swim.healthScore()),
      member_time: String(this.clock.time()),
      event_time: String(this.eventClock.time()),
      query_time: String(this.queryClock.time()),
      intent_queue: String(this.broadcasts.numQueued('intent')),
      event_queue: String(this.broadcasts.numQueued('event')),
      query_queue: String(this.broadcasts.numQueued('query')),
      encrypted: String(this.keyring !== null),
    };
  }

  /** The live snapshot state, if recording (the agent persists it when `dirty`). */
  snapshot(): SnapshotState | undefined {
    return this.snap;
  }

  // ------------------------------------------------------------------ commands

  /**
   * Join a cluster through `seeds`. A `join-result` event with the returned id follows; on success
   * a join intent is broadcast. With `ignoreOld` (the agent default), user events already in the
   * cluster when we join are not delivered to us.
   */
  join(now: number, seeds: readonly Address[], ignoreOld = true): number {
    this.enter(now);
    if (this.state !== 'alive')
      throw new StateError(`cannot join after leave or shutdown (state ${this.state})`);
    if (ignoreOld) this.ignoreOldJoins++;
    const id = this.swim.join(now, seeds);
    this.joins.set(id, { kind: 'user', ignoreOld });
    this.leaveInput(now);
    return id;
  }

  /**
   * Leave gracefully: broadcast the leave intent, wait until it went out (≤ BroadcastTimeout), then
   * the memberlist leave, then LeavePropagateDelay; a `leave-done` event follows.
   */
  leave(now: number): void {
    this.enter(now);
    if (this.state === 'left') return;
    if (this.state === 'leaving') throw new StateError('Leave already in progress');
    if (this.state === 'shutdown') throw new StateError('Leave called after Shutdown');
    this.state = 'leaving';
    this.snap?.leave();
    const msg: SerfLeave = { lTime: this.clock.time(), node: this.cfg.nodeName, prune: false };
    this.clock.increment();
    this.handleLeaveIntent(now, msg);
    if (this.table.hasAliveOthers(this.cfg.nodeName)) {
      const intent = codec.encodeSerfMessage({ type: 'leave', body: msg });
      this.broadcasts.queue('intent', intent, () => {
        // Runs inside a getBroadcasts call: continue at the next tick.
        if (this.state === 'leaving' && this.timers.has('leave-intent'))
          this.timers.set('leave-intent-sent', this.lastNow);
      });
      // Adaptive detector, small cluster: the intent also goes straight to every live member, so
      // that it is there well before our dead(self), which the core then sends all-to-all too
      // (after this broadcast has been gossiped, as in serf). docs/failure-detection.md.
      if (this.swim.dissemination?.() === 'all-to-all') {
        for (const m of this.swim.members()) {
          if (m.name !== this.cfg.nodeName && (m.state === 'alive' || m.state === 'suspect'))
            this.swim.sendUserMessage(now, m.addr, intent);
        }
      }
      this.timers.set('leave-intent', now + this.cfg.broadcastTimeoutMs);
    } else {
      this.swimLeave(now);
    }
    this.leaveInput(now);
  }

  /**
   * Force a failed member into the left state (serf `RemoveFailedNode`); with `prune` it is erased
   * at once. Broadcasts a leave intent on its behalf.
   */
  forceLeave(now: number, node: string, prune = false): void {
    this.enter(now);
    const msg: SerfLeave = { lTime: this.clock.time(), node, prune };
    this.clock.increment();
    this.handleLeaveIntent(now, msg);
    if (this.table.hasAliveOthers(this.cfg.nodeName)) {
      this.broadcasts.queue('intent', codec.encodeSerfMessage({ type: 'leave', body: msg }));
    }
    this.leaveInput(now);
  }

  /**
   * Replace our tags: they propagate with a new alive (incarnation + 1) and every node emits
   * `member-update`. Throws {@link TooLargeError} above 512 encoded bytes (nothing is sent).
   */
  setTags(now: number, tags: Readonly<Record<string, string>>): void {
    this.enter(now);
    this.assertRunning();
    const meta = codec.encodeTags(tags);
    if (meta.length > META_MAX_BYTES) {
      throw new TooLargeError(`Encoded length of tags exceeds limit of ${META_MAX_BYTES} bytes`);
    }
    this.tags = Object.freeze(Object.fromEntries(Object.entries(tags)));
    this.meta = meta;
    this.table.setLocalTags(this.cfg.nodeName, this.tags);
    this.swim.updateMeta(now, meta);
    this.leaveInput(now);
  }

  /**
   * Broadcast a user event (delivered to every node once, including this one). Throws
   * {@link TooLargeError} when name + payload or the encoded message exceeds UserEventSizeLimit.
   */
  userEvent(now: number, name: string, payload: Uint8Array, coalesce = true): void {
    this.enter(now);
    this.assertRunning();
    const limit = this.cfg.userEventSizeLimit;
    const rawSize = Buffer.byteLength(name) + payload.length;
    if (rawSize > limit)
      throw new TooLargeError(`user event exceeds configured limit of ${limit} bytes before encoding`);
    const msg: SerfUserEvent = { lTime: this.eventClock.time(), name, payload, cc: coalesce };
    const raw = codec.encodeSerfMessage({ type: 'userEvent', body: msg });
    if (raw.length > limit)
      throw new TooLargeError(`encoded user event exceeds configured limit of ${limit} bytes after encoding`);
    this.eventClock.increment();
    this.handleUserEvent(now, msg);
    this.broadcasts.queue('event', raw);
    this.leaveInput(now);
  }

  /**
   * Start a query. Acks and responses arrive as `query-ack` / `query-response` events carrying the
   * returned `lTime`, then `query-done` at the deadline. Throws {@link TooLargeError} above
   * QuerySizeLimit.
   */
  query(now: number, name: string, payload: Uint8Array, opts: QueryOptions = {}): QueryHandle {
    this.enter(now);
    this.assertRunning();
    const h = this.startQuery(now, name, payload, opts, { kind: 'user' });
    this.leaveInput(now);
    return h;
  }

  /**
   * Send an event to the members matching `filter` only (our multicast extension, delivered as a
   * `user` event with `multicast: true`; see docs/multicast.md). Serf agents in the group see an
   * ordinary query named `gp-multicast:<name>`; nodes outside it see nothing.
   */
  multicast(
    now: number,
    name: string,
    payload: Uint8Array,
    filter: { readonly tags?: Readonly<Record<string, string>>; readonly nodes?: readonly string[] },
  ): QueryHandle {
    this.enter(now);
    this.assertRunning();
    const h = this.startQuery(
      now,
      MULTICAST_QUERY_PREFIX + name,
      payload,
      { filterTags: filter.tags, filterNodes: filter.nodes, requestAck: false },
      { kind: 'user' },
    );
    this.leaveInput(now);
    return h;
  }

  /**
   * Answer an incoming query (the `queryId` of its `query` event) once, before its deadline.
   * Throws {@link TooLargeError} above QueryResponseSizeLimit, {@link StateError} if already
   * answered or past the deadline. Nothing is sent when it throws.
   */
  respond(now: number, queryId: number, payload: Uint8Array): void {
    this.enter(now);
    const p = this.pending.get(queryId);
    if (p === undefined) throw new StateError('response already sent, past the deadline, or unknown query');
    if (now > p.deadline) {
      this.pending.delete(queryId);
      throw new StateError('response is past the deadline');
    }
    this.sendResponse(now, p, payload);
    this.pending.delete(queryId);
    this.leaveInput(now);
  }

  /**
   * Run a key operation across the cluster (serf `KeyManager`): `key` is raw key bytes (ignored
   * for list-keys). A `key-result` event with the returned id follows when every alive member
   * answered or the query timed out.
   */
  keyOperation(now: number, op: KeyQuery, key: Uint8Array, relayFactor = 0): number {
    this.enter(now);
    this.assertRunning();
    const requestId = this.nextKeyRequest++;
    const payload = codec.encodeKeyRequest({ key: op === 'list-keys' ? EMPTY : key });
    const tally = new KeyResponseTally(this.swim.numAlive());
    this.startQuery(
      now,
      INTERNAL_QUERY_PREFIX + op,
      payload,
      { relayFactor },
      { kind: 'key', requestId, tally },
    );
    this.leaveInput(now);
    return requestId;
  }

  /** Stop at once (no leave): timers and queues are dropped; further input is ignored. */
  shutdown(): void {
    this.state = 'shutdown';
    this.broadcasts.reset();
    this.timers.clear();
  }

  // ------------------------------------------------------------------ internals: entry/exit

  private enter(now: number): void {
    this.lastNow = now;
  }

  private leaveInput(now: number): void {
    this.drainSwim(now);
    this.snap?.memberClock(this.clock.time());
  }

  private assertRunning(): void {
    if (this.state === 'shutdown') throw new StateError('serf is shut down');
  }

  private delegate(): SwimDelegate {
    return {
      nodeMeta: (limit) => (this.meta.length <= limit ? this.meta : this.meta.subarray(0, 0)),
      notifyUserMessage: (now, body, from) => {
        this.lastNow = now;
        this.handleSerfBytes(now, body, from);
      },
      getBroadcasts: (overhead, limit) => this.broadcasts.getBroadcasts(overhead, limit),
      hasBroadcasts: () => this.broadcasts.hasQueued(),
      localState: (join) => this.localState(join),
      mergeRemoteState: (now, state, join) => {
        this.lastNow = now;
        this.mergeRemoteState(now, state, join);
      },
      ackPayload: () => null,
    };
  }

  // ------------------------------------------------------------------ swim events

  private drainSwim(now: number): void {
    for (const e of this.swim.drainEvents()) this.onSwimEvent(now, e);
  }

  private nodeInfo(m: MemberInfo): NodeInfo {
    return { name: m.name, addr: m.addr, tags: codec.decodeTags(m.meta), vsn: m.vsn };
  }

  private emitChange(c: MemberChange | undefined): void {
    if (c === undefined) return;
    this.events.push({ type: c.type, member: c.member });
    this.metrics.incr(`serf_member_${c.type.slice('member-'.length)}`);
    if (c.type === 'member-join') this.snap?.memberAlive(c.member.name, formatAddress(c.member.addr));
    else if (c.type === 'member-leave' || c.type === 'member-failed') this.snap?.memberGone(c.member.name);
  }

  private onSwimJoin(m: MemberInfo): void {
    const existing = this.table.get(m.name);
    if (m.name === this.cfg.nodeName && existing !== undefined && existing.status === 'alive') return;
    this.emitChange(this.table.onJoin(this.nodeInfo(m), this.intents));
  }

  private onSwimEvent(now: number, e: SwimEvent): void {
    switch (e.type) {
      case 'join':
        this.onSwimJoin(e.member);
        break;
      case 'update':
        this.emitChange(this.table.onUpdate(this.nodeInfo(e.member)));
        break;
      case 'leave':
        this.emitChange(this.table.onLeave(e.member.name, now));
        break;
      case 'conflict':
        this.onConflict(now, e.existing, e.other);
        break;
      case 'join-result':
        this.onJoinResult(now, e.requestId, e.contacted, e.errors);
        break;
      case 'leave-done':
        if (this.state === 'leaving')
          this.timers.set('leave-propagate', now + this.cfg.leavePropagateDelayMs);
        break;
      case 'suspect':
      case 'refute':
        break;
    }
  }

  private onJoinResult(
    now: number,
    requestId: number,
    contacted: number,
    errors: readonly { readonly addr: Address; readonly reason: string }[],
  ): void {
    const purpose = this.joins.get(requestId);
    this.joins.delete(requestId);
    if (purpose === undefined) return;
    if (purpose.kind === 'user') {
      if (purpose.ignoreOld) this.ignoreOldJoins--;
      // After a successful join, announce it with the (witnessed) member clock (serf Join).
      if (contacted > 0 && this.state === 'alive') this.broadcastJoinIntent(now, this.clock.time());
      this.events.push({ type: 'join-result', requestId, contacted, errors });
    } else if (purpose.kind === 'rejoin') {
      if (contacted > 0) this.rejoinQueue = [];
      else this.nextRejoin(now);
    }
  }

  private nextRejoin(now: number): void {
    const next = this.rejoinQueue.shift();
    if (next === undefined || this.state !== 'alive') return;
    this.joins.set(this.swim.join(now, [next]), { kind: 'rejoin' });
  }

  // ------------------------------------------------------------------ timers

  private fire(now: number, key: string): void {
    if (this.state === 'shutdown') return;
    if (key === 'reap') {
      for (const c of this.table.reap(now, this.cfg.reconnectTimeoutMs, this.cfg.tombstoneTimeoutMs))
        this.emitChange(c);
      this.intents.reap(now, this.cfg.recentIntentTimeoutMs);
      this.timers.set('reap', now + this.cfg.reapIntervalMs);
    } else if (key === 'reconnect') {
      const target = this.state === 'alive' ? pickReconnectTarget(this.table, this.random) : undefined;
      if (target !== undefined) {
        this.log.debug({ node: target.name }, 'serf: attempting reconnect');
        this.joins.set(this.swim.join(now, [target.addr]), { kind: 'reconnect' });
      }
      this.timers.set('reconnect', now + this.cfg.reconnectIntervalMs);
    } else if (key === 'queue-check') {
      const max = queueDepthLimit(this.cfg.maxQueueDepth, this.cfg.minQueueDepth, this.table.size);
      for (const q of this.broadcasts.checkDepth(max))
        this.log.warn({ queue: q, max }, 'serf: queue depth exceeds limit, dropping messages');
      this.timers.set('queue-check', now + this.cfg.queueCheckIntervalMs);
    } else if (key === 'leave-intent-sent') {
      // The leave intent was fully transmitted before the timeout: on to the memberlist leave.
      if (this.state !== 'leaving' || !this.timers.has('leave-intent')) return;
      this.timers.delete('leave-intent');
      this.swimLeave(now);
    } else if (key === 'leave-intent') {
      // BroadcastTimeout passed first. Serf returns an error here and stays "leaving"; we leave
      // anyway (the dead message still tells everyone) and report it in `leave-done`.
      this.timers.delete('leave-intent-sent');
      this.leaveIntentTimedOut = true;
      if (this.state === 'leaving') this.swimLeave(now);
    } else if (key === 'leave-propagate') {
      this.state = 'left';
      this.events.push({ type: 'leave-done', intentTimedOut: this.leaveIntentTimedOut });
    } else if (key === 'self-delivery') {
      const batch = this.selfMessages;
      this.selfMessages = [];
      for (const m of batch) this.handleSerfBytes(now, m, this.swim.self.addr);
    } else if (key.startsWith('prune:')) {
      this.emitChange(this.table.erase(key.slice('prune:'.length)));
    }
  }

  private swimLeave(now: number): void {
    this.swim.leave(now, this.cfg.broadcastTimeoutMs);
  }

  // ------------------------------------------------------------------ Serf messages

  private handleSerfBytes(now: number, body: Uint8Array, from: Address): void {
    if (body.length === 0 || this.state === 'shutdown') return;
    let msg: SerfMessage;
    try {
      msg = codec.decodeSerfMessage(body);
    } catch (err) {
      this.metrics.incr('serf_msgs_decode_error');
      this.log.debug({ err, from, type: body[0] }, 'serf: undecodable message dropped');
      return;
    }
    switch (msg.type) {
      case 'leave':
        if (this.handleLeaveIntent(now, msg.body)) this.broadcasts.queue('intent', Uint8Array.from(body));
        break;
      case 'join':
        if (this.handleJoinIntent(now, msg.body)) this.broadcasts.queue('intent', Uint8Array.from(body));
        break;
      case 'userEvent':
        if (this.handleUserEvent(now, msg.body)) this.broadcasts.queue('event', Uint8Array.from(body));
        break;
      case 'query':
        if (this.handleQuery(now, msg.body)) this.broadcasts.queue('query', Uint8Array.from(body));
        break;
      case 'queryResponse':
        this.handleQueryResponse(now, msg.body);
        break;
      case 'relay': {
        // Forward the inner message verbatim to its destination, once (serf: delegate.go).
        let to: Address;
        try {
          to = { ip: codec.ipFromBytes(msg.header.destAddr.ip), port: msg.header.destAddr.port };
        } catch {
          return;
        }
        this.sendTo(now, to, msg.inner);
        break;
      }
      case 'pushPull':
        this.log.debug({ from }, 'serf: push-pull state in a user message ignored');
        break;
    }
  }

  /** Send one Serf message straight to `to` (loops back locally when `to` is ourselves). */
  private sendTo(now: number, to: Address, body: Uint8Array): void {
    const self = this.swim.self.addr;
    if (to.ip === self.ip && to.port === self.port) {
      // Like Go's send to its own address, the message arrives later, not inside this call: a
      // caller that starts a query gets its handle before its own ack shows up.
      this.selfMessages.push(body);
      if (!this.timers.has('self-delivery')) this.timers.set('self-delivery', now);
    } else this.swim.sendUserMessage(now, to, body);
  }

  private broadcastJoinIntent(now: number, lTime: LamportTime): void {
    const msg: SerfJoin = { lTime, node: this.cfg.nodeName };
    this.clock.witness(lTime);
    this.handleJoinIntent(now, msg);
    this.broadcasts.queue('intent', codec.encodeSerfMessage({ type: 'join', body: msg }));
  }

  private handleJoinIntent(now: number, msg: SerfJoin): boolean {
    this.clock.witness(msg.lTime);
    return this.table.joinIntent(msg.node, msg.lTime, this.intents, now);
  }

  private handleLeaveIntent(now: number, msg: SerfLeave): boolean {
    this.clock.witness(msg.lTime);
    const r = this.table.leaveIntent(
      msg.node,
      msg.lTime,
      msg.prune,
      this.cfg.nodeName,
      this.state === 'alive',
      this.intents,
      now,
    );
    if (r.refute) {
      this.log.debug('serf: refuting an older leave intent');
      this.broadcastJoinIntent(now, this.clock.time());
    }
    for (const c of r.changes) this.emitChange(c);
    if (r.pruneLater !== undefined) {
      this.timers.set(
        `prune:${r.pruneLater}`,
        now + this.cfg.broadcastTimeoutMs + this.cfg.leavePropagateDelayMs,
      );
    }
    return r.rebroadcast;
  }

  private handleUserEvent(now: number, msg: SerfUserEvent): boolean {
    this.eventClock.witness(msg.lTime);
    const outcome = this.eventBuffer.record(
      msg.lTime,
      msg.name,
      msg.payload,
      this.eventClock.time(),
      this.eventMinTime,
    );
    if (outcome === 'too-old') {
      this.log.debug(
        { name: msg.name, lTime: msg.lTime, clock: this.eventClock.time() },
        'serf: received old event',
      );
    }
    if (outcome !== 'new') return false;
    this.metrics.incr('serf_events');
    const ev: DeliveredUserEvent = {
      lTime: msg.lTime,
      name: msg.name,
      payload: msg.payload,
      coalesce: msg.cc,
    };
    this.snap?.userEvent(msg.lTime);
    if (this.coalescer === undefined || !this.coalescer.add(ev, now)) this.emitUser(ev, false);
    return true;
  }

  private emitUser(ev: DeliveredUserEvent, multicast: boolean): void {
    this.events.push({
      type: 'user',
      lTime: ev.lTime,
      name: ev.name,
      payload: ev.payload ?? EMPTY,
      coalesce: ev.coalesce,
      ...(multicast ? { multicast: true } : {}),
    });
  }

  private decodeFilters(raw: Uint8Array[] | null): SerfFilter[] | 'invalid' {
    const out: SerfFilter[] = [];
    for (const f of raw ?? []) {
      try {
        out.push(codec.decodeFilter(f));
      } catch {
        return 'invalid';
      }
    }
    return out;
  }

  /** Returns whether to re-gossip. */
  private handleQuery(now: number, q: SerfQuery): boolean {
    this.queryClock.witness(q.lTime);
    const outcome = this.queryBuffer.record(q.lTime, q.id, this.queryClock.time(), this.queryMinTime);
    if (outcome !== 'new') return false;
    this.metrics.incr('serf_queries');
    const rebroadcast = (q.flags & QueryFlags.noBroadcast) === 0;
    // Even when our filters fail, a first-seen query is re-gossiped (serf handleQuery).
    if (
      !shouldProcessQuery(
        this.decodeFilters(q.filters),
        this.cfg.nodeName,
        new Map(Object.entries(this.tags)),
      )
    ) {
      return rebroadcast;
    }
    let source: Address;
    try {
      source = { ip: codec.ipFromBytes(q.addr), port: q.port };
    } catch {
      return rebroadcast;
    }
    const p: PendingResponse = {
      lTime: q.lTime,
      id: q.id,
      addr: q.addr,
      port: q.port,
      sourceNode: q.sourceNode,
      relayFactor: q.relayFactor,
      deadline: now + Math.floor(q.timeout / 1e6),
    };
    if ((q.flags & QueryFlags.ack) !== 0) {
      const ack: SerfQueryResponse = {
        lTime: q.lTime,
        id: q.id,
        from: this.cfg.nodeName,
        flags: QueryFlags.ack,
        payload: null,
      };
      this.sendReply(now, p, source, ack, codec.encodeSerfMessage({ type: 'queryResponse', body: ack }));
    }
    this.snap?.query(q.lTime);
    const payload = q.payload ?? EMPTY;
    if (q.name.startsWith(INTERNAL_QUERY_PREFIX)) {
      this.handleInternalQuery(now, q.name.slice(INTERNAL_QUERY_PREFIX.length), payload, p);
    } else if (q.name.startsWith(MULTICAST_QUERY_PREFIX)) {
      const name = q.name.slice(MULTICAST_QUERY_PREFIX.length);
      this.emitUser({ lTime: q.lTime, name, payload, coalesce: false }, true);
    } else {
      const queryId = this.nextQueryHandle++;
      this.pending.set(queryId, p);
      this.events.push({
        type: 'query',
        queryId,
        lTime: q.lTime,
        name: q.name,
        payload,
        sourceNode: q.sourceNode,
        source,
        deadline: p.deadline,
      });
    }
    return rebroadcast;
  }

  private handleInternalQuery(now: number, name: string, payload: Uint8Array, p: PendingResponse): void {
    if (name === 'ping') return; // the ack (if asked for) is the whole answer
    if (name === 'conflict') {
      const node = new TextDecoder().decode(payload);
      if (node === this.cfg.nodeName) return;
      const m = this.table.get(node);
      this.trySendResponse(
        now,
        p,
        codec.encodeConflictResponse(m === undefined ? null : this.toSerfMember(m)),
      );
      return;
    }
    if (isKeyQuery(name)) {
      let req: { key: Uint8Array } | 'invalid';
      try {
        req = codec.decodeKeyRequest(payload);
      } catch {
        req = 'invalid';
      }
      let resp = answerKeyQuery(name, req, this.keyring);
      if (name === 'list-keys') {
        const fitted = fitKeyList(
          resp,
          this.cfg.queryResponseSizeLimit,
          (r) => this.responseSize(p, codec.encodeKeyResponse(r)) <= this.cfg.queryResponseSizeLimit,
        );
        if (fitted === null) return;
        resp = fitted;
      }
      this.trySendResponse(now, p, codec.encodeKeyResponse(resp));
      return;
    }
    this.log.warn({ query: name }, 'serf: unhandled internal query');
  }

  private toSerfMember(m: Member): SerfMember {
    return {
      name: m.name,
      addr: codec.ipToBytes(m.addr.ip),
      port: m.addr.port,
      tags: new Map(Object.entries(m.tags)),
      status: MemberStatusCode[m.status],
      protocolMin: m.protocolMin,
      protocolMax: m.protocolMax,
      protocolCur: m.protocolCur,
      delegateMin: m.delegateMin,
      delegateMax: m.delegateMax,
      delegateCur: m.delegateCur,
    };
  }

  private responseSize(p: PendingResponse, payload: Uint8Array): number {
    const r: SerfQueryResponse = { lTime: p.lTime, id: p.id, from: this.cfg.nodeName, flags: 0, payload };
    return codec.encodeSerfMessage({ type: 'queryResponse', body: r }).length;
  }

  private trySendResponse(now: number, p: PendingResponse, payload: Uint8Array): void {
    try {
      this.sendResponse(now, p, payload);
    } catch (err) {
      this.log.debug({ err }, 'serf: internal query response not sent');
    }
  }

  /** Build, size-check and send one response (+ relays). Throws before sending anything. */
  private sendResponse(now: number, p: PendingResponse, payload: Uint8Array): void {
    const resp: SerfQueryResponse = { lTime: p.lTime, id: p.id, from: this.cfg.nodeName, flags: 0, payload };
    const raw = codec.encodeSerfMessage({ type: 'queryResponse', body: resp });
    if (raw.length > this.cfg.queryResponseSizeLimit) {
      throw new TooLargeError(`response exceeds limit of ${this.cfg.queryResponseSizeLimit} bytes`);
    }
    if (now > p.deadline) throw new StateError('response is past the deadline');
    const source = { ip: codec.ipFromBytes(p.addr), port: p.port };
    this.sendReply(now, p, source, resp, raw);
  }

  /** Send an ack/response to the querier and through up to RelayFactor relays (serf relayResponse). */
  private sendReply(
    now: number,
    p: PendingResponse,
    to: Address,
    resp: SerfQueryResponse,
    raw: Uint8Array,
  ): void {
    this.sendTo(now, to, raw);
    if (p.relayFactor === 0) return;
    const relays = pickRelayMembers(p.relayFactor, this.table.all(), this.cfg.nodeName, this.random);
    if (relays.length === 0) return;
    const relayed = codec.encodeSerfMessage({
      type: 'relay',
      header: { destAddr: { ip: p.addr, port: p.port, zone: '' }, destName: p.sourceNode },
      inner: raw,
    });
    if (relayed.length > this.cfg.queryResponseSizeLimit) return; // serf: "relayed response exceeds limit"
    void resp;
    for (const m of relays) this.sendTo(now, m.addr, relayed);
  }

  private startQuery(
    now: number,
    name: string,
    payload: Uint8Array,
    opts: QueryOptions,
    purpose: QueryPurpose,
  ): QueryHandle {
    if (this.cfg.protocolVersion < 4) throw new GossipError('GP_ERR_STATE', 'Feature not supported');
    const problems: string[] = [];
    const rf = opts.relayFactor ?? 0;
    if (!Number.isInteger(rf) || rf < 0 || rf > 255)
      problems.push(`relayFactor: must be an integer 0…255 (got ${rf})`);
    if (
      opts.timeoutMs !== undefined &&
      (!Number.isInteger(opts.timeoutMs) || opts.timeoutMs <= 0 || opts.timeoutMs > 2 ** 31)
    ) {
      problems.push(`timeoutMs: must be a positive integer number of ms (got ${opts.timeoutMs})`);
    }
    if (problems.length > 0) throw new ConfigError(problems);
    const timeoutMs =
      opts.timeoutMs ??
      defaultQueryTimeoutMs(this.cfg.gossipIntervalMs, this.cfg.queryTimeoutMult, this.swim.numAlive());
    const filters: Uint8Array[] = [];
    if (opts.filterNodes !== undefined && opts.filterNodes.length > 0) {
      filters.push(codec.encodeFilter({ type: 'node', nodes: [...opts.filterNodes] }));
    }
    for (const [tag, expr] of Object.entries(opts.filterTags ?? {}))
      filters.push(codec.encodeFilter({ type: 'tag', tag, expr }));
    const self = this.swim.self;
    const q: SerfQuery = {
      lTime: this.queryClock.time(),
      id: this.random.nextU32() & 0x7fffffff,
      addr: codec.ipToBytes(self.addr.ip),
      port: self.addr.port,
      sourceNode: self.name,
      filters: filters.length > 0 ? filters : null,
      flags: opts.requestAck === true ? QueryFlags.ack : 0,
      relayFactor: opts.relayFactor ?? 0,
      timeout: timeoutMs * 1e6,
      name,
      payload,
    };
    const raw = codec.encodeSerfMessage({ type: 'query', body: q });
    if (raw.length > this.cfg.querySizeLimit)
      throw new TooLargeError(`query exceeds limit of ${this.cfg.querySizeLimit} bytes`);
    const deadline = now + timeoutMs;
    this.outgoing.register(q.lTime, q.id, deadline, opts.requestAck === true);
    this.outgoingPurpose.set(q.lTime, purpose);
    this.handleQuery(now, q);
    this.broadcasts.queue('query', raw);
    return { lTime: q.lTime, id: q.id, deadline };
  }

  private handleQueryResponse(now: number, resp: SerfQueryResponse): void {
    const r = this.outgoing.handleReply(now, resp);
    if (r.kind === 'dropped') {
      this.log.debug({ reason: r.reason, lTime: resp.lTime, from: resp.from }, 'serf: query reply dropped');
      return;
    }
    const purpose = this.outgoingPurpose.get(r.lTime);
    if (purpose === undefined) return;
    if (purpose.kind === 'user') {
      if (r.kind === 'ack') this.events.push({ type: 'query-ack', queryLTime: r.lTime, from: r.from });
      else
        this.events.push({ type: 'query-response', queryLTime: r.lTime, from: r.from, payload: r.payload });
      return;
    }
    if (r.kind !== 'response') return;
    if (purpose.kind === 'key') {
      let decoded;
      try {
        decoded = codec.decodeKeyResponse(r.payload);
      } catch {
        decoded = 'invalid' as const;
      }
      purpose.tally.add(r.from, decoded);
      if (purpose.tally.done()) {
        this.outgoing.close(r.lTime);
        this.finishQuery(now, r.lTime);
      }
    } else {
      let m: SerfMember | null;
      try {
        m = codec.decodeConflictResponse(r.payload);
      } catch {
        return; // serf logs and skips undecodable conflict answers
      }
      let addr: Address | null = null;
      if (m !== null) {
        try {
          addr = { ip: codec.ipFromBytes(m.addr), port: m.port };
        } catch {
          addr = null;
        }
      }
      purpose.tally.add(addr === null ? null : { addr });
    }
  }

  private finishQuery(_now: number, lTime: LamportTime): void {
    const purpose = this.outgoingPurpose.get(lTime);
    this.outgoingPurpose.delete(lTime);
    if (purpose === undefined) return;
    if (purpose.kind === 'user') {
      this.events.push({ type: 'query-done', queryLTime: lTime });
    } else if (purpose.kind === 'key') {
      this.events.push({ type: 'key-result', requestId: purpose.requestId, result: purpose.tally.result() });
    } else {
      this.conflictRunning = false;
      const { responses, matching } = purpose.tally.counts();
      if (purpose.tally.keep()) {
        this.log.info({ responses, matching }, 'serf: majority in name conflict resolution');
      } else {
        this.log.warn({ responses, matching }, 'serf: minority in name conflict resolution, quitting');
        this.shutdown();
        this.events.push({ type: 'shutdown', reason: 'name-conflict', responses, matching });
      }
    }
  }

  private onConflict(now: number, existing: MemberInfo, other: MemberInfo): void {
    if (existing.name !== this.cfg.nodeName) {
      this.log.warn({ node: existing.name, other: other.addr }, 'serf: name conflict');
      return;
    }
    this.log.error({ other: other.addr }, 'serf: node name conflicts with another node');
    if (!this.cfg.enableNameConflictResolution || this.conflictRunning || this.state !== 'alive') return;
    this.conflictRunning = true;
    const payload = new TextEncoder().encode(this.cfg.nodeName);
    this.startQuery(
      now,
      INTERNAL_QUERY_PREFIX + 'conflict',
      payload,
      {},
      { kind: 'conflict', tally: new ConflictTally(this.swim.self.addr) },
    );
  }

  // ------------------------------------------------------------------ push-pull state

  private localState(_join: boolean): Uint8Array {
    const pp: SerfPushPull = {
      lTime: this.clock.time(),
      statusLTimes: this.table.statusLTimes(),
      leftMembers: this.table.leftMembers(),
      eventLTime: this.eventClock.time(),
      events: this.eventBuffer.toPushPull(),
      queryLTime: this.queryClock.time(),
    };
    return codec.encodeSerfMessage({ type: 'pushPull', body: pp });
  }

  private mergeRemoteState(now: number, state: Uint8Array, join: boolean): void {
    if (state.length === 0 || state[0] !== 2) {
      this.log.debug({ prefix: state[0] }, 'serf: remote state has bad type prefix');
      return;
    }
    let msg: SerfMessage;
    try {
      msg = codec.decodeSerfMessage(state);
    } catch (err) {
      this.log.debug({ err }, 'serf: failed to decode remote state');
      return;
    }
    if (msg.type !== 'pushPull') return;
    const pp = msg.body;
    // Witness value − 1: the remote clock is one past the last time it handed out (serf delegate.go).
    if (pp.lTime > 0) this.clock.witness(pp.lTime - 1);
    if (pp.eventLTime > 0) this.eventClock.witness(pp.eventLTime - 1);
    if (pp.queryLTime > 0) this.queryClock.witness(pp.queryLTime - 1);
    const left = new Set(pp.leftMembers);
    for (const name of pp.leftMembers) {
      this.handleLeaveIntent(now, { lTime: (pp.statusLTimes.get(name) ?? 0) + 1, node: name, prune: false });
    }
    for (const [name, lTime] of pp.statusLTimes) {
      if (!left.has(name)) this.handleJoinIntent(now, { lTime, node: name });
    }
    // Joining with "ignore old events": what the cluster already had is not delivered to us.
    if (join && this.ignoreOldJoins > 0 && pp.eventLTime > this.eventMinTime)
      this.eventMinTime = pp.eventLTime;
    for (const slot of pp.events) {
      if (slot === null) continue;
      for (const e of slot.events)
        this.handleUserEvent(now, { lTime: slot.lTime, name: e.name, payload: e.payload, cc: false });
    }
  }
}
