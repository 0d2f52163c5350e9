/**
 * The membership state machine of memberlist 0.2.2 (state.go aliveNode / suspectNode / deadNode /
 * refute / mergeState, net.go verifyProtocol): what one node believes about every member, and how
 * alive, suspect and dead rumours change it.
 *
 * Transition table (X ≠ self; `i` the message incarnation, `s` the stored one):
 *
 * | message            | X unknown        | X alive                 | X suspect               | X dead / left          |
 * |--------------------|------------------|-------------------------|-------------------------|------------------------|
 * | alive(i)           | add, alive, join | i > s: alive (update)   | i > s: alive            | i > s: alive, join     |
 * | suspect(i, from)   | ignore           | i ≥ s: suspect, timer   | i ≥ s: confirmation     | ignore                 |
 * | dead(i, from)      | ignore           | i ≥ s: dead / left      | i ≥ s: dead / left      | ignore                 |
 * | suspicion timeout  | –                | –                       | dead(raised-at i)       | –                      |
 *
 * An alive at another address is a *conflict* unless X has left (or has been dead longer than
 * `deadNodeReclaimMs`). About self: suspect/dead (not while leaving) and any alive newer than ours,
 * or with the same incarnation but different meta/Vsn, are *refuted* with incarnation
 * max(own, accused) + 1. Dead with `from === node` means a graceful leave (state left).
 */
import type { Address } from '../core/io.js';
import type { MemberInfo, MemberState, SwimEvent } from './api.js';
import type { Alive, Dead, Message, PushNodeState, Suspect } from '../wire/messages.js';
import { utf8Length, type Writer } from '../wire/msgpack.js';
import {
  MAX_MEMBER_STATE_BYTES,
  MAX_NODE_NAME_BYTES,
  META_MAX_BYTES,
  PUSH_NODE_STATE_OVERHEAD_BYTES,
} from '../wire/limits.js';
import { encodeMessage } from '../wire/memberlist-codec.js';
import { ipFromBytes } from '../wire/ip.js';
import type { Interner } from './interner.js';
import { ABSENT, ALIVE, DEAD, LEFT, MemberTable, SUSPECT, type StateCode, type Vsn6 } from './members.js';
import type { SwimConfig } from './config.js';
import { suspectTimer, type SwimDeadlines } from './timers.js';
import type { TransmitLimitedQueue } from './broadcast-queue.js';
import { isImplausibleJump, isNewer, isOlder, refutationOf } from './incarnation.js';
import { Suspicion, expectedConfirmations, suspicionTimeoutMs } from './suspicion.js';
import type { PreloadBatch } from './preload.js';
import type { Awareness } from './awareness.js';
import type { Logger, Metrics } from '../core/logger.js';
import type { Random } from '../core/random.js';
import type { AdaptiveDetector } from './detector.js';

const STATE_NAMES: readonly MemberState[] = ['alive', 'alive', 'suspect', 'dead', 'left'];
const ZERO_VSN: Vsn6 = [0, 0, 0, 0, 0, 0];

/** Everything the state machine shares with the rest of the core. */
export interface MembershipDeps {
  readonly config: SwimConfig;
  readonly interner: Interner;
  readonly heap: SwimDeadlines;
  readonly queue: TransmitLimitedQueue;
  readonly awareness: Awareness;
  readonly random: Random;
  readonly events: SwimEvent[];
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Reusable encoder buffer. */
  readonly writer: Writer;
  /** The adaptive detector's measurements, or undefined in `memberlist` mode. */
  readonly detector?: AdaptiveDetector;
}

/**
 * What the adaptive detector adds around the state machine (unset in `memberlist` mode, where the
 * machine behaves exactly as memberlist's).
 */
