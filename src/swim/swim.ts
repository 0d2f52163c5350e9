/**
 * `Swim`: the pure, sans-I/O SWIM + Lifeguard core with memberlist 0.2.2 semantics.
 *
 * It owns no socket, timer or clock: the driver feeds packets, streams, stream replies, commands
 * and `tick(now)`, then drains `drainOutputs()` (final wire bytes) and `drainEvents()`, and re-arms
 * one timer to `nextDeadline()` (see io.ts). The pieces, one job per file:
 *
 * - membership.ts — the member state machine (alive / suspect / dead / refute / merge);
 * - probe.ts      — failure detection (probe, indirect probe, TCP fallback, acks, nacks);
 * - push-pull.ts  — join and anti-entropy state exchange;
 * - sender.ts     — packets (piggy-backing, CRC, sealing) and streams out;
 * - adaptive.ts, detector.ts, final-check.ts — `adaptive` mode's additions (absent in
 *                   `memberlist` mode, which is memberlist 0.2.2 exactly);
 * - this file     — dispatch of packets and streams, gossip rounds, leave, meta updates.
 *
 * Everything random comes from the injected `Random`; every deadline lives in one keyed heap, so
 * a seed replays exactly.
 */
import type { Address, Output, StreamFailure } from '../core/io.js';
import type { MemberInfo, SwimCore, SwimDelegate, SwimEvent } from './api.js';
import type { Random } from '../core/random.js';
import { noopLogger, noopMetrics, type Logger, type Metrics } from '../core/logger.js';
import { KeyedRateLimiter } from '../core/rate-limit.js';
import { vsnOf, type SwimConfig } from './config.js';
import { Interner } from './interner.js';
import { TransmitLimitedQueue } from './broadcast-queue.js';
import { Awareness } from './awareness.js';
import { Membership, nodeNameFits } from './membership.js';
import { GOSSIP_TIMER, LEAVE_TIMER, createSwimDeadlines, type SwimTimer } from './timers.js';
import { Prober } from './probe.js';
import { PushPullExchange } from './push-pull.js';
import { Sender, type SwimCounters } from './sender.js';
import { ALIVE, DEAD, SUSPECT } from './members.js';
import { PreloadBatch, type PreloadedMember } from './preload.js';
import { AdaptiveDetector } from './detector.js';
import { AdaptiveLayer } from './adaptive.js';
import { ConfigError, DecodeError, StateError, TooLargeError } from '../wire/errors.js';
import type { Message } from '../wire/messages.js';
import { Writer } from '../wire/msgpack.js';
import { parseIp } from '../wire/ip.js';
import {
  COMPOUND_PART_OVERHEAD,
  CRC_HEADER_BYTES,
  ENCRYPTION_OVERHEAD,
  MAX_NODE_NAME_BYTES,
  MAX_RATE_LIMITED_SOURCES,
  MAX_STREAM_BYTES,
  MAX_UDP_PAYLOAD_BYTES,
  NEW_MEMBERS_PER_SOURCE_BURST,
  NEW_MEMBERS_PER_SOURCE_PER_SECOND,
  META_MAX_BYTES,
} from '../wire/limits.js';
import { openPacket } from '../wire/packet.js';
import { openStream } from '../wire/stream.js';

/** Re-exported for callers that build pre-joined worlds or read counters (see preload.ts, sender.ts). */
export { PreloadBatch, type PreloadedMember, type SwimCounters };

/** How a Swim is built. Identity and dependencies; tunables are in `config`. */
export interface SwimOptions {
  /** Unique node name. */
  readonly name: string;
  /** The address other nodes reach us at (advertised in our alive messages). */
  readonly advertise: Address;
  /** From `resolveConfig(partial, profile)`. */
  readonly config: SwimConfig;
  /** The current time (ms) at creation; the core starts alive at this instant. */
  readonly now: number;
  /** The injected random source (shuffles, peer choice, staggers, nonces). */
  readonly random: Random;
  /** The layer above (Serf), if any. */
  readonly delegate?: SwimDelegate;
  /** Initial meta; default `delegate.nodeMeta(512)`, else empty. At most 512 bytes. */
  readonly meta?: Uint8Array;
  /** Id spaces for names, addresses and meta; a simulator shares one across nodes. */
  readonly interner?: Interner;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
}

