/**
 * Serf's member table: status per member (alive, leaving, left, failed), each member's status
 * Lamport time, the failed and left lists, and the transitions driven by memberlist events and by
 * join/leave intents (serf: serf/serf.go `handleNodeJoin`, `handleNodeLeave`, `handleNodeUpdate`,
 * `handleNodeJoinIntent`, `handleNodeLeaveIntent`, `reap`, `eraseNode`; reference §11.2, §11.3).
 *
 * Pure and synchronous: every method returns what happened (events to emit, whether to re-gossip),
 * and the owner ({@link Serf}) does the rest.
 */
import type { Address } from '../core/io.js';
import type { RecentIntents } from './intents.js';
import type { LamportTime } from './lamport.js';
import { MAX_DEPARTED_MEMBER_BYTES } from '../wire/limits.js';
import { utf8Length } from '../wire/msgpack.js';

/**
 * What a departed member costs in a push-pull: its name in `StatusLTimes` and in `LeftMembers`,
 * with their string headers and the LTime (at most 9 bytes).
 */
function departedBytes(name: string): number {
  return 2 * utf8Length(name) + 16;
}

/** Serf member status (Go `MemberStatus`; wire values 0..4 in conflict responses). */
export type MemberStatus = 'none' | 'alive' | 'leaving' | 'left' | 'failed';

/** Wire value of each {@link MemberStatus} (serf: serf/serf.go `StatusNone` …). */
export const MemberStatusCode: Readonly<Record<MemberStatus, number>> = {
  none: 0,
  alive: 1,
  leaving: 2,
  left: 3,
  failed: 4,
};

/** A Serf member as the application sees it. */
export interface Member {
  readonly name: string;
  readonly addr: Address;
  /** Tags from the member's node meta (own properties only). */
  readonly tags: Readonly<Record<string, string>>;
  readonly status: MemberStatus;
  /** memberlist protocol min/max/current, Serf (delegate) protocol min/max/current. */
  readonly protocolMin: number;
  readonly protocolMax: number;
  readonly protocolCur: number;
  readonly delegateMin: number;
  readonly delegateMax: number;
  readonly delegateCur: number;
}

/** What memberlist tells us about a node (the subset of a swim MemberInfo Serf uses). */
export interface NodeInfo {
  readonly name: string;
  readonly addr: Address;
  readonly tags: Readonly<Record<string, string>>;
  /** `[PMin, PMax, PCur, DMin, DMax, DCur]`. */
  readonly vsn: readonly number[];
}

/** A member event produced by the table. */
export interface MemberChange {
  readonly type: 'member-join' | 'member-update' | 'member-leave' | 'member-failed' | 'member-reap';
  readonly member: Member;
}

interface MemberState {
  member: Member;
  statusLTime: LamportTime;
  /** `now` when it became failed/left (for reaping); 0 while alive. */
  leaveTimeMs: number;
}

function withVsn(
  m: Omit<
    Member,
    'protocolMin' | 'protocolMax' | 'protocolCur' | 'delegateMin' | 'delegateMax' | 'delegateCur'
  >,
  vsn: readonly number[],
): Member {
  return {
    ...m,
    protocolMin: vsn[0] ?? 0,
    protocolMax: vsn[1] ?? 0,
    protocolCur: vsn[2] ?? 0,
    delegateMin: vsn[3] ?? 0,
    delegateMax: vsn[4] ?? 0,
    delegateCur: vsn[5] ?? 0,
  };
}

/** Result of handling a leave intent. */
export interface LeaveIntentResult {
  /** Re-gossip the intent. */
  readonly rebroadcast: boolean;
  /** The intent was about us while we are alive: broadcast a fresh join intent instead. */
  readonly refute: boolean;
  /** Events to emit (a forced member-leave, or a member-reap for a prune). */
  readonly changes: readonly MemberChange[];
  /** Prune of a *leaving* member: erase it after BroadcastTimeout + LeavePropagateDelay. */
  readonly pruneLater?: string;
}

/** The member table. */
export class MemberTable {
  private readonly byName = new Map<string, MemberState>();
  /** Failed member names, in the order they failed (Go's `failedMembers`). */
  private failedNames: string[] = [];
  /** Left member names, in the order they left (Go's `leftMembers`). */
  private leftNames: string[] = [];
  /** Push-pull bytes of the failed and left members (bounded by MAX_DEPARTED_MEMBER_BYTES). */
  private departed = 0;
  /** Departed members reaped early to stay within the budget, not yet reported. */
  private evicted: MemberChange[] = [];

  /** Every member, including failed and left ones not yet reaped. */
  all(): Member[] {
    return [...this.byName.values()].map((s) => s.member);
  }

