/**
 * The Serf-compatible core (serf 0.9.4 on memberlist 0.2.2), sans-I/O.
 *
 * `Serf` owns a {@link SwimCore} and is its {@link SwimDelegate}: tags go out as node meta, Serf
 * messages ride memberlist user messages and the broadcast piggy-back, and Serf's push-pull state
 * travels in every push-pull. Driver calls go to Serf, which forwards them to Swim, drains Swim's
 * events and dispatches everything to the part that owns it, one protocol per file:
 *
 * - membership.ts          — member clock, join/leave intents, member events, joins, reap, reconnect;
 * - leave.ts               — the graceful leave and Serf's own state;
 * - user-event-channel.ts  — user events: clock, dedupe, coalescing, delivery;
 * - query-engine.ts        — queries: filters, internal `_serf_*` queries, responses, relays, conflicts;
 * - push-pull-state.ts     — the push-pull user state (produce, merge);
 * - this file              — construction, the driver contract, Serf message dispatch, timers, commands.
 *
 * Timers: one typed deadline heap (timers.ts) beside Swim's; the query engine's reply windows and
 * the coalescer keep their own deadlines, all folded into {@link Serf.nextDeadline}.
 */
import type { Address, Output, ProtocolCore, StreamFailure } from '../core/io.js';
import type { SwimCore, SwimDelegate, SwimEvent } from '../swim/api.js';
import type { Random } from '../core/random.js';
import { noopLogger, noopMetrics, type Logger, type Metrics } from '../core/logger.js';
import { StateError, TooLargeError } from '../wire/errors.js';
import { META_MAX_BYTES } from '../wire/limits.js';
import type { SerfMessage } from '../wire/messages.js';
import { encodeNodeMeta, type MetaExtension } from '../wire/node-meta.js';
import { SERVICE_MESSAGE_TYPE } from '../wire/service-frame.js';
import { SerfBroadcasts, queueDepthLimit } from './broadcasts.js';
import * as codec from './codec.js';
import type { SerfConfig } from './config.js';
import type { ClusterContext, SerfState } from './context.js';
import { NetworkCoordinates } from './coordinates/network.js';
import { SuspicionTracker } from './suspicion.js';
import type { MemberEvent, SerfEvent } from './events.js';
import type { KeyQuery, MutableKeyring } from './keys.js';
import type { LamportTime } from './lamport.js';
import { LeaveChoreography } from './leave.js';
import { compileMemberFilter, type MemberFilter } from './member-filter.js';
import { MemberTable, type Member } from './members.js';
import { SerfMembership } from './membership.js';
import { encodeLocalState, mergeRemoteState, type PushPullParts } from './push-pull-state.js';
import { QueryEngine, type QueryHandle, type QueryOptions } from './query-engine.js';
import { ServiceRegistry, type AnyService } from './service-host.js';
import { EMPTY_SNAPSHOT, SnapshotState, type SnapshotData } from './snapshot.js';
import { QUEUE_CHECK_TIMER, SELF_DELIVERY_TIMER, createSerfDeadlines, type SerfTimer } from './timers.js';
import { UserEventChannel } from './user-event-channel.js';

export type { SerfState } from './context.js';
export {
  INTERNAL_QUERY_PREFIX,
  MULTICAST_QUERY_PREFIX,
  type QueryHandle,
  type QueryOptions,
} from './query-engine.js';

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
  /**
   * The services this node runs beside Serf (the service seam, service.ts): advertised in our node
   * meta, attached once the core is built. Default none (then our meta is exactly Serf's).
   */
  readonly services?: readonly AnyService[];
  readonly logger?: Logger;
  readonly metrics?: Metrics;
}

/** The Serf-compatible protocol core. See the module comment. */
export class Serf implements ProtocolCore<SerfEvent> {
  private readonly cfg: SerfConfig;
  private readonly swim: SwimCore;
  private readonly log: Logger;
  private readonly metrics: Metrics;
  private readonly keyring: MutableKeyring | null;
  private readonly table = new MemberTable();
  private readonly broadcasts: SerfBroadcasts;
  private readonly timers = createSerfDeadlines();
  private readonly snap: SnapshotState | undefined;