/** Upper bound of deadlines run by one tick: a loop guard, never reached by a correct core. */
const MAX_DEADLINES_PER_TICK = 1_000_000;
/** What a stream user message adds before its body: `08` and `userMsgHeader{UserMsgLen}` (at most). */
const USER_STREAM_HEADER_BYTES = 32;

/** See the module comment. */
export class Swim implements SwimCore {
  /** Live counters (packets and bytes in/out, decode errors). */
  readonly counters: SwimCounters = { packetsIn: 0, packetsOut: 0, bytesIn: 0, bytesOut: 0, decodeErrors: 0 };

  private readonly config: SwimConfig;
  private readonly random: Random;
  private readonly delegate: SwimDelegate | undefined;
  private readonly logger: Logger;
  private readonly metrics: Metrics;
  private readonly heap = createSwimDeadlines();
  private readonly queue: TransmitLimitedQueue;
  private readonly awareness: Awareness;
  private readonly membership: Membership;
  private readonly prober: Prober;
  private readonly writer = new Writer(1024);
  private readonly selfWire: { readonly ip: Uint8Array; readonly port: number };
  private readonly selfVsn: Uint8Array;
  private readonly internerRef: Interner;

  private readonly sender: Sender;
  private readonly pushPull: PushPullExchange;
  /** `adaptive` mode only (undefined in `memberlist` mode). */
  private readonly adaptive: AdaptiveLayer | undefined;
  private readonly events: SwimEvent[] = [];
  private readonly fallbackStreams = new Map<number, number>();
  private leaveState: 'none' | 'waiting' | 'done' = 'none';
  /** When a waiting leave gives up (absent: no timeout). */
  private leaveTimeoutAt: number | undefined;
  /** The gossip ticker's next grid time (ticks keep their phase, like Go's time.Ticker). */
  private gossipNext = 0;
  /**
   * No gossip deadline is armed because there was nothing to send and there is no delegate to ask:
   * an idle tick every 200 ms per node is most of a large simulation's timer traffic. The ticker
   * is re-armed on its own grid as soon as something is queued, so behaviour is unchanged.
   */
  private gossipIdle = false;
  /**
   * New members one UDP source may introduce (issue 11): gossip carries a few new members per
   * round, an attacker thousands per packet. Push-pull streams are exempt (their source finished
   * a TCP handshake, and a join legitimately brings the whole cluster); the member-table budget
   * bounds both.
   */
  private readonly newMembersBySource = new KeyedRateLimiter({
    burst: NEW_MEMBERS_PER_SOURCE_BURST,
    perSecond: NEW_MEMBERS_PER_SOURCE_PER_SECOND,
    maxKeys: MAX_RATE_LIMITED_SOURCES,
  });
  /** Adaptive: the `now` of the last stall recovery (a stall seen twice is recovered from once). */
  private stallRecoveredAt = Number.NEGATIVE_INFINITY;