  /** One member by name. */
  get(name: string): Member | undefined {
    return this.byName.get(name)?.member;
  }

  /** A member's status Lamport time (0 if never set or unknown). */
  statusLTime(name: string): LamportTime {
    return this.byName.get(name)?.statusLTime ?? 0;
  }

  /** Every member name → status LTime (push-pull `StatusLTimes`). */
  statusLTimes(): Map<string, LamportTime> {
    const out = new Map<string, LamportTime>();
    for (const [name, s] of this.byName) out.set(name, s.statusLTime);
    return out;
  }

  /** Names of members in the left state (push-pull `LeftMembers`). */
  leftMembers(): string[] {
    return [...this.leftNames];
  }

  /** Names of failed members (reconnect candidates). */
  failedMembers(): string[] {
    return [...this.failedNames];
  }

  /** Number of members of any status (Serf's NumNodes: its broadcast retransmit base). */
  get size(): number {
    return this.byName.size;
  }

  /** True if any member other than `self` is alive (Serf's hasAliveMembers). */
  hasAliveOthers(self: string): boolean {
    for (const s of this.byName.values())
      if (s.member.name !== self && s.member.status === 'alive') return true;
    return false;
  }

  private setMember(s: MemberState, patch: Partial<Member>): void {
    s.member = { ...s.member, ...patch };
  }

  /** memberlist announced a node (new, or back from dead/left). */
  onJoin(node: NodeInfo, intents: RecentIntents): MemberChange {
    let s = this.byName.get(node.name);
    let oldStatus: MemberStatus = 'none';
    if (s === undefined) {
      s = {
        member: withVsn({ name: node.name, addr: node.addr, tags: node.tags, status: 'alive' }, node.vsn),
        statusLTime: 0,
        leaveTimeMs: 0,
      };
      // A buffered intent applies now; the buffer holds at most one per node (the newest).
      const join = intents.get(node.name, 'join');
      if (join !== undefined) s.statusLTime = join;
      const leave = intents.get(node.name, 'leave');
      if (leave !== undefined) {
        s.statusLTime = leave;
        this.setMember(s, { status: 'leaving' });
      }
      this.byName.set(node.name, s);
    } else {
      oldStatus = s.member.status;
      s.leaveTimeMs = 0;
      s.member = withVsn({ name: node.name, addr: node.addr, tags: node.tags, status: 'alive' }, node.vsn);
    }
    if (oldStatus === 'failed' || oldStatus === 'left') this.forgetDeparted(node.name);
    return { type: 'member-join', member: s.member };
  }

  /** memberlist declared a node dead or left: failed, or left if its leave intent came first. */
  onLeave(name: string, now: number): MemberChange | undefined {
    const s = this.byName.get(name);
    if (s === undefined) return undefined;
    if (s.member.status === 'leaving') {
      this.setMember(s, { status: 'left' });
      s.leaveTimeMs = now;
      this.addDeparted(this.leftNames, name);
      return { type: 'member-leave', member: s.member };
    }
    if (s.member.status === 'alive') {
      this.setMember(s, { status: 'failed' });
      s.leaveTimeMs = now;
      this.addDeparted(this.failedNames, name);
      return { type: 'member-failed', member: s.member };
    }
    return undefined; // Serf logs "Bad state when leave" and ignores it
  }

  /** memberlist saw new meta (tags) or address for a node. */
  onUpdate(node: NodeInfo): MemberChange | undefined {
    const s = this.byName.get(node.name);
    if (s === undefined) return undefined;
    s.member = withVsn(
      { name: node.name, addr: node.addr, tags: node.tags, status: s.member.status },
      node.vsn,
    );
    return { type: 'member-update', member: s.member };
  }

  /** A join intent for `node` at `lTime` (already witnessed). Returns whether to re-gossip. */
  joinIntent(node: string, lTime: LamportTime, intents: RecentIntents, now: number): boolean {
    const s = this.byName.get(node);
    if (s === undefined) return intents.upsert(node, 'join', lTime, now);
    if (lTime <= s.statusLTime) return false;
    s.statusLTime = lTime;
    // A leave intent older than this join was superseded: back to alive.
    if (s.member.status === 'leaving') this.setMember(s, { status: 'alive' });
    return true;
  }