export interface MembershipHooks {
  /**
   * We originated `encoded` (our alive or refutation, our accusation or death declaration of
   * member `aboutId`, or our leave), already queued for gossip: send it on at once.
   */
  originated(now: number, encoded: Uint8Array, aboutId: number): void;
  /**
   * The suspicion of member `id` ran out. Return true to keep the member suspect (a last check
   * is under way and re-armed the deadline), false to declare it dead now.
   */
  suspicionExpired(now: number, id: number, sus: Suspicion): boolean;
  /** The suspicion of member `id` ended (refuted, declared dead, or forgotten). */
  suspicionCleared(id: number, sus: Suspicion): void;
  /**
   * Member `from` accused us (suspect or dead) at an incarnation we already refuted: it missed
   * our refutation (memberlist ignores such a message). Tell it our current alive directly.
   */
  staleAccusation(now: number, from: string): void;
  /** The number of live (alive or suspect) members, self included, changed to `n`. */
  liveCountChanged(n: number): void;
}

/** Is a Vsn usable as six version bytes? (memberlist indexes [0..5]; shorter ones crash v0.2.2.) */
function vsn6(v: Uint8Array): Vsn6 | undefined {
  return v.length >= 6
    ? [v[0] as number, v[1] as number, v[2] as number, v[3] as number, v[4] as number, v[5] as number]
    : undefined;
}

/** See the module comment. */
export class Membership {
  readonly table: MemberTable;
  /** This node's name. */
  readonly selfName: string;
  /** This node's id in the interner (−1 until {@link bootstrap}). */
  selfId = -1;
  /** Active suspicions, by member id. Only suspected members have one. */
  readonly suspicions = new Map<number, Suspicion>();
  /** Set once `leave()` started: alive messages about self are ignored and dead(self) is not refuted. */
  leaving = false;
  /** Adaptive mode's additions; see {@link MembershipHooks}. */
  hooks: MembershipHooks | undefined;
  /** Members alive or suspect, self included (memberlist NumMembers). */
  private liveCount = 0;
  private readonly d: MembershipDeps;

  constructor(deps: MembershipDeps, selfName: string) {
    this.d = deps;
    this.table = new MemberTable(deps.interner);
    this.selfName = selfName;
  }

  /**
   * Start as alive (memberlist.go setAlive): our own alive, incarnation 1, goes through
   * {@link aliveNode} like any other, so it is broadcast and the first event is our own join.
   */
  bootstrap(now: number, self: Alive): void {
    this.aliveNode(now, self, true);
    this.selfId = this.idOf(this.selfName);
    if (this.selfId < 0) throw new Error('swim: self could not be added to the member table');
  }

  // ------------------------------------------------------------------ queries

  /** Members alive or suspect, self included. */
  numAlive(): number {
    return this.liveCount;
  }

  /** Is some member other than self alive or suspect? (memberlist anyAlive) */
  anyOtherAlive(): boolean {
    const st = this.table.state[this.selfId];
    return this.liveCount - (st === ALIVE || st === SUSPECT ? 1 : 0) > 0;
  }

  /** Id of a known member, or −1. */
  idOf(name: string): number {
    const id = this.d.interner.lookupName(name);
    return id >= 0 && this.table.has(id) ? id : -1;
  }

  /** A snapshot of member `id` (meta copied). */
  snapshot(id: number): MemberInfo {
    const t = this.table;
    const it = this.d.interner;
    return {
      name: it.name(id),
      addr: it.addr(t.addr[id] as number).address,
      meta: it.meta(t.meta[id] as number).slice(),
      incarnation: t.incarnation[id] as number,
      state: STATE_NAMES[t.state[id] as number] as MemberState,
      vsn: t.vsnOf(id),
      stateChangeMs: t.stateChangeMs[id] as number,
    };
  }

  /** The name of member `id`. */
  nameOf(id: number): string {
    return this.d.interner.name(id);
  }

  /** The raw wire IP bytes and port of member `id` (shared: do not mutate). */
  wireAddressOf(id: number): { readonly ip: Uint8Array; readonly port: number } {
    return this.d.interner.addr(this.table.addr[id] as number);
  }

  /** The address of member `id`. */
  addressOf(id: number): Address {
    return this.d.interner.addr(this.table.addr[id] as number).address;
  }

  /**
   * memberlist kRandomNodes (util.go): up to `k` distinct members, drawn at random from the probe
   * list with at most 3n draws, skipping those `exclude` rejects.
   */
  kRandomMembers(k: number, exclude: (id: number) => boolean): number[] {
    const t = this.table;
    const n = t.count;
    const out: number[] = [];
    for (let i = 0; i < 3 * n && out.length < k; i++) {
      const id = t.order[this.d.random.int(n)] as number;
      if (exclude(id) || out.includes(id)) continue;
      out.push(id);
    }
    return out;
  }