  constructor(opts: SwimOptions) {
    const problems: string[] = [];
    if (typeof opts.name !== 'string' || opts.name.length === 0)
      problems.push('name: must be a non-empty string');
    else if (!nodeNameFits(opts.name))
      problems.push(`name: must be at most ${MAX_NODE_NAME_BYTES} bytes of UTF-8 (others drop longer names)`);
    const ip = typeof opts.advertise?.ip === 'string' ? parseIp(opts.advertise.ip) : undefined;
    if (ip === undefined)
      problems.push(`advertise.ip: must be an IPv4 or IPv6 address (got ${String(opts.advertise?.ip)})`);
    const port = opts.advertise?.port;
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      problems.push(`advertise.port: must be 1..65535 (got ${String(port)})`);
    if (!Number.isInteger(opts.now))
      problems.push(`now: must be integer milliseconds (got ${String(opts.now)})`);
    if (problems.length > 0) throw new ConfigError(problems);

    this.config = opts.config;
    this.random = opts.random;
    this.delegate = opts.delegate;
    this.logger = opts.logger ?? noopLogger;
    this.metrics = opts.metrics ?? noopMetrics;
    this.selfWire = { ip: ip as Uint8Array, port };
    this.selfVsn = Uint8Array.from(vsnOf(this.config));
    const meta = opts.meta ?? this.delegate?.nodeMeta(META_MAX_BYTES) ?? new Uint8Array(0);
    if (meta.length > META_MAX_BYTES) {
      throw new TooLargeError(`node meta is ${meta.length} bytes, the limit is ${META_MAX_BYTES}`);
    }
    this.awareness = new Awareness(this.config.awarenessMaxMultiplier);
    this.internerRef = opts.interner ?? new Interner();
    const detector = this.config.detector === 'adaptive' ? new AdaptiveDetector(this.config) : undefined;
    // memberlist counts its own node list (self, dead and left included) for the limit.
    this.queue = new TransmitLimitedQueue({
      retransmitMult: this.config.retransmitMult,
      numNodes: () => this.membership.table.count,
    });
    this.membership = new Membership(
      {
        config: this.config,
        interner: this.internerRef,
        heap: this.heap,
        queue: this.queue,
        awareness: this.awareness,
        random: this.random,
        events: this.events,
        logger: this.logger,
        metrics: this.metrics,
        writer: this.writer,
        ...(detector !== undefined ? { detector } : {}),
      },
      opts.name,
    );
    this.sender = new Sender({
      config: this.config,
      queue: this.queue,
      delegate: this.delegate,
      membership: this.membership,
      random: this.random,
      metrics: this.metrics,
      logger: this.logger,
      counters: this.counters,
      writer: this.writer,
    });
    this.prober = new Prober({
      config: this.config,
      heap: this.heap,
      awareness: this.awareness,
      membership: this.membership,
      random: this.random,
      delegate: this.delegate,
      selfAddr: this.selfWire,
      logger: this.logger,
      metrics: this.metrics,
      writer: this.writer,
      ...(detector !== undefined ? { detector } : {}),
      net: {
        sendMsg: (to, msg) => this.sender.sendMsg(to, msg),
        sendToMember: (id, parts) => this.sender.sendToMember(id, parts),
        openFallbackStream: (to, ping, deadline, seqNo) => {
          const bytes = this.sender.sealStreamMessage(ping);
          if (bytes === undefined) return false;
          this.fallbackStreams.set(
            seqNo,
            this.sender.openStream(to, bytes, deadline, { kind: 'fallback', seqNo }),
          );
          return true;
        },
        abandonFallbackStream: (seqNo) => {
          const id = this.fallbackStreams.get(seqNo);
          if (id !== undefined) this.sender.abandonStream(id);
          this.fallbackStreams.delete(seqNo);
        },
      },
    });
    this.pushPull = new PushPullExchange({
      config: this.config,
      heap: this.heap,
      membership: this.membership,
      delegate: this.delegate,
      sender: this.sender,
      random: this.random,
      events: this.events,
      logger: this.logger,
      metrics: this.metrics,
      writer: this.writer,
      selfPort: this.selfWire.port,
      decodeError: (count, e) => this.decodeError(count, e),
    });

    if (detector !== undefined) {
      this.adaptive = new AdaptiveLayer({
        detector,
        heap: this.heap,
        membership: this.membership,
        sender: this.sender,
        metrics: this.metrics,
        writer: this.writer,
        selfAddr: this.selfWire,
        nextSeqNo: () => this.prober.nextSeqNo(),
      });
      this.membership.hooks = this.adaptive;
    }

    const now = opts.now;
    this.membership.bootstrap(now, {
      incarnation: 1,
      node: opts.name,
      addr: this.selfWire.ip,
      port: this.selfWire.port,
      meta,
      vsn: this.selfVsn,
    });
    // Random initial staggers so that nodes started together do not act in lockstep (state.go).
    this.prober.start(now);
    if (this.config.gossipIntervalMs > 0 && this.config.gossipNodes > 0) {
      this.gossipNext = now + this.random.int(this.config.gossipIntervalMs);
      this.heap.set(GOSSIP_TIMER, this.gossipNext);
    }
    this.pushPull.start(now);
  }

  // ------------------------------------------------------------------ queries

  /** This node as others see it. */
  get self(): MemberInfo {
    return this.membership.snapshot(this.membership.selfId);
  }

