/**
 * Serf membership on top of memberlist's (serf: serf/serf.go `handleNodeJoin`, `handleNodeLeave`,
 * `handleNodeUpdate`, `handleNodeJoinIntent`, `handleNodeLeaveIntent`, `Join`, `RemoveFailedNode`,
 * `handleReap`, `handleReconnect`, `handleRejoin`): the member clock, join and leave intents, member
 * events from Swim's, joins (ours, reconnects to failed members, rejoins from a snapshot), reaping
 * and pruning. The table itself (members.ts) is pure bookkeeping; this part drives it and turns
 * its changes into events and broadcasts.
 */
import { formatAddress, type Address } from '../core/io.js';
import { parseSeed } from '../core/seeds.js';
import type { MemberInfo } from '../swim/api.js';
import { StateError } from '../wire/errors.js';
import type { SerfJoin, SerfLeave } from '../wire/messages.js';
import * as codec from './codec.js';
import type { ClusterContext } from './context.js';
import { RecentIntents } from './intents.js';
import { LamportClock, type LamportTime } from './lamport.js';
import type { MemberChange, NodeInfo } from './members.js';
import { pickReconnectTarget } from './reap.js';
import { REAP_TIMER, RECONNECT_TIMER, pruneTimer } from './timers.js';

/** Why a Swim join was started, so that its result goes to the right place. */
type JoinPurpose =
  | { readonly kind: 'user'; readonly ignoreOld: boolean }
  | { readonly kind: 'reconnect' }
  | { readonly kind: 'rejoin' };

/** See the module comment. */
export class SerfMembership {
  /** The member Lamport clock (join/leave intents, push-pull `LTime`). */
  readonly clock = new LamportClock();
  private readonly intents = new RecentIntents();
  private readonly joins = new Map<number, JoinPurpose>();
  /** Joins under way that asked to ignore the cluster's old user events. */
  private ignoreOldJoins = 0;
  private rejoinQueue: Address[] = [];

  constructor(private readonly c: ClusterContext) {}

  /** Whether a join that ignores old user events is under way (push-pull merge asks). */
  ignoringOldEvents(): boolean {
    return this.ignoreOldJoins > 0;
  }

  /** Arm the periodic timers (reap, reconnect). */
  start(now: number): void {
    const cfg = this.c.cfg;
    this.c.timers.set(REAP_TIMER, now + cfg.reapIntervalMs);
    if (cfg.reconnectIntervalMs > 0) this.c.timers.set(RECONNECT_TIMER, now + cfg.reconnectIntervalMs);
  }

  /** Rejoin the members a snapshot remembers, one at a time until one answers (serf handleRejoin). */
  rejoin(now: number, aliveNodes: ReadonlyMap<string, string>): void {
    for (const [name, addr] of aliveNodes) {
      if (name === this.c.cfg.nodeName) continue;
      // Written by us or serf as `ip:port` / `[v6]:port`; a line that is not one is skipped.
      const seed = parseSeed(addr, { defaultPort: null });
      if (typeof seed !== 'string' && seed.kind === 'address') this.rejoinQueue.push(seed.address);
    }
    if (this.rejoinQueue.length > 0) this.nextRejoin(now);
  }

  // ------------------------------------------------------------------ commands

  /** See `Serf.join`. */
  join(now: number, seeds: readonly Address[], ignoreOld: boolean): number {
    const state = this.c.state();
    if (state !== 'alive') throw new StateError(`cannot join after leave or shutdown (state ${state})`);
    if (ignoreOld) this.ignoreOldJoins++;
    const id = this.c.swim.join(now, seeds);
    this.joins.set(id, { kind: 'user', ignoreOld });
    return id;
  }

  /** See `Serf.forceLeave`. */
  forceLeave(now: number, node: string, prune: boolean): void {
    const msg: SerfLeave = { lTime: this.clock.time(), node, prune };
    this.clock.increment();
    this.handleLeaveIntent(now, msg);
    if (this.c.table.hasAliveOthers(this.c.cfg.nodeName)) {
      this.c.broadcasts.queue('intent', codec.encodeSerfMessage({ type: 'leave', body: msg }));
    }
  }

  // ------------------------------------------------------------------ Swim events

  /** Swim saw a member join (or come back). */
  onSwimJoin(m: MemberInfo): void {
    const existing = this.c.table.get(m.name);
    if (m.name === this.c.cfg.nodeName && existing !== undefined && existing.status === 'alive') return;
    this.emitChange(this.c.table.onJoin(this.nodeInfo(m), this.intents));
  }