  // ------------------------------------------------------------------ transitions

  /**
   * An alive message (gossip, push-pull entry, or our own with `bootstrap`: startup and meta
   * updates, which are broadcast rather than refuted). memberlist state.go aliveNode.
   * `admitNew`, asked only for a name we do not know, may refuse it (a source over its rate).
   */
  aliveNode(now: number, a: Alive, bootstrap: boolean, admitNew?: () => boolean): void {
    const d = this.d;
    const t = this.table;
    if (this.leaving && a.node === this.selfName) return;
    if (!nodeNameFits(a.node)) {
      // memberlist stores any name; one of 64 KiB then fails to encode in every ping to it.
      d.metrics.incr('gossip_peer_alive_name_too_long');
      return;
    }
    // memberlist accepts an empty Vsn (zero versions, which then fail every push-pull version
    // check cluster-wide) and crashes on 1–5 bytes; we require the six bytes every memberlist
    // ≥ 0.1 sends, and re-gossip exactly six (wire refuses to send anything else).
    if (a.vsn.length < 6) {
      d.metrics.incr('memberlist_msg_alive_bad_vsn');
      return;
    }
    const pMin = a.vsn[0] as number;
    const pMax = a.vsn[1] as number;
    if (pMin === 0 || pMax === 0 || pMin > pMax) {
      d.metrics.incr('memberlist_msg_alive_bad_vsn');
      return;
    }
    if (a.vsn.length > 6) a = { ...a, vsn: a.vsn.subarray(0, 6) };
    if (a.addr.length !== 4 && a.addr.length !== 16) {
      // Go stores any bytes and then fails to send to them; we drop the rumour instead.
      d.metrics.incr('memberlist_msg_alive_bad_addr');
      return;
    }
    if (a.meta.length > META_MAX_BYTES) {
      // memberlist checks MetaMaxSize only for its own meta; serf ≥ 0.9.5 refuses larger ones
      // from others (merge_delegate.go validateMemberInfo).
      d.metrics.incr('gossip_peer_alive_meta_too_large');
      return;
    }
    let id = this.idOf(a.node);
    let updatesNode = false;
    if (id < 0 && !bootstrap) {
      // The member-table budget (wire/limits.ts): what keeps push-pull under the stream limit
      // and memory bounded, whoever sends us members.
      const bytes = PUSH_NODE_STATE_OVERHEAD_BYTES + utf8Length(a.node) + a.addr.length + a.meta.length;
      if (t.stateBytes + bytes > MAX_MEMBER_STATE_BYTES) {
        d.metrics.incr('gossip_peer_member_table_full');
        return;
      }
      if (admitNew !== undefined && !admitNew()) {
        d.metrics.incr('gossip_peer_member_source_limited');
        return;
      }
    } else if (id >= 0 && !bootstrap) {
      const grows = a.meta.length - d.interner.meta(t.meta[id] as number).length;
      if (grows > 0 && t.stateBytes + grows > MAX_MEMBER_STATE_BYTES) {
        d.metrics.incr('gossip_peer_member_table_full');
        return;
      }
    }
    const created = id < 0;
    if (id < 0) {
      // A new member starts as a dead placeholder with incarnation 0 (state.go aliveNode), so an
      // alive with incarnation 0 is recorded but never announced, exactly like memberlist.
      id = d.interner.retainName(a.node);
      const offset = t.count === 0 ? 0 : d.random.int(t.count);
      t.add(
        id,
        DEAD,
        0,
        Number.NEGATIVE_INFINITY,
        d.interner.retainAddr(a.addr, a.port),
        d.interner.retainMeta(a.meta),
        vsn6(a.vsn) as Vsn6,
        offset,
      );
    } else {
      const cur = d.interner.addr(t.addr[id] as number);
      if (cur.port !== a.port || !bytesEqual(cur.ip, a.addr)) {
        const st = t.state[id];
        const canReclaim =
          d.config.deadNodeReclaimMs > 0 &&
          now - (t.stateChangeMs[id] as number) > d.config.deadNodeReclaimMs;
        if (st === LEFT || (st === DEAD && canReclaim)) {
          updatesNode = true;
        } else {
          d.logger.debug({ node: a.node, port: a.port }, 'conflicting address');
          d.metrics.incr('memberlist_conflict');
          d.events.push({
            type: 'conflict',
            existing: this.snapshot(id),
            other: this.otherFromAlive(now, a),
          });
          return;
        }
      }
    }
    const isLocal = a.node === this.selfName;
    const inc = t.incarnation[id] as number;
    // Serial order (incarnation.ts): a new member's first incarnation may be anything but 0.
    if ((created ? a.incarnation === 0 : !isNewer(a.incarnation, inc)) && !isLocal && !updatesNode) return;
    if (isOlder(a.incarnation, inc) && isLocal) return;
    this.clearSuspicion(id);
    const oldState = t.state[id] as StateCode;
    const oldMeta = t.meta[id] as number;
    if (!bootstrap && isLocal) {
      // Same incarnation with identical meta and Vsn is just our own rumour coming back.
      if (a.incarnation === inc && this.sameMetaAndVsn(id, a)) return;
      this.refute(now, a.incarnation);
      d.logger.debug({ incarnation: a.incarnation }, 'refuting an alive message about self');
    } else {
      const encoded = this.broadcast(a.node, { type: 'alive', body: a });
      if (isLocal && this.selfId >= 0) this.hooks?.originated(now, encoded, id);
      t.setVsn(id, vsn6(a.vsn) as Vsn6);
      t.setIncarnation(id, a.incarnation);
      t.setMeta(id, d.interner.retainMeta(a.meta));
      t.setAddr(id, d.interner.retainAddr(a.addr, a.port));
      if (oldState !== ALIVE) this.setState(id, ALIVE, now);
    }
    d.metrics.incr('memberlist_msg_alive');
    if (oldState === DEAD || oldState === LEFT) {
      d.events.push({ type: 'join', member: this.snapshot(id) });
    } else if (oldMeta !== t.meta[id]) {
      d.events.push({ type: 'update', member: this.snapshot(id) });
    }
  }