  /** Every member this node knows, self and not-yet-forgotten dead/left ones included. */
  members(): MemberInfo[] {
    const m = this.membership;
    const t = m.table;
    const out: MemberInfo[] = new Array(t.count);
    for (let i = 0; i < t.count; i++) out[i] = m.snapshot(t.order[i] as number);
    return out;
  }

  /** One member by name. */
  member(name: string): MemberInfo | undefined {
    const id = this.membership.idOf(name);
    return id < 0 ? undefined : this.membership.snapshot(id);
  }

  /** Alive + suspect members including self (memberlist NumMembers). */
  numAlive(): number {
    return this.membership.numAlive();
  }

  /** Members in the table, self and dead/left ones included (memberlist's estNumNodes). */
  numKnown(): number {
    return this.membership.table.count;
  }

  /**
   * How state changes this node originates are spread: `all-to-all` (adaptive mode in a small
   * cluster: straight to every member, and gossiped) or `gossip` (memberlist mode, or a large
   * cluster). See `allToAllMaxNodes` / `allToAllResumeNodes`.
   */
  dissemination(): 'all-to-all' | 'gossip' {
    return this.adaptive?.allToAll() === true ? 'all-to-all' : 'gossip';
  }

  /** Lifeguard local health: 0 is healthy, up to `awarenessMaxMultiplier − 1`. */
  healthScore(): number {
    return this.awareness.score;
  }

  /** Bytes held by the member table (for memory reports). */
  memberTableBytes(): number {
    return this.membership.table.byteSize();
  }

  // ------------------------------------------------------------------ driver contract

  /** One UDP datagram arrived. Undecodable input is counted and dropped, never thrown. */
  handlePacket(now: number, from: Address, bytes: Uint8Array): void {
    this.guarded(now, () => {
      this.checkDrift(now);
      this.receivePacket(now, from, bytes);
      if (this.gossipIdle) this.wakeGossip(now);
    });
  }

  /** One complete inbound TCP request; returns the reply bytes or null. Never throws for bad bytes. */
  handleStream(now: number, from: Address, request: Uint8Array): Uint8Array | null {
    return this.guarded(now, () => {
      this.checkDrift(now);
      const reply = this.receiveStream(now, from, request);
      if (this.gossipIdle) this.wakeGossip(now);
      return reply;
    });
  }

  /** The reply (or failure) of a stream we opened. */
  handleStreamReply(now: number, id: number, reply: Uint8Array | StreamFailure): void {
    this.guarded(now, () => {
      this.checkDrift(now);
      this.receiveStreamReply(now, id, reply);
      if (this.gossipIdle) this.wakeGossip(now);
    });
  }

  private receivePacket(now: number, from: Address, bytes: Uint8Array): void {
    this.counters.packetsIn++;
    this.counters.bytesIn += bytes.length;
    let messages: Message[];
    try {
      const opened = openPacket(bytes, this.config.keyring);
      messages = opened.messages;
      if (opened.errors.length > 0) this.decodeError(opened.errors.length, opened.errors[0]);
    } catch (e) {
      this.decodeError(1, e);
      return;
    }
    // memberlist answers pings/acks at once and hands alive/suspect/dead/user to a worker that
    // takes alive first and the newest first (net.go handleCommand / getNextMessage).
    let alives: Message[] | undefined;
    let others: Message[] | undefined;
    for (const msg of messages) {
      switch (msg.type) {
        case 'ping':
          this.prober.onPing(now, from, msg.body);
          break;
        case 'indirectPing':
          this.prober.onIndirectPing(now, from, msg.body);
          break;
        case 'ack':
          if (this.adaptive?.onAck(now, msg.body.seqNo) !== true) this.prober.onAck(now, msg.body);
          break;
        case 'nack':
          this.prober.onNack(now, msg.body);
          break;
        case 'alive':
          (alives ??= []).push(msg);
          break;
        case 'suspect':
        case 'dead':
        case 'user':
          (others ??= []).push(msg);
          break;
        default:
          this.metrics.incr('memberlist_msg_unsupported');
          break;
      }
    }
    if (alives !== undefined)
      for (let i = alives.length - 1; i >= 0; i--) this.handleGossip(now, from, alives[i] as Message);
    if (others !== undefined)
      for (let i = others.length - 1; i >= 0; i--) this.handleGossip(now, from, others[i] as Message);
  }