  private readonly membership: SerfMembership;
  private readonly leaving: LeaveChoreography;
  private readonly userEvents: UserEventChannel;
  private readonly queries: QueryEngine;
  private readonly pushPull: PushPullParts;
  /** Members memberlist suspects now (suspicion.ts). */
  private readonly suspicion: SuspicionTracker;
  /** Vivaldi coordinates carried in acks (serf ping_delegate.go); undefined when disabled. */
  private readonly coords: NetworkCoordinates | undefined;
  private readonly services: ServiceRegistry;
  /** What we advertise beyond our tags (the services we run). */
  private readonly extension: MetaExtension;

  private tags: Readonly<Record<string, string>>;
  private meta: Uint8Array;
  private lastNow: number;
  private events: SerfEvent[] = [];
  /** Serf user messages addressed to ourselves, delivered at the next tick (as if sent over UDP). */
  private selfMessages: Uint8Array[] = [];

  constructor(opts: SerfOptions) {
    const cfg = opts.config;
    this.cfg = cfg;
    this.log = opts.logger ?? noopLogger;
    this.metrics = opts.metrics ?? noopMetrics;
    this.keyring = opts.keyring ?? null;
    this.lastNow = opts.now;
    this.tags = cfg.tags;
    this.extension = ServiceRegistry.advertisement(opts.services ?? []);
    this.meta = encodeNodeMeta(this.tags, this.extension);
    if (this.meta.length > META_MAX_BYTES) {
      throw new TooLargeError(`Encoded length of tags exceeds limit of ${META_MAX_BYTES} bytes`);
    }
    this.broadcasts = new SerfBroadcasts(cfg.retransmitMult, () => this.table.size);
    const restored = opts.snapshot ?? EMPTY_SNAPSHOT;
    if (opts.recordSnapshot ?? opts.snapshot !== undefined) {
      this.snap = new SnapshotState(restored, cfg.rejoinAfterLeave);
    }

    this.suspicion = new SuspicionTracker(cfg.nodeName, (e) => this.events.push(e));
    if (!cfg.disableCoordinates) {
      this.coords = new NetworkCoordinates({
        selfName: cfg.nodeName,
        random: opts.random,
        logger: this.log,
        metrics: this.metrics,
      });
    }

    // Swim calls nodeMeta while it is built; every other delegate call comes after the parts exist.
    this.swim = opts.createSwim(this.delegate());
    const ctx: ClusterContext = {
      cfg,
      swim: this.swim,
      random: opts.random,
      log: this.log,
      metrics: this.metrics,
      table: this.table,
      broadcasts: this.broadcasts,
      timers: this.timers,
      snap: this.snap,
      now: () => this.lastNow,
      state: () => this.leaving.state,
      tags: () => this.tags,
      emit: (e) => this.emit(e),
      sendTo: (now, to, body) => this.sendTo(now, to, body),
    };
    this.services = new ServiceRegistry(ctx, opts.services ?? []);
    this.services.attach(opts.now);
    this.membership = new SerfMembership(ctx);
    this.leaving = new LeaveChoreography(ctx, this.membership);
    this.userEvents = new UserEventChannel(ctx);
    this.queries = new QueryEngine(ctx, this.keyring, () => this.shutdown());
    this.pushPull = {
      table: this.table,
      membership: this.membership,
      userEvents: this.userEvents,
      queries: this.queries,
      log: this.log,
    };

    // Clocks start at 1 so that a default join LTime of 0 never wins (serf.go Create); a snapshot
    // moves them past everything this node saw before, and old events/queries are not replayed.
    const clocks = [this.membership.clock, this.userEvents.clock, this.queries.clock];
    for (const clock of clocks) clock.increment();
    this.membership.clock.witness(restored.clock);
    this.userEvents.clock.witness(restored.eventClock);
    this.queries.clock.witness(restored.queryClock);
    if (opts.snapshot !== undefined) {
      this.userEvents.restoredUpTo(restored.eventClock);
      this.queries.restoredUpTo(restored.queryClock);
    }

    const now = opts.now;
    this.drainSwim(now);
    if (this.table.get(cfg.nodeName) === undefined) this.membership.onSwimJoin(this.swim.self);
    this.membership.start(now);
    this.timers.set(QUEUE_CHECK_TIMER, now + cfg.queueCheckIntervalMs);
    this.membership.rejoin(now, restored.aliveNodes);
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
    this.queries.expire(now);
    this.userEvents.flushDue(now);
    this.leaveInput(now);
  }