  /**
   * A suspect message (gossip, our own failed probe, or a push-pull entry). state.go suspectNode.
   * `refused` (adaptive mode, our own probe only): the member's port refused our TCP probe, so
   * the short `refusedSuspicionMs` applies.
   */
  suspectNode(now: number, s: Suspect, refused = false): void {
    const d = this.d;
    const t = this.table;
    const id = this.idOf(s.node);
    if (id < 0) return;
    const known = t.incarnation[id] as number;
    if (isOlder(s.incarnation, known)) {
      if (id === this.selfId && !this.leaving) this.hooks?.staleAccusation(now, s.from);
      return;
    }
    if (id !== this.selfId && isImplausibleJump(s.incarnation, known)) {
      d.metrics.incr('gossip_peer_incarnation_jump');
      return;
    }
    const existing = this.suspicions.get(id);
    if (existing !== undefined) {
      // Lifeguard: an independent accusation shortens the timeout and is re-gossiped once.
      const confirmed = existing.confirm(s.from);
      if (refused && this.hooks !== undefined) existing.cap(now + d.config.refusedSuspicionMs);
      // A final check under way keeps its own pace.
      if ((confirmed || refused) && existing.finalAttempts === 0) {
        d.heap.set(suspectTimer(s.node), Math.max(now, existing.deadlineMs));
      }
      if (confirmed) {
        const encoded = this.broadcast(s.node, { type: 'suspect', body: s });
        if (s.from === this.selfName) this.hooks?.originated(now, encoded, id);
      }
      return;
    }
    if (t.state[id] !== ALIVE) return;
    if (id === this.selfId) {
      this.refute(now, s.incarnation);
      d.logger.debug({ from: s.from }, 'refuting a suspect message');
      return;
    }
    const encoded = this.broadcast(s.node, { type: 'suspect', body: s });
    d.metrics.incr('memberlist_msg_suspect');
    t.setIncarnation(id, s.incarnation);
    this.setState(id, SUSPECT, now);
    const n = t.count;
    const k = expectedConfirmations(d.config.suspicionMult, n);
    let min: number;
    let max: number;
    if (d.detector === undefined) {
      min = suspicionTimeoutMs(d.config.suspicionMult, n, d.config.probeIntervalMs);
      max = d.config.suspicionMaxTimeoutMult * min;
    } else {
      ({ minMs: min, maxMs: max } = d.detector.suspicionBounds(n));
    }
    const sus = new Suspicion(s.from, now, s.incarnation, k, min, max);
    if (refused && d.detector !== undefined) sus.cap(now + d.config.refusedSuspicionMs);
    this.suspicions.set(id, sus);
    d.heap.set(suspectTimer(s.node), sus.deadlineMs);
    d.events.push({ type: 'suspect', member: this.snapshot(id), from: s.from });
    if (s.from === this.selfName) this.hooks?.originated(now, encoded, id);
  }