  private receiveStream(now: number, from: Address, request: Uint8Array): Uint8Array | null {
    this.metrics.incr('memberlist_tcp_accept');
    let msg: Message;
    try {
      msg = openStream(request, this.config.keyring);
    } catch (e) {
      this.decodeError(1, e);
      // memberlist answers a failed read with an error message (net.go handleConn).
      const error = e instanceof Error ? e.message : String(e);
      return this.sender.sealStreamMessage({ type: 'err', body: { error } }) ?? null;
    }
    switch (msg.type) {
      case 'pushPull':
        return this.pushPull.inbound(now, from, msg.body);
      case 'ping': {
        const ack = this.prober.streamPingReply(msg.body);
        return ack === undefined ? null : (this.sender.sealStreamMessage(ack) ?? null);
      }
      case 'user':
        if (msg.body.length > 0) this.delegate?.notifyUserMessage(now, msg.body, from);
        return null;
      default:
        this.metrics.incr('memberlist_tcp_invalid_type');
        return null;
    }
  }

  private receiveStreamReply(now: number, id: number, reply: Uint8Array | StreamFailure): void {
    const s = this.sender.takeStream(id);
    if (s === undefined) return;
    if (s.kind !== 'fallback') {
      if (this.pushPull.onReply(now, s, reply)) this.adaptive?.joined();
      return;
    }
    this.fallbackStreams.delete(s.seqNo);
    let ok = false;
    const refused = !(reply instanceof Uint8Array) && reply.kind === 'refused';
    if (reply instanceof Uint8Array) {
      try {
        const m = openStream(reply, this.config.keyring);
        ok = m.type === 'ack' && m.body.seqNo === s.seqNo;
      } catch (e) {
        this.decodeError(1, e);
      }
    }
    this.prober.fallbackResult(now, s.seqNo, ok, refused);
  }

  /** Run every deadline ≤ now, in deadline order (ties in arming order). */
  tick(now: number): void {
    this.checkDrift(now);
    for (let i = 0; i < MAX_DEADLINES_PER_TICK; i++) {
      if (this.gossipIdle) this.wakeGossip(now);
      const key = this.heap.popDue(now);
      if (key === undefined) return;
      this.guarded(now, () => this.runDeadline(now, key));
    }
    throw new Error('swim: deadline loop did not settle');
  }

  /**
   * The driver saw this process stall for `ms` up to `now` (event-loop delay, its timer firing
   * late). Adaptive mode recovers (see {@link recoverFromStall}) when `ms ≥ stallThresholdMs`;
   * memberlist mode ignores it. The core also notices a stall by itself, from inputs arriving
   * long after its earliest deadline (timer drift).
   */
  notifyStall(now: number, ms: number): void {
    if (this.adaptive === undefined || !(ms >= this.config.stallThresholdMs)) return;
    this.recoverFromStall(now, ms);
    if (this.gossipIdle) this.wakeGossip(now);
  }

  /**
   * The earliest pending deadline (absolute ms), or undefined. An idle gossip ticker whose
   * delegate has queued something since counts as due at its next grid time: the tick that
   * follows restarts it (the delegate's queues change outside our inputs' view).
   */
  nextDeadline(): number | undefined {
    const t = this.heap.peek();
    if (!this.gossipIdle || this.delegate?.hasBroadcasts?.() !== true) return t;
    return t === undefined ? this.gossipNext : Math.min(t, this.gossipNext);
  }

  /** Take all pending outputs. */
  drainOutputs(): Output[] {
    return this.sender.drain();
  }

  /** Take all pending events. */
  drainEvents(): SwimEvent[] {
    const ev = this.events;
    if (ev.length === 0) return [];
    // The membership state machine pushes into the same array: empty it in place.
    const out = ev.slice();
    ev.length = 0;
    return out;
  }

  // ------------------------------------------------------------------ commands

  /** Push-pull (Join=true) with each seed; a `join-result` with the returned id follows. */
  join(now: number, seeds: readonly Address[]): number {
    const id = this.pushPull.join(now, seeds);
    if (this.gossipIdle) this.wakeGossip(now);
    return id;
  }

