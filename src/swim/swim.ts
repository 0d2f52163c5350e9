/**
 * `Swim`: the pure, sans-I/O SWIM + Lifeguard core with memberlist 0.2.2 semantics.
 *
 * It owns no socket, timer or clock: the driver feeds packets, streams, stream replies, commands
 * and `tick(now)`, then drains `drainOutputs()` (final wire bytes) and `drainEvents()`, and re-arms
 * one timer to `nextDeadline()` (see io.ts). The pieces, one job per file:
 *
 * - membership.ts — the member state machine (alive / suspect / dead / refute / merge);
 * - probe.ts      — failure detection (probe, indirect probe, TCP fallback, acks, nacks);
 * - push-pull.ts  — state exchange helpers (interval scaling);
 * - this file     — dispatch of packets and streams, gossip rounds, join, leave, the send paths.
 *
 * Everything random comes from the injected `Random`; every deadline lives in one keyed heap, so
 * a seed replays exactly.
 */
import type { Address, Output, StreamFailure } from './io.js';
import type { MemberInfo, SwimCore, SwimDelegate, SwimEvent } from './api.js';
import type { Random } from './random.js';
import { noopLogger, noopMetrics, type Logger, type Metrics } from './logger.js';
import { META_MAX_BYTES, vsnOf, type SwimConfig } from './config.js';
import { Interner } from './interner.js';
import { DeadlineHeap } from './deadlines.js';
import { TransmitLimitedQueue } from './broadcast-queue.js';
import { Awareness } from './awareness.js';
import { Membership, SUSPECT_KEY } from './membership.js';
import { Prober } from './probe.js';
import { pushPullScaleMs } from './push-pull.js';
import { ALIVE, DEAD, SUSPECT } from './members.js';
import { PreloadBatch, type PreloadedMember } from './preload.js';

export { PreloadBatch, type PreloadedMember };
import { ConfigError, DecodeError, StateError, TooLargeError } from '../wire/errors.js';
import type { Message, PushPull } from '../wire/messages.js';
import { Writer } from '../wire/msgpack.js';
import { encodeMessage, encodeStreamMessage } from '../wire/memberlist-codec.js';
import { parseIp } from '../wire/ip.js';
import {
  COMPOUND_HEADER_OVERHEAD,
  COMPOUND_PART_OVERHEAD,
  CRC_HEADER_BYTES,
  ENCRYPTION_OVERHEAD,
  MAX_COMPOUND_PARTS_SENT,
} from '../wire/limits.js';
import { openPacket, sealPacket } from '../wire/packet.js';
import { openStream, sealStream } from '../wire/stream.js';

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

/** Counters a driver or test may read (also reported through `Metrics`). */
export interface SwimCounters {
  packetsIn: number;
  packetsOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Packets or parts dropped because they could not be decoded. */
  decodeErrors: number;
}

type PendingStream =
  | { readonly kind: 'join'; readonly requestId: number; readonly seed: Address }
  | { readonly kind: 'push-pull' }
  | { readonly kind: 'fallback'; readonly seqNo: number };

interface PendingJoin {
  pending: number;
  contacted: number;
  readonly errors: { addr: Address; reason: string }[];
}

const GOSSIP = 'gossip';
const PUSH_PULL = 'push-pull';
const LEAVE = 'leave';
/** Upper bound of deadlines run by one tick: a loop guard, never reached by a correct core. */
const MAX_DEADLINES_PER_TICK = 1_000_000;
/** Largest UDP payload (65,535 − 8 UDP − 20 IPv4 header bytes). */
const MAX_DATAGRAM_BYTES = 65_507;

/** See the module comment. */
export class Swim implements SwimCore {
  /** Live counters (packets and bytes in/out, decode errors). */
  readonly counters: SwimCounters = { packetsIn: 0, packetsOut: 0, bytesIn: 0, bytesOut: 0, decodeErrors: 0 };

  private readonly config: SwimConfig;
  private readonly random: Random;
  private readonly delegate: SwimDelegate | undefined;
  private readonly logger: Logger;
  private readonly metrics: Metrics;
  private readonly heap = new DeadlineHeap();
  private readonly queue: TransmitLimitedQueue;
  private readonly awareness: Awareness;
  private readonly membership: Membership;
  private readonly prober: Prober;
  private readonly writer = new Writer(1024);
  private readonly selfWire: { readonly ip: Uint8Array; readonly port: number };
  private readonly selfVsn: Uint8Array;
  private readonly internerRef: Interner;