  /**
   * A suspicion deadline passed. If the member is still suspect from that same suspicion, declare
   * it dead with the incarnation the suspicion was raised at.
   */
  suspicionTimeout(now: number, name: string): void {
    const id = this.idOf(name);
    if (id < 0) return;
    const sus = this.suspicions.get(id);
    if (sus === undefined) return;
    const t = this.table;
    if (t.state[id] !== SUSPECT || t.stateChangeMs[id] !== sus.startMs) return;
    if (this.hooks?.suspicionExpired(now, id, sus) === true) return;
    if (sus.k > 0 && sus.confirmations < sus.k) this.d.metrics.incr('memberlist_degraded_timeout');
    this.d.logger.debug({ node: name, confirmations: sus.confirmations }, 'suspect timeout reached');
    this.deadNode(now, { incarnation: sus.incarnation, node: name, from: this.selfName });
  }

  /**
   * A dead message (gossip, a suspicion timeout, a push-pull "left" entry, or our own leave, for
   * which `onFinished` tells when the broadcast is done). state.go deadNode.
   */
  deadNode(now: number, dm: Dead, onFinished?: () => void): void {
    const d = this.d;
    const t = this.table;
    const id = this.idOf(dm.node);
    if (id < 0) return;
    const known = t.incarnation[id] as number;
    if (isOlder(dm.incarnation, known)) {
      if (id === this.selfId && !this.leaving && dm.from !== this.selfName)
        this.hooks?.staleAccusation(now, dm.from);
      return;
    }
    if (id !== this.selfId && isImplausibleJump(dm.incarnation, known)) {
      d.metrics.incr('gossip_peer_incarnation_jump');
      return;
    }
    this.clearSuspicion(id);
    const st = t.state[id];
    if (st === DEAD || st === LEFT) return;
    if (id === this.selfId) {
      if (!this.leaving) {
        this.refute(now, dm.incarnation);
        d.logger.debug({ from: dm.from }, 'refuting a dead message');
        return;
      }
      // All-to-all too: the Serf layer has by now gossiped its leave intent, and sent it straight
      // to every member when all-to-all is on, so the intent arrives first (a member hearing our
      // dead(self) without it would report a failure instead of a leave).
      const encoded = this.broadcast(dm.node, { type: 'dead', body: dm }, onFinished);
      this.hooks?.originated(now, encoded, id);
    } else {
      const encoded = this.broadcast(dm.node, { type: 'dead', body: dm });
      if (dm.from === this.selfName) this.hooks?.originated(now, encoded, id);
    }
    d.metrics.incr('memberlist_msg_dead');
    t.setIncarnation(id, dm.incarnation);
    this.setState(id, dm.node === dm.from ? LEFT : DEAD, now);
    d.events.push({ type: 'leave', member: this.snapshot(id) });
  }