  /**
   * Graceful leave (memberlist.go Leave): broadcast dead(self, From=self), then `leave-done` once
   * it has been transmitted the full retransmit limit, or after `timeoutMs` (≤ 0: no timeout), or
   * at once if no other member is alive.
   */
  leave(now: number, timeoutMs: number): void {
    if (this.leaveState === 'done') {
      this.events.push({ type: 'leave-done' });
      return;
    }
    if (this.leaveState === 'waiting') return;
    this.leaveState = 'waiting';
    const m = this.membership;
    m.leaving = true;
    const inc = m.table.incarnation[m.selfId] as number;
    m.deadNode(now, { incarnation: inc, node: m.selfName, from: m.selfName }, () =>
      this.leaveFinished(false),
    );
    if (!m.anyOtherAlive()) this.leaveFinished(false);
    else if (timeoutMs > 0 && this.leaveState === 'waiting') {
      this.leaveTimeoutAt = now + timeoutMs;
      this.heap.set(LEAVE_TIMER, this.leaveTimeoutAt);
    }
    if (this.gossipIdle) this.wakeGossip(now);
  }

  /** Replace our meta: incarnation + 1 and an alive broadcast (memberlist.go UpdateNode). */
  updateMeta(now: number, meta: Uint8Array): void {
    if (meta.length > META_MAX_BYTES) {
      throw new TooLargeError(`node meta is ${meta.length} bytes, the limit is ${META_MAX_BYTES}`);
    }
    const m = this.membership;
    if (m.leaving) throw new StateError('cannot update meta after leave()');
    m.aliveNode(
      now,
      {
        incarnation: ((m.table.incarnation[m.selfId] as number) + 1) >>> 0,
        node: m.selfName,
        addr: this.selfWire.ip,
        port: this.selfWire.port,
        meta: meta.slice(),
        vsn: this.selfVsn,
      },
      true,
    );
    if (this.gossipIdle) this.wakeGossip(now);
  }

  /** Send one memberlist user message (08 + body) straight to `to` over UDP (memberlist SendToAddress). */
  sendUserMessage(_now: number, to: Address, body: Uint8Array): void {
    const max =
      MAX_UDP_PAYLOAD_BYTES - 1 - CRC_HEADER_BYTES - (this.config.keyring !== null ? ENCRYPTION_OVERHEAD : 0);
    if (body.length > max) throw new TooLargeError(`user message of ${body.length} bytes exceeds a datagram`);
    this.sender.sendUser(to, body);
  }

  /** See {@link SwimCore.userPacketBudget} (no CRC wrapper, as for {@link sendUserMessage}). */
  userPacketBudget(): { readonly overheadBytes: number; readonly limitBytes: number } {
    // Each body costs its length, its `08` type byte and its compound part length.
    return { overheadBytes: COMPOUND_PART_OVERHEAD + 1, limitBytes: this.sender.gossipBudget(false) };
  }

  /** See {@link SwimCore.sendUserPacket}. */
  sendUserPacket(_now: number, to: Address, bodies: readonly Uint8Array[]): void {
    if (bodies.length > 0) this.sender.sendUsers(to, bodies);
  }

  /** See {@link SwimCore.sendUserStream} (memberlist net.go sendUserMsg). */
  sendUserStream(now: number, to: Address, body: Uint8Array): void {
    if (body.length > MAX_STREAM_BYTES - USER_STREAM_HEADER_BYTES) {
      throw new TooLargeError(`user message of ${body.length} bytes exceeds the stream limit`);
    }
    const bytes = this.sender.sealStreamMessage({ type: 'user', body });
    if (bytes !== undefined) this.sender.sendOneWay(to, bytes, now + this.config.tcpTimeoutMs);
  }

  /**
   * Add members as alive without any message, broadcast or event: lets a simulator start a large
   * world "pre-joined". The batch must be built on this core's interner. Known names are skipped.
   */
  preload(now: number, batch: PreloadBatch): void {
    this.membership.preload(now, batch);
  }

  /**
   * {@link preload} for one member, inserted at a random probe-list position. For whole worlds a
   * {@link PreloadBatch} is far faster (ids resolved once for all cores).
   */
  preloadMember(now: number, m: PreloadedMember): void {
    const ip = parseIp(m.addr.ip);
    if (ip === undefined) throw new ConfigError([`addr.ip: not an IP address (${m.addr.ip})`]);
    this.membership.preloadOne(now, m.name, ip, m.addr.port, m.meta, m.incarnation, m.vsn);
  }