  private outputs: Output[] = [];
  private readonly events: SwimEvent[] = [];
  private readonly streams = new Map<number, PendingStream>();
  private readonly fallbackStreams = new Map<number, number>();
  private readonly joins = new Map<number, PendingJoin>();
  private nextStreamId = 0;
  private nextJoinId = 0;
  private leaveState: 'none' | 'waiting' | 'done' = 'none';
  /** The gossip ticker's next grid time (ticks keep their phase, like Go's time.Ticker). */
  private gossipNext = 0;
  /**
   * No gossip deadline is armed because there was nothing to send and there is no delegate to ask:
   * an idle tick every 200 ms per node is most of a large simulation's timer traffic. The ticker
   * is re-armed on its own grid as soon as something is queued, so behaviour is unchanged.
   */
  private gossipIdle = false;
  private stateCache:
    | {
        version: number;
        join: boolean;
        userState: Uint8Array;
        encoded: Uint8Array;
        sealed: Uint8Array | undefined;
      }
    | undefined;

  constructor(opts: SwimOptions) {
    const problems: string[] = [];
    if (typeof opts.name !== 'string' || opts.name.length === 0)
      problems.push('name: must be a non-empty string');
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
      },
      opts.name,
    );
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
      net: {
        sendMsg: (to, msg) => this.sendMsg(to, msg),
        sendToMember: (id, parts) => this.sendToMember(id, parts),
        openFallbackStream: (to, ping, deadline, seqNo) => {
          const id = this.openStream(to, encodeStreamMessage(ping, this.writer), deadline, {
            kind: 'fallback',
            seqNo,
          });
          this.fallbackStreams.set(seqNo, id);
        },
        abandonFallbackStream: (seqNo) => {
          const id = this.fallbackStreams.get(seqNo);
          if (id !== undefined) this.streams.delete(id);
          this.fallbackStreams.delete(seqNo);
        },
      },
    });

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
      this.heap.set(GOSSIP, this.gossipNext);
    }
    if (this.config.pushPullIntervalMs > 0) {
      this.heap.set(PUSH_PULL, now + this.random.int(this.config.pushPullIntervalMs));
    }
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
    this.receivePacket(now, from, bytes);
    if (this.gossipIdle) this.wakeGossip(now);
  }

  /** One complete inbound TCP request; returns the reply bytes or null. Never throws for bad bytes. */
  handleStream(now: number, from: Address, request: Uint8Array): Uint8Array | null {
    const reply = this.receiveStream(now, from, request);
    if (this.gossipIdle) this.wakeGossip(now);
    return reply;
  }

  /** The reply (or failure) of a stream we opened. */
  handleStreamReply(now: number, id: number, reply: Uint8Array | StreamFailure): void {
    this.receiveStreamReply(now, id, reply);
    if (this.gossipIdle) this.wakeGossip(now);
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
          this.prober.onAck(now, msg.body);
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
      return this.sealStreamMessage({ type: 'err', body: { error } });
    }
    switch (msg.type) {
      case 'pushPull': {
        // Reply with our state first, then merge theirs (net.go handleConn).
        const reply = this.localStateStream(msg.body.join);
        const err = this.mergeRemote(now, msg.body, msg.body.join);
        if (err !== undefined) this.logger.debug({ from, err }, 'failed push/pull merge');
        return reply;
      }
      case 'ping': {
        const ack = this.prober.streamPingReply(msg.body);
        return ack === undefined ? null : this.sealStreamMessage(ack);
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
    const s = this.streams.get(id);
    if (s === undefined) return;
    this.streams.delete(id);
    if (s.kind === 'fallback') {
      this.fallbackStreams.delete(s.seqNo);
      let ok = false;
      if (reply instanceof Uint8Array) {
        try {
          const m = openStream(reply, this.config.keyring);
          ok = m.type === 'ack' && m.body.seqNo === s.seqNo;
        } catch (e) {
          this.decodeError(1, e);
        }
      }
      this.prober.fallbackResult(now, s.seqNo, ok);
      return;
    }
    const join = s.kind === 'join';
    let err: string | undefined;
    if (!(reply instanceof Uint8Array)) {
      err = describeFailure(reply);
    } else {
      try {
        const m = openStream(reply, this.config.keyring);
        if (m.type === 'err') err = `remote error: ${m.body.error}`;
        else if (m.type !== 'pushPull') err = `received invalid msgType (${m.type}), expected pushPull`;
        else err = this.mergeRemote(now, m.body, join);
      } catch (e) {
        this.decodeError(1, e);
        err = e instanceof Error ? e.message : String(e);
      }
    }
    if (s.kind === 'join') this.joinStep(s.requestId, s.seed, err);
    else if (err !== undefined) this.logger.debug({ err }, 'push/pull failed');
  }

  /** Run every deadline ≤ now, in deadline order (ties in arming order). */
  tick(now: number): void {
    for (let i = 0; i < MAX_DEADLINES_PER_TICK; i++) {
      if (this.gossipIdle) this.wakeGossip(now);
      const key = this.heap.popDue(now);
      if (key === undefined) return;
      this.runDeadline(now, key);
    }
    throw new Error('swim: deadline loop did not settle');
  }

  /** The earliest pending deadline (absolute ms), or undefined. */
  nextDeadline(): number | undefined {
    return this.heap.peek();
  }

  /** Take all pending outputs. */
  drainOutputs(): Output[] {
    const out = this.outputs;
    if (out.length === 0) return out;
    this.outputs = [];
    return out;
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
    const requestId = ++this.nextJoinId;
    if (seeds.length === 0) {
      this.events.push({ type: 'join-result', requestId, contacted: 0, errors: [] });
      return requestId;
    }
    this.joins.set(requestId, { pending: seeds.length, contacted: 0, errors: [] });
    for (const seed of seeds) {
      const to: Address = Object.freeze({ ip: seed.ip, port: seed.port });
      this.openStream(to, this.localStateStream(true), now + this.config.tcpTimeoutMs, {
        kind: 'join',
        requestId,
        seed: to,
      });
    }
    return requestId;
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
    else if (timeoutMs > 0 && this.leaveState === 'waiting') this.heap.set(LEAVE, now + timeoutMs);
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
      MAX_DATAGRAM_BYTES - 1 - CRC_HEADER_BYTES - (this.config.keyring !== null ? ENCRYPTION_OVERHEAD : 0);
    if (body.length > max) throw new TooLargeError(`user message of ${body.length} bytes exceeds a datagram`);
    this.emitPacket(to, [userMessage(body)], false);
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
    for (const [seq, id] of this.fallbackStreams) {
      const s = this.streams.get(id);
      if (s === undefined || s.kind !== 'fallback' || s.seqNo !== seq) {
        throw new Error(`swim invariant violated: fallback stream ${id} for seq ${seq} missing`);
      }
    }
    if (this.config.gossipIntervalMs > 0 && this.config.gossipNodes > 0) {
      const armed = this.heap.has(GOSSIP);
      if (armed === this.gossipIdle)
        throw new Error('swim invariant violated: gossip ticker armed iff not idle');
      if (this.gossipIdle && this.queue.numQueued() > 0) {
        throw new Error('swim invariant violated: gossip idle with broadcasts queued');
      }
    }
    let joinsPending = 0;
    for (const s of this.streams.values()) if (s.kind === 'join') joinsPending++;
    let joinsExpected = 0;
    for (const j of this.joins.values()) joinsExpected += j.pending;
    if (joinsPending !== joinsExpected) {
      throw new Error(`swim invariant violated: ${joinsPending} join streams but ${joinsExpected} expected`);
    }
  }

  // ------------------------------------------------------------------ internals

  /** Re-arm an idle gossip ticker (on its grid, at or after `now`) once something is queued. */
  private wakeGossip(now: number): void {
    if (this.queue.numQueued() === 0) return;
    this.gossipIdle = false;
    this.gossipNext = nextGridTime(this.gossipNext, this.config.gossipIntervalMs, now);
    this.heap.set(GOSSIP, this.gossipNext);
  }

  private runDeadline(now: number, key: string): void {
    if (this.prober.onDeadline(now, key)) return;
    if (key === GOSSIP) this.gossip(now);
    else if (key === PUSH_PULL) this.periodicPushPull(now);
    else if (key === LEAVE) this.leaveFinished(true);
    else if (key.startsWith(SUSPECT_KEY))
      this.membership.suspicionTimeout(now, key.slice(SUSPECT_KEY.length));
  }

  private handleGossip(now: number, from: Address, msg: Message): void {
    const m = this.membership;
    switch (msg.type) {
      case 'alive': {
        const a = msg.body;
        // Port 0 means "same as yours" (protocol < 2 compatibility, net.go handleAlive).
        m.aliveNode(now, a.port === 0 ? { ...a, port: this.selfWire.port } : a, false);
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
    if (this.queue.numQueued() === 0 && this.delegate === undefined) {
      this.gossipIdle = true;
      return;
    }
    this.heap.set(GOSSIP, this.gossipNext);
    const m = this.membership;
    const t = m.table;
    const targets = m.kRandomMembers(c.gossipNodes, (id) => {
      if (id === m.selfId) return true;
      const st = t.state[id];
      if (st === ALIVE || st === SUSPECT) return false;
      return !(st === DEAD && now - (t.stateChangeMs[id] as number) <= c.gossipToTheDeadMs);
    });
    const base = c.udpBufferBytes - COMPOUND_HEADER_OVERHEAD - (c.keyring !== null ? ENCRYPTION_OVERHEAD : 0);
    for (const id of targets) {
      const crc = this.crcFor(id);
      // A fresh batch per target; the CRC wrapper is budgeted so no packet exceeds udpBufferBytes.
      const msgs = this.getBroadcasts(COMPOUND_PART_OVERHEAD, base - (crc ? CRC_HEADER_BYTES : 0));
      if (msgs.length === 0) return;
      this.emitPacket(m.addressOf(id), msgs, crc);
    }
  }

  /** state.go pushPull: a state exchange with one random alive member. */
  private periodicPushPull(now: number): void {
    const m = this.membership;
    this.heap.set(PUSH_PULL, now + pushPullScaleMs(this.config.pushPullIntervalMs, m.table.count));
    const target = m.kRandomMembers(1, (id) => id === m.selfId || m.table.state[id] !== ALIVE)[0];
    if (target === undefined) return;
    this.openStream(m.addressOf(target), this.localStateStream(false), now + this.config.tcpTimeoutMs, {
      kind: 'push-pull',
    });
  }

  /** Merge a received push-pull (net.go mergeRemoteState); returns an error line on failure. */
  private mergeRemote(now: number, pp: PushPull, join: boolean): string | undefined {
    const nodes = pp.nodes.map((n) => (n.port === 0 ? { ...n, port: this.selfWire.port } : n));
    const err = this.membership.verifyProtocol(nodes);
    if (err !== undefined) {
      this.metrics.incr('memberlist_push_pull_incompatible');
      return err;
    }
    this.membership.mergeState(now, nodes);
    if (pp.userState.length > 0) this.delegate?.mergeRemoteState(now, pp.userState, join);
    return undefined;
  }

  private joinStep(requestId: number, seed: Address, err: string | undefined): void {
    const j = this.joins.get(requestId);
    if (j === undefined) return;
    j.pending--;
    if (err === undefined) j.contacted++;
    else j.errors.push({ addr: seed, reason: `Failed to join ${seed.ip}: ${err}` });
    if (j.pending === 0) {
      this.joins.delete(requestId);
      this.events.push({ type: 'join-result', requestId, contacted: j.contacted, errors: j.errors });
    }
  }

  private leaveFinished(timedOut: boolean): void {
    if (this.leaveState !== 'waiting') return;
    this.leaveState = 'done';
    this.heap.delete(LEAVE);
    this.events.push(timedOut ? { type: 'leave-done', timedOut: true } : { type: 'leave-done' });
  }

  /**
   * Our full state as a sealed push-pull stream message (net.go sendLocalState). Encoding (and,
   * without encryption, compressing) thousands of members is the costliest thing the core does,
   * so the result is reused while the member table and the delegate state are unchanged.
   */
  private localStateStream(join: boolean): Uint8Array {
    const userState = this.delegate?.localState(join) ?? EMPTY;
    const version = this.membership.table.version;
    const c = this.stateCache;
    let encoded: Uint8Array;
    if (c !== undefined && c.version === version && c.join === join && bytesEqual(c.userState, userState)) {
      if (c.sealed !== undefined) return c.sealed;
      encoded = c.encoded;
    } else {
      encoded = encodeStreamMessage(
        { type: 'pushPull', body: { join, nodes: this.membership.localNodes(), userState } },
        this.writer,
      );
    }
    const sealed = sealStream(
      encoded,
      { compress: this.config.compression, keyring: this.config.keyring },
      this.random,
    );
    // With a keyring every stream needs a fresh nonce: only the encoding can be reused.
    this.stateCache = {
      version,
      join,
      userState: userState.slice(),
      encoded,
      sealed: this.config.keyring === null ? sealed : undefined,
    };
    return sealed;
  }

  private sealStreamMessage(msg: Message): Uint8Array {
    return sealStream(
      encodeStreamMessage(msg, this.writer),
      { compress: this.config.compression, keyring: this.config.keyring },
      this.random,
    );
  }

  private openStream(to: Address, bytes: Uint8Array, deadline: number, pending: PendingStream): number {
    const id = ++this.nextStreamId;
    this.streams.set(id, pending);
    this.metrics.incr('memberlist_tcp_connect');
    this.outputs.push({ kind: 'stream', id, to, bytes, deadline, expectReply: true });
    return id;
  }

  /** Queued broadcasts for one packet: ours first, then the delegate's with the 08 prefix (broadcast.go). */
  private getBroadcasts(overhead: number, limit: number): Uint8Array[] {
    const out = this.queue.getBroadcasts(overhead, limit);
    const d = this.delegate;
    if (d === undefined) return out;
    let used = 0;
    for (const msg of out) used += msg.length + overhead;
    let avail = limit - used;
    if (avail <= overhead + 1) return out;
    for (const body of d.getBroadcasts(overhead + 1, avail)) {
      // The delegate promised to respect the limit; a message that does not fit is dropped
      // rather than sending a packet over budget.
      const cost = body.length + 1 + overhead;
      if (cost > avail) {
        this.metrics.incr('memberlist_delegate_broadcast_oversize');
        continue;
      }
      avail -= cost;
      out.push(userMessage(body));
    }
    return out;
  }

  /** net.go sendMsg: one message to an address, padded with queued broadcasts. No CRC. */
  private sendMsg(to: Address, msg: Uint8Array): void {
    const c = this.config;
    // memberlist leaves out the main message's own 2-byte part length; we count it so that a
    // compound never exceeds udpBufferBytes.
    const avail =
      c.udpBufferBytes -
      msg.length -
      COMPOUND_HEADER_OVERHEAD -
      COMPOUND_PART_OVERHEAD -
      (c.keyring !== null ? ENCRYPTION_OVERHEAD : 0);
    const extra = this.getBroadcasts(COMPOUND_PART_OVERHEAD, avail);
    if (extra.length === 0) this.emitPacket(to, [msg], false);
    else this.emitPacket(to, [msg, ...extra], false);
  }

  /** A packet to a known member, CRC-wrapped if it speaks protocol ≥ 5 (net.go rawSendMsgPacket). */
  private sendToMember(id: number, parts: Uint8Array[]): void {
    this.emitPacket(this.membership.addressOf(id), parts, this.crcFor(id));
  }

  private crcFor(id: number): boolean {
    return this.config.crc && this.membership.table.vsnAt(id, 1) >= 5;
  }

  /** Seal and emit; more than 127 parts (which v0.2.2 receivers mishandle) go in several packets. */
  private emitPacket(to: Address, parts: Uint8Array[], crc: boolean): void {
    const opts = { compress: this.config.compression, crc, keyring: this.config.keyring };
    for (let i = 0; i < parts.length; i += MAX_COMPOUND_PARTS_SENT) {
      const chunk =
        parts.length <= MAX_COMPOUND_PARTS_SENT ? parts : parts.slice(i, i + MAX_COMPOUND_PARTS_SENT);
      const bytes = sealPacket(chunk, opts, this.random);
      this.counters.packetsOut++;
      this.counters.bytesOut += bytes.length;
      this.outputs.push({ kind: 'packet', to, bytes });
    }
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

const EMPTY = new Uint8Array(0);

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The first time `start + k × interval` (k ≥ 0) that is at or after `atLeast`. */
function nextGridTime(start: number, interval: number, atLeast: number): number {
  if (start >= atLeast) return start;
  return start + Math.ceil((atLeast - start) / interval) * interval;
}

/** `08` + body: a memberlist user message (Serf's carrier). */
function userMessage(body: Uint8Array): Uint8Array {
  return encodeMessage({ type: 'user', body });
}

function describeFailure(f: StreamFailure): string {
  switch (f.kind) {
    case 'connect':
      return 'connection refused or unreachable';
    case 'timeout':
      return 'i/o timeout';
    case 'closed':
      return 'connection closed before a complete reply';
    case 'error':
      return f.message;
  }
}