  /**
   * Merge a push-pull node list (state.go mergeState): alive entries as alive messages, left as a
   * graceful dead, and suspect *or dead* as a suspicion raised by ourselves — a remote death only
   * makes us suspect, giving the member its chance to refute.
   */
  mergeState(now: number, nodes: readonly PushNodeState[]): void {
    for (const r of nodes) {
      switch (r.state) {
        case 0:
          this.aliveNode(
            now,
            {
              incarnation: r.incarnation,
              node: r.name,
              addr: r.addr,
              port: r.port,
              meta: r.meta,
              vsn: r.vsn,
            },
            false,
          );
          break;
        case 3:
          this.deadNode(now, { incarnation: r.incarnation, node: r.name, from: r.name });
          break;
        case 1:
        case 2:
          this.suspectNode(now, { incarnation: r.incarnation, node: r.name, from: this.selfName });
          break;
        default:
          break;
      }
    }
  }

  /**
   * memberlist verifyProtocol (state.go): the versions every alive node (remote and local)
   * understands must contain every node's current protocol and delegate version. Returns an error
   * line, or undefined if compatible. A malformed (1–5 byte) remote Vsn, which would crash Go,
   * fails the merge here.
   */
  verifyProtocol(remote: readonly PushNodeState[]): string | undefined {
    let maxpmin = 0;
    let minpmax = 255;
    let maxdmin = 0;
    let mindmax = 255;
    for (const rn of remote) {
      if (rn.vsn.length > 0 && rn.vsn.length < 6)
        return `Node '${rn.name}' has a malformed Vsn of ${rn.vsn.length} bytes`;
      if (rn.state !== 0 || rn.vsn.length === 0) continue;
      maxpmin = Math.max(maxpmin, rn.vsn[0] as number);
      minpmax = Math.min(minpmax, rn.vsn[1] as number);
      maxdmin = Math.max(maxdmin, rn.vsn[3] as number);
      mindmax = Math.min(mindmax, rn.vsn[4] as number);
    }
    const t = this.table;
    for (let i = 0; i < t.count; i++) {
      const id = t.order[i] as number;
      if (t.state[id] !== ALIVE) continue;
      maxpmin = Math.max(maxpmin, t.vsnAt(id, 0));
      minpmax = Math.min(minpmax, t.vsnAt(id, 1));
      maxdmin = Math.max(maxdmin, t.vsnAt(id, 3));
      mindmax = Math.min(mindmax, t.vsnAt(id, 4));
    }
    const check = (name: string, pcur: number, dcur: number): string | undefined => {
      if (pcur < maxpmin || pcur > minpmax) {
        return `Node '${name}' protocol version (${pcur}) is incompatible: [${maxpmin}, ${minpmax}]`;
      }
      if (dcur < maxdmin || dcur > mindmax) {
        return `Node '${name}' delegate protocol version (${dcur}) is incompatible: [${maxdmin}, ${mindmax}]`;
      }
      return undefined;
    };
    for (const rn of remote) {
      const bad = check(
        rn.name,
        rn.vsn.length > 0 ? (rn.vsn[2] as number) : 0,
        rn.vsn.length > 0 ? (rn.vsn[5] as number) : 0,
      );
      if (bad !== undefined) return bad;
    }
    for (let i = 0; i < t.count; i++) {
      const id = t.order[i] as number;
      const bad = check(this.d.interner.name(id), t.vsnAt(id, 2), t.vsnAt(id, 5));
      if (bad !== undefined) return bad;
    }
    return undefined;
  }

  /** Our node list for a push-pull (net.go sendLocalState): every member in probe-list order. */
  localNodes(): PushNodeState[] {
    const t = this.table;
    const it = this.d.interner;
    const out: PushNodeState[] = new Array(t.count);
    for (let i = 0; i < t.count; i++) {
      const id = t.order[i] as number;
      const a = it.addr(t.addr[id] as number);
      out[i] = {
        name: it.name(id),
        addr: a.ip,
        port: a.port,
        meta: it.meta(t.meta[id] as number),
        incarnation: t.incarnation[id] as number,
        state: (t.state[id] as number) - 1,
        vsn: t.vsn.subarray(id * 6, id * 6 + 6),
      };
    }
    return out;
  }