  nextDeadline(): number | undefined {
    let min = this.swim.nextDeadline();
    const consider = (t: number | undefined): void => {
      if (t !== undefined && (min === undefined || t < min)) min = t;
    };
    consider(this.timers.peek());
    consider(this.queries.nextDeadline());
    consider(this.userEvents.nextDeadline());
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
    return this.leaving.state;
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

  /** A service this node runs (as registered in {@link SerfOptions.services}), by name. */
  service<S extends AnyService = AnyService>(name: string): S | undefined {
    return this.services.get(name) as S | undefined;
  }

  /** The Lamport clocks (member, event, query). */
  clocks(): { member: LamportTime; event: LamportTime; query: LamportTime } {
    return {
      member: this.membership.clock.time(),
      event: this.userEvents.clock.time(),
      query: this.queries.clock.time(),
    };
  }

  /** Operator statistics (serf `Stats`). */
  stats(): Record<string, string> {
    const clocks = this.clocks();
    return {
      members: String(this.table.size),
      failed: String(this.table.failedMembers().length),
      left: String(this.table.leftMembers().length),
      health_score: String(this.swim.healthScore()),
      member_time: String(clocks.member),
      event_time: String(clocks.event),
      query_time: String(clocks.query),
      intent_queue: String(this.broadcasts.numQueued('intent')),
      event_queue: String(this.broadcasts.numQueued('event')),
      query_queue: String(this.broadcasts.numQueued('query')),
      encrypted: String(this.keyring !== null),
      ...(this.coords !== undefined ? { coordinate_resets: String(this.coords.resets) } : {}),
    };
  }

  /** Network coordinates (ours and those learnt from acks), or undefined when disabled. */
  coordinates(): NetworkCoordinates | undefined {
    return this.coords;
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
    const id = this.membership.join(now, seeds, ignoreOld);
    this.leaveInput(now);
    return id;
  }

  /**
   * Leave gracefully: broadcast the leave intent, wait until it went out (≤ BroadcastTimeout), then
   * the memberlist leave, then LeavePropagateDelay; a `leave-done` event follows.
   */
  leave(now: number): void {
    this.enter(now);
    this.leaving.leave(now);
    this.leaveInput(now);
  }

  /**
   * Force a failed member into the left state (serf `RemoveFailedNode`); with `prune` it is erased
   * at once. Broadcasts a leave intent on its behalf.
   */
  forceLeave(now: number, node: string, prune = false): void {
    this.enter(now);
    this.membership.forceLeave(now, node, prune);
    this.leaveInput(now);
  }

  /**
   * Replace our tags: they propagate with a new alive (incarnation + 1) and every node emits
   * `member-update`. Throws {@link TooLargeError} above 512 encoded bytes (nothing is sent).
   */
  setTags(now: number, tags: Readonly<Record<string, string>>): void {
    this.enter(now);
    this.assertRunning();
    const meta = encodeNodeMeta(tags, this.extension);
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
    this.userEvents.send(now, name, payload, coalesce);
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
    const h = this.queries.query(now, name, payload, opts);
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
    const h = this.queries.multicast(now, name, payload, filter);
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
    this.queries.respond(now, queryId, payload);
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
    const id = this.queries.keyOperation(now, op, key, relayFactor);
    this.leaveInput(now);
    return id;
  }

  /** Stop at once (no leave): timers and queues are dropped; further input is ignored. */
  shutdown(): void {
    this.leaving.shutdown();
    this.broadcasts.reset();
    this.timers.clear();
    this.services.stop(this.lastNow);
  }

  // ------------------------------------------------------------------ internals

  private emit(e: SerfEvent): void {
    // A reaped member's coordinate goes with it (serf eraseNode); a failed one's stays.
    if (e.type === 'member-reap') this.coords?.forget(e.member.name);
    this.events.push(e);
    if (this.services.size > 0 && isMemberEvent(e)) this.services.onMemberEvent(this.lastNow, e);
  }

  private enter(now: number): void {
    this.lastNow = now;
  }

  private leaveInput(now: number): void {
    this.drainSwim(now);
    this.snap?.memberClock(this.membership.clock.time());
  }

  private assertRunning(): void {
    if (this.leaving.state === 'shutdown') throw new StateError('serf is shut down');
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
      localState: () => encodeLocalState(this.pushPull),
      mergeRemoteState: (now, state, join) => {
        this.lastNow = now;
        mergeRemoteState(this.pushPull, now, state, join);
      },
      ackPayload: () => this.coords?.ackPayload() ?? null,
      notifyPingComplete: (_now, member, rttMs, payload) =>
        this.coords?.onPingComplete(member.name, rttMs, payload),
    };
  }