  /** The interner this core stores names, addresses and meta in. */
  get interner(): Interner {
    return this.internerRef;
  }

  /** Check internal consistency; throws on the first violation (a bug, never peer input). */
  assertInvariants(): void {
    this.membership.assertInvariants();
    this.prober.assertInvariants();
    const streams = new Map(this.sender.pendingStreams());
    for (const [seq, id] of this.fallbackStreams) {
      const s = streams.get(id);
      if (s === undefined || s.kind !== 'fallback' || s.seqNo !== seq) {
        throw new Error(`swim invariant violated: fallback stream ${id} for seq ${seq} missing`);
      }
    }
    if (this.config.gossipIntervalMs > 0 && this.config.gossipNodes > 0) {
      const armed = this.heap.has(GOSSIP_TIMER);
      if (armed === this.gossipIdle)
        throw new Error('swim invariant violated: gossip ticker armed iff not idle');
      if (this.gossipIdle && this.queue.numQueued() > 0) {
        throw new Error('swim invariant violated: gossip idle with broadcasts queued');
      }
    }
    let joinStreams = 0;
    for (const s of streams.values()) if (s.kind === 'join') joinStreams++;
    const expected = this.pushPull.pendingJoinStreams();
    if (joinStreams !== expected) {
      throw new Error(`swim invariant violated: ${joinStreams} join streams but ${expected} expected`);
    }
  }

  // ------------------------------------------------------------------ internals

  /**
   * Run one step; if it throws (a bug: bad input is dropped, failed sends are dropped by the
   * sender), re-arm every schedule it may have taken off the heap half-way, then let the error
   * through to the driver, which logs it. A core that loses its probe deadline probes nobody
   * again (issue 11), so a bug must cost one step, never the schedules.
   */
  private guarded<T>(now: number, step: () => T): T {
    try {
      return step();
    } catch (e) {
      this.restoreSchedules(now);
      throw e;
    }
  }

  private restoreSchedules(now: number): void {
    this.metrics.incr('gossip_peer_core_step_failed');
    this.prober.restoreSchedule(now);
    this.membership.restoreSuspicionDeadlines(now);
    this.pushPull.restoreSchedule(now);
    if (
      this.config.gossipIntervalMs > 0 &&
      this.config.gossipNodes > 0 &&
      !this.gossipIdle &&
      !this.heap.has(GOSSIP_TIMER)
    ) {
      this.gossipNext = nextGridTime(this.gossipNext, this.config.gossipIntervalMs, now);
      this.heap.set(GOSSIP_TIMER, this.gossipNext);
    }
    if (this.leaveState === 'waiting' && this.leaveTimeoutAt !== undefined && !this.heap.has(LEAVE_TIMER))
      this.heap.set(LEAVE_TIMER, Math.max(now, this.leaveTimeoutAt));
  }

  /** Adaptive: an input this long after our earliest deadline means we were stalled meanwhile. */
  private checkDrift(now: number): void {
    if (this.adaptive === undefined) return;
    const due = this.heap.peek();
    if (due !== undefined && now - due >= this.config.stallThresholdMs) this.recoverFromStall(now, now - due);
  }

  /**
   * Adaptive: this process was stalled (GC, a blocked event loop, CPU starvation) for `ms` up to
   * `now`. Timeouts that ran out meanwhile say nothing about the others — we could not hear them —
   * so they restart instead of firing: suspicions stop their clock for the stall, the probe in
   * flight is dropped without a verdict. Others may have suspected us meanwhile: after a stall of
   * a probe interval or more we refute at once (all-to-all in small clusters) instead of waiting
   * for the accusation to reach us.
   */
  private recoverFromStall(now: number, ms: number): void {
    const adaptive = this.adaptive;
    if (adaptive === undefined || now <= this.stallRecoveredAt) return;
    this.stallRecoveredAt = now;
    this.metrics.incr('gossip_peer_stall');
    this.logger.info({ stallMs: ms }, 'this process was stalled; restarting timeouts that ran out meanwhile');
    adaptive.postponeSuspicions(now, ms);
    this.prober.restartAfterStall(now);
    const m = this.membership;
    if (ms >= this.config.probeIntervalMs && !m.leaving) {
      m.refute(now, m.table.incarnation[m.selfId] as number);
    }
  }