  /**
   * Insert members known out of band as alive, with no broadcast and no event: for simulators that
   * start a large world "pre-joined". Names already known (self included) are skipped; the probe
   * list is reshuffled once at the end.
   */
  preload(now: number, batch: PreloadBatch): void {
    const it = this.d.interner;
    if (batch.interner !== it) throw new Error("swim: a preload batch must come from this core's interner");
    if (batch.isReleased) throw new Error('swim: the preload batch was released');
    const t = this.table;
    t.reserve(batch.maxNameId, t.count + batch.size);
    for (let i = 0; i < batch.size; i++) {
      const id = batch.nameIds[i] as number;
      if (t.has(id)) continue;
      const addrId = batch.addrIds[i] as number;
      const metaId = batch.metaIds[i] as number;
      it.retainNameId(id);
      it.retainAddrId(addrId);
      it.retainMetaId(metaId);
      t.append(id, ALIVE, batch.incarnations[i] as number, now, addrId, metaId, batch.vsn, i * 6);
      this.liveCount++;
    }
    this.hooks?.liveCountChanged(this.liveCount);
    t.shuffle((n) => this.d.random.int(n));
  }

  /**
   * {@link preload} for one member: inserted at a random position of the probe list (like a new
   * member in aliveNode), without reshuffling. Ignored if the name is already known.
   */
  preloadOne(
    now: number,
    name: string,
    ip: Uint8Array,
    port: number,
    meta: Uint8Array,
    incarnation: number,
    vsn: Vsn6,
  ): void {
    if (this.idOf(name) >= 0) return;
    const it = this.d.interner;
    const id = it.retainName(name);
    const t = this.table;
    const offset = t.count === 0 ? 0 : this.d.random.int(t.count);
    t.add(id, ALIVE, incarnation, now, it.retainAddr(ip, port), it.retainMeta(meta), vsn, offset);
    this.liveCount++;
    this.hooks?.liveCountChanged(this.liveCount);
  }

  /**
   * memberlist resetNodes (state.go) at a probe-list wrap-around: forget members dead (and, if
   * configured, left) for longer than `gossipToTheDeadMs`, then reshuffle the list.
   */
  resetNodes(now: number): void {
    const t = this.table;
    const limit = this.d.config.gossipToTheDeadMs;
    const forgetLeft = this.d.config.forgetLeftMembers;
    t.compact((id) => {
      const st = t.state[id];
      return (st === DEAD || (forgetLeft && st === LEFT)) && now - (t.stateChangeMs[id] as number) > limit;
    });
    t.shuffle((n) => this.d.random.int(n));
  }

  /**
   * Beat an accusation about ourselves (state.go refute): incarnation max(own + 1, accused + 1)
   * in serial order (so 2^32 − 1 is refuted by 0), local health worsens by one, and an alive about
   * us is broadcast.
   */
  refute(now: number, accused: number): void {
    const d = this.d;
    const t = this.table;
    const id = this.selfId;
    const inc = refutationOf(t.incarnation[id] as number, accused);
    t.setIncarnation(id, inc);
    if (d.awareness.applyDelta(1)) d.metrics.gauge('memberlist_health_score', d.awareness.score);
    const encoded = this.broadcast(this.selfName, this.selfAliveMessage());
    d.events.push({ type: 'refute', incarnation: inc });
    this.hooks?.originated(now, encoded, id);
  }

  /** An alive about ourselves with our current incarnation, address, meta and Vsn. */
  selfAliveMessage(): Message {
    const t = this.table;
    const it = this.d.interner;
    const id = this.selfId;
    const a = it.addr(t.addr[id] as number);
    return {
      type: 'alive',
      body: {
        incarnation: t.incarnation[id] as number,
        node: this.selfName,
        addr: a.ip,
        port: a.port,
        meta: it.meta(t.meta[id] as number),
        vsn: t.vsn.slice(id * 6, id * 6 + 6),
      },
    };
  }

  /** Encode `msg` and queue it as the broadcast about `node`, replacing a queued one; returns the bytes. */
  broadcast(node: string, msg: Message, onFinished?: () => void): Uint8Array {
    const encoded = encodeMessage(msg, this.d.writer);
    this.d.queue.queue(encoded, node, onFinished);
    return encoded;
  }

  /** After a step threw half-way (a bug): re-arm any suspicion that lost its deadline. */
  restoreSuspicionDeadlines(now: number): void {
    for (const [id, sus] of this.suspicions) {
      const key = suspectTimer(this.d.interner.name(id));
      if (!this.d.heap.has(key)) this.d.heap.set(key, Math.max(now, sus.deadlineMs));
    }
  }