  /**
   * A leave intent for `node` at `lTime` (already witnessed). `selfName`/`selfAlive` let us
   * refute an intent about ourselves while we are not leaving.
   */
  leaveIntent(
    node: string,
    lTime: LamportTime,
    prune: boolean,
    selfName: string,
    selfAlive: boolean,
    intents: RecentIntents,
    now: number,
  ): LeaveIntentResult {
    const s = this.byName.get(node);
    if (s === undefined)
      return { rebroadcast: intents.upsert(node, 'leave', lTime, now), refute: false, changes: [] };
    if (lTime <= s.statusLTime) return { rebroadcast: false, refute: false, changes: [] };
    if (node === selfName && selfAlive) return { rebroadcast: false, refute: true, changes: [] };
    // Always record the time, even when the status does not change, so that a second copy of the
    // same intent is not re-gossiped forever (serf: the fix for consul#8179).
    s.statusLTime = lTime;
    const changes: MemberChange[] = [];
    switch (s.member.status) {
      case 'alive':
        this.setMember(s, { status: 'leaving' });
        if (prune) return { rebroadcast: true, refute: false, changes, pruneLater: node };
        return { rebroadcast: true, refute: false, changes };
      case 'failed':
        this.setMember(s, { status: 'left' });
        this.forgetDeparted(node);
        this.addDeparted(this.leftNames, node);
        changes.push({ type: 'member-leave', member: s.member });
        if (prune) changes.push(this.erase(node) as MemberChange);
        return { rebroadcast: true, refute: false, changes };
      case 'leaving':
        if (prune) return { rebroadcast: true, refute: false, changes, pruneLater: node };
        return { rebroadcast: true, refute: false, changes };
      case 'left':
        if (prune) changes.push(this.erase(node) as MemberChange);
        return { rebroadcast: true, refute: false, changes };
      default:
        return { rebroadcast: false, refute: false, changes };
    }
  }

  /** Remove a member entirely; returns its member-reap event (undefined if unknown). */
  erase(name: string): MemberChange | undefined {
    const s = this.byName.get(name);
    if (s === undefined) return undefined;
    this.byName.delete(name);
    this.forgetDeparted(name);
    return { type: 'member-reap', member: s.member };
  }

  /**
   * Members reaped early since the last call because the departed ones outgrew their budget
   * (MAX_DEPARTED_MEMBER_BYTES), oldest first: the owner reports them as `member-reap`.
   */
  takeEvicted(): MemberChange[] {
    if (this.evicted.length === 0) return [];
    const out = this.evicted;
    this.evicted = [];
    return out;
  }

  /** Push-pull bytes of the failed and left members (for tests and metrics). */
  get departedBytes(): number {
    return this.departed;
  }

  private addDeparted(list: string[], name: string): void {
    list.push(name);
    this.departed += departedBytes(name);
    // Over budget: reap the member that departed first (a flood of fake members that come and
    // go must not grow every push-pull; serf would keep them for 24 h).
    while (this.departed > MAX_DEPARTED_MEMBER_BYTES) {
      const f = this.failedNames[0];
      const l = this.leftNames[0];
      const tf = f === undefined ? Infinity : (this.byName.get(f)?.leaveTimeMs ?? 0);
      const tl = l === undefined ? Infinity : (this.byName.get(l)?.leaveTimeMs ?? 0);
      const oldest = tf <= tl ? f : l;
      if (oldest === undefined) break;
      const reaped = this.erase(oldest);
      if (reaped !== undefined) this.evicted.push(reaped);
    }
  }

  private forgetDeparted(name: string): void {
    const f = this.failedNames.length;
    const l = this.leftNames.length;
    this.failedNames = this.failedNames.filter((n) => n !== name);
    this.leftNames = this.leftNames.filter((n) => n !== name);
    const removed = f - this.failedNames.length + (l - this.leftNames.length);
    this.departed -= removed * departedBytes(name);
  }

  /**
   * Erase failed members older than `reconnectTimeoutMs` and left members older than
   * `tombstoneTimeoutMs` (serf: `reap`, run every ReapInterval). Returns the reap events.
   */
  reap(now: number, reconnectTimeoutMs: number, tombstoneTimeoutMs: number): MemberChange[] {
    const out: MemberChange[] = [];
    for (const [names, timeout] of [
      [this.failedNames, reconnectTimeoutMs],
      [this.leftNames, tombstoneTimeoutMs],
    ] as const) {
      for (const name of [...names]) {
        const s = this.byName.get(name);
        if (s === undefined || now - s.leaveTimeMs <= timeout) continue;
        out.push(this.erase(name) as MemberChange);
      }
    }
    return out;
  }

  /** Overwrite our own member's tags (SetTags changes them before memberlist echoes the update). */
  setLocalTags(self: string, tags: Readonly<Record<string, string>>): void {
    const s = this.byName.get(self);
    if (s !== undefined) this.setMember(s, { tags });
  }
}