  /** Re-arm an idle gossip ticker (on its grid, at or after `now`) once something is queued. */
  private wakeGossip(now: number): void {
    if (!this.broadcastsPending()) return;
    this.gossipIdle = false;
    this.gossipNext = nextGridTime(this.gossipNext, this.config.gossipIntervalMs, now);
    this.heap.set(GOSSIP_TIMER, this.gossipNext);
  }

  private runDeadline(now: number, key: SwimTimer): void {
    if (this.prober.onDeadline(now, key) || this.pushPull.onDeadline(now, key)) return;
    if (key.kind === 'gossip') this.gossip(now);
    else if (key.kind === 'leave') this.leaveFinished(true);
    else if (key.kind === 'suspect') this.membership.suspicionTimeout(now, key.node);
  }

  private handleGossip(now: number, from: Address, msg: Message): void {
    const m = this.membership;
    switch (msg.type) {
      case 'alive': {
        const a = msg.body;
        // Port 0 means "same as yours" (protocol < 2 compatibility, net.go handleAlive).
        m.aliveNode(now, a.port === 0 ? { ...a, port: this.selfWire.port } : a, false, () =>
          this.newMembersBySource.take(from.ip, now),
        );
        break;
      }
      case 'suspect':
        m.suspectNode(now, msg.body);
        break;
      case 'dead':
        m.deadNode(now, msg.body);
        break;
      case 'user':
        if (msg.body.length > 0) this.delegate?.notifyUserMessage(now, msg.body, from);
        break;
      default:
        break;
    }
  }

  /** state.go gossip: queued broadcasts to a few random live (or recently dead) members. */
  private gossip(now: number): void {
    const c = this.config;
    this.gossipNext = nextGridTime(this.gossipNext, c.gossipIntervalMs, now + 1);
    if (!this.broadcastsPending()) {
      this.gossipIdle = true;
      return;
    }
    this.heap.set(GOSSIP_TIMER, this.gossipNext);
    const m = this.membership;
    const t = m.table;
    const targets = m.kRandomMembers(c.gossipNodes, (id) => {
      if (id === m.selfId) return true;
      const st = t.state[id];
      if (st === ALIVE || st === SUSPECT) return false;
      return !(st === DEAD && now - (t.stateChangeMs[id] as number) <= c.gossipToTheDeadMs);
    });
    for (const id of targets) {
      const crc = this.sender.crcFor(id);
      // A fresh batch per target; the CRC wrapper is budgeted so no packet exceeds udpBufferBytes.
      const msgs = this.sender.getBroadcasts(COMPOUND_PART_OVERHEAD, this.sender.gossipBudget(crc));
      if (msgs.length === 0) return;
      this.sender.emitPacket(m.addressOf(id), msgs, crc);
    }
  }

  /**
   * Would a gossip round have anything to send? memberlist's ticker runs regardless and sends
   * nothing when nothing is queued; we stop it then (same packets, fewer wake-ups).
   */
  private broadcastsPending(): boolean {
    if (this.queue.numQueued() > 0) return true;
    const d = this.delegate;
    return d !== undefined && (d.hasBroadcasts?.() ?? true);
  }

  private leaveFinished(timedOut: boolean): void {
    if (this.leaveState !== 'waiting') return;
    this.leaveState = 'done';
    this.heap.delete(LEAVE_TIMER);
    this.events.push(timedOut ? { type: 'leave-done', timedOut: true } : { type: 'leave-done' });
  }

  private decodeError(count: number, e: unknown): void {
    this.counters.decodeErrors += count;
    this.metrics.incr('memberlist_decode_error', count);
    if (!(e instanceof DecodeError)) {
      // Anything but a DecodeError from wire is a bug there; still never thrown at the driver.
      this.logger.debug(
        { err: e instanceof Error ? e.message : String(e) },
        'unexpected error decoding input',
      );
    }
  }
}

/** The first time `start + k × interval` (k ≥ 0) that is at or after `atLeast`. */
function nextGridTime(start: number, interval: number, atLeast: number): number {
  if (start >= atLeast) return start;
  return start + Math.ceil((atLeast - start) / interval) * interval;
}