  /**
   * Invariants the simulator checks after every step. Throws on the first violation: these are
   * bugs, never peer input.
   */
  assertInvariants(): void {
    const t = this.table;
    const it = this.d.interner;
    const seen = new Set<number>();
    let live = 0;
    for (let i = 0; i < t.count; i++) {
      const id = t.order[i] as number;
      assert(!seen.has(id), `member ${id} twice in the probe list`);
      seen.add(id);
      const st = t.state[id] as number;
      assert(st !== ABSENT, `probe list holds an absent member ${id}`);
      if (st === ALIVE || st === SUSPECT) live++;
      assert(it.refCounts('name', id) > 0, `member ${id} name not retained`);
      assert(it.refCounts('addr', t.addr[id] as number) > 0, `member ${id} address not retained`);
      assert(it.refCounts('meta', t.meta[id] as number) > 0, `member ${id} meta not retained`);
      const sus = this.suspicions.get(id);
      const name = it.name(id);
      if (st === SUSPECT) {
        assert(sus !== undefined, `suspect ${name} has no suspicion`);
        assert(this.d.heap.has(suspectTimer(name)), `suspect ${name} has no suspicion deadline`);
      } else {
        assert(sus === undefined, `${name} (state ${st}) has a suspicion`);
        assert(!this.d.heap.has(suspectTimer(name)), `${name} (state ${st}) has a suspicion deadline`);
      }
    }
    for (const id of this.suspicions.keys()) assert(seen.has(id), `suspicion for unknown member ${id}`);
    assert(live === this.liveCount, `live count ${this.liveCount} but ${live} alive/suspect members`);
    assert(seen.has(this.selfId), 'self is not in the member table');
    const selfState = t.state[this.selfId];
    assert(
      this.leaving ? selfState === LEFT : selfState === ALIVE,
      `self is ${STATE_NAMES[selfState as number]} in its own view (leaving: ${this.leaving})`,
    );
  }

  // ------------------------------------------------------------------ helpers

  private setState(id: number, st: StateCode, now: number): void {
    const t = this.table;
    const before = t.state[id];
    const wasLive = before === ALIVE || before === SUSPECT;
    const isLive = st === ALIVE || st === SUSPECT;
    t.setState(id, st, now);
    if (wasLive !== isLive) {
      this.liveCount += isLive ? 1 : -1;
      this.hooks?.liveCountChanged(this.liveCount);
    }
  }

  private clearSuspicion(id: number): void {
    const sus = this.suspicions.get(id);
    if (sus === undefined) return;
    this.suspicions.delete(id);
    this.d.heap.delete(suspectTimer(this.d.interner.name(id)));
    this.hooks?.suspicionCleared(id, sus);
  }

  private sameMetaAndVsn(id: number, a: Alive): boolean {
    const t = this.table;
    if (!bytesEqual(this.d.interner.meta(t.meta[id] as number), a.meta)) return false;
    if (a.vsn.length !== 6) return false;
    for (let i = 0; i < 6; i++) if (a.vsn[i] !== t.vsnAt(id, i)) return false;
    return true;
  }

  private otherFromAlive(now: number, a: Alive): MemberInfo {
    return {
      name: a.node,
      addr: Object.freeze({ ip: ipFromBytes(a.addr), port: a.port }),
      meta: a.meta.slice(),
      incarnation: a.incarnation,
      state: 'alive',
      vsn: vsn6(a.vsn) ?? ZERO_VSN,
      stateChangeMs: now,
    };
  }
}

/** Is `name` at most {@link MAX_NODE_NAME_BYTES} bytes of UTF-8? (UTF-8 never has fewer bytes than UTF-16 units.) */
export function nodeNameFits(name: string): boolean {
  return name.length <= MAX_NODE_NAME_BYTES && utf8Length(name) <= MAX_NODE_NAME_BYTES;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function assert(cond: boolean, msg: string): asserts cond {
  if (!cond) throw new Error(`swim invariant violated: ${msg}`);
}