  private drainSwim(now: number): void {
    for (const e of this.swim.drainEvents()) this.onSwimEvent(now, e);
    this.suspicion.settle(this.swim);
  }

  /** Whether memberlist currently suspects `name` (Serf's status stays `alive` meanwhile). */
  isSuspect(name: string): boolean {
    return this.suspicion.has(name);
  }

  private onSwimEvent(now: number, e: SwimEvent): void {
    switch (e.type) {
      case 'join':
        this.membership.onSwimJoin(e.member);
        break;
      case 'update':
        this.membership.onSwimUpdate(e.member);
        break;
      case 'leave':
        this.membership.onSwimLeave(now, e.member);
        break;
      case 'conflict':
        this.queries.onConflict(now, e.existing, e.other);
        break;
      case 'join-result':
        this.membership.onJoinResult(now, e.requestId, e.contacted, e.errors);
        break;
      case 'leave-done':
        this.leaving.onSwimLeaveDone(now);
        break;
      case 'suspect':
        this.suspicion.onSuspect(e.member.name);
        break;
      case 'refute':
        break;
    }
  }

  private fire(now: number, key: SerfTimer): void {
    if (this.leaving.state === 'shutdown') return;
    switch (key.kind) {
      case 'reap':
        this.membership.reap(now);
        break;
      case 'reconnect':
        this.membership.reconnect(now);
        break;
      case 'queue-check': {
        const max = queueDepthLimit(this.cfg.maxQueueDepth, this.cfg.minQueueDepth, this.table.size);
        for (const q of this.broadcasts.checkDepth(max))
          this.log.warn({ queue: q, max }, 'serf: queue depth exceeds limit, dropping messages');
        this.services.checkDepth(this.table.size);
        this.timers.set(QUEUE_CHECK_TIMER, now + this.cfg.queueCheckIntervalMs);
        break;
      }
      case 'leave-intent-sent':
        this.leaving.onIntentSent(now);
        break;
      case 'leave-intent':
        this.leaving.onIntentTimeout(now);
        break;
      case 'leave-propagate':
        this.leaving.onPropagated();
        this.services.stop(now);
        break;
      case 'self-delivery': {
        const batch = this.selfMessages;
        this.selfMessages = [];
        for (const m of batch) this.handleSerfBytes(now, m, this.swim.self.addr);
        break;
      }
      case 'prune':
        this.membership.prune(key.node);
        break;
      case 'service':
      case 'service-gossip':
      case 'service-sync':
        this.services.fire(now, key);
        break;
    }
  }

  /** One Serf message (a memberlist user message's body), from gossip, a direct send or ourselves. */
  private handleSerfBytes(now: number, body: Uint8Array, from: Address): void {
    if (body.length === 0 || this.leaving.state === 'shutdown') return;
    if (body[0] === SERVICE_MESSAGE_TYPE) {
      this.services.onFrame(now, body);
      return;
    }
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
        if (this.membership.handleLeaveIntent(now, msg.body))
          this.broadcasts.queue('intent', Uint8Array.from(body));
        break;
      case 'join':
        if (this.membership.handleJoinIntent(now, msg.body))
          this.broadcasts.queue('intent', Uint8Array.from(body));
        break;
      case 'userEvent':
        if (this.userEvents.handle(now, msg.body)) this.broadcasts.queue('event', Uint8Array.from(body));
        break;
      case 'query':
        if (this.queries.handleQuery(now, msg.body)) this.broadcasts.queue('query', Uint8Array.from(body));
        break;
      case 'queryResponse':
        this.queries.handleResponse(now, msg.body);
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
      if (!this.timers.has(SELF_DELIVERY_TIMER)) this.timers.set(SELF_DELIVERY_TIMER, now);
    } else this.swim.sendUserMessage(now, to, body);
  }
}

function isMemberEvent(e: SerfEvent): e is MemberEvent {
  return (
    e.type === 'member-join' ||
    e.type === 'member-update' ||
    e.type === 'member-leave' ||
    e.type === 'member-failed' ||
    e.type === 'member-reap'
  );
}