  /** Swim saw a member's meta (or address) change. */
  onSwimUpdate(m: MemberInfo): void {
    this.emitChange(this.c.table.onUpdate(this.nodeInfo(m)));
  }

  /** Swim declared a member dead or saw it leave. */
  onSwimLeave(now: number, m: MemberInfo): void {
    this.emitChange(this.c.table.onLeave(m.name, now));
  }

  /** A Swim join finished. */
  onJoinResult(
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
      if (contacted > 0 && this.c.state() === 'alive') this.broadcastJoinIntent(now, this.clock.time());
      this.c.emit({ type: 'join-result', requestId, contacted, errors });
    } else if (purpose.kind === 'rejoin') {
      if (contacted > 0) this.rejoinQueue = [];
      else this.nextRejoin(now);
    }
  }

  // ------------------------------------------------------------------ intents

  /** A join intent (gossiped or from push-pull). Returns whether to re-gossip it. */
  handleJoinIntent(now: number, msg: SerfJoin): boolean {
    this.clock.witness(msg.lTime);
    return this.c.table.joinIntent(msg.node, msg.lTime, this.intents, now);
  }

  /** A leave intent (gossiped, ours, or from push-pull). Returns whether to re-gossip it. */
  handleLeaveIntent(now: number, msg: SerfLeave): boolean {
    const c = this.c;
    this.clock.witness(msg.lTime);
    const r = c.table.leaveIntent(
      msg.node,
      msg.lTime,
      msg.prune,
      c.cfg.nodeName,
      c.state() === 'alive',
      this.intents,
      now,
    );
    if (r.refute) {
      c.log.debug('serf: refuting an older leave intent');
      this.broadcastJoinIntent(now, this.clock.time());
    }
    for (const ch of r.changes) this.emitChange(ch);
    if (r.pruneLater !== undefined) {
      c.timers.set(pruneTimer(r.pruneLater), now + c.cfg.broadcastTimeoutMs + c.cfg.leavePropagateDelayMs);
    }
    return r.rebroadcast;
  }

  // ------------------------------------------------------------------ timers

  /** The periodic reap of failed/left members and stale intents. */
  reap(now: number): void {
    const cfg = this.c.cfg;
    for (const ch of this.c.table.reap(now, cfg.reconnectTimeoutMs, cfg.tombstoneTimeoutMs))
      this.emitChange(ch);
    this.intents.reap(now, cfg.recentIntentTimeoutMs);
    this.c.timers.set(REAP_TIMER, now + cfg.reapIntervalMs);
  }

  /** The periodic reconnect attempt to a failed member. */
  reconnect(now: number): void {
    const c = this.c;
    const target = c.state() === 'alive' ? pickReconnectTarget(c.table, c.random) : undefined;
    if (target !== undefined) {
      c.log.debug({ node: target.name }, 'serf: attempting reconnect');
      this.joins.set(c.swim.join(now, [target.addr]), { kind: 'reconnect' });
    }
    c.timers.set(RECONNECT_TIMER, now + c.cfg.reconnectIntervalMs);
  }

  /** Erase a member force-left with `prune`. */
  prune(node: string): void {
    this.emitChange(this.c.table.erase(node));
  }

  // ------------------------------------------------------------------ internals

  private broadcastJoinIntent(now: number, lTime: LamportTime): void {
    const msg: SerfJoin = { lTime, node: this.c.cfg.nodeName };
    this.clock.witness(lTime);
    this.handleJoinIntent(now, msg);
    this.c.broadcasts.queue('intent', codec.encodeSerfMessage({ type: 'join', body: msg }));
  }

  private nextRejoin(now: number): void {
    const next = this.rejoinQueue.shift();
    if (next === undefined || this.c.state() !== 'alive') return;
    this.joins.set(this.c.swim.join(now, [next]), { kind: 'rejoin' });
  }

  private nodeInfo(m: MemberInfo): NodeInfo {
    return { name: m.name, addr: m.addr, tags: codec.decodeTags(m.meta), vsn: m.vsn };
  }

  private emitChange(ch: MemberChange | undefined): void {
    if (ch === undefined) return;
    const c = this.c;
    c.emit({ type: ch.type, member: ch.member });
    c.metrics.incr(`serf_member_${ch.type.slice('member-'.length)}`);
    if (ch.type === 'member-join') c.snap?.memberAlive(ch.member.name, formatAddress(ch.member.addr));
    else if (ch.type === 'member-leave' || ch.type === 'member-failed') {
      c.snap?.memberGone(ch.member.name);
      // Departed members over their budget are reaped early (members.ts).
      for (const r of c.table.takeEvicted()) this.emitChange(r);
    }
  }
}
