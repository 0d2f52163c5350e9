/**
 * The in-memory network of the simulator. Endpoints are numbered; every packet is the real wire
 * bytes a core emitted. The network decides each packet's fate (lost, cut by a partition,
 * delivered once or twice, when) with its own seeded {@link Random} and hands the deliveries to a
 * scheduler (the world's event heap) as plain records. It never calls a core itself: the driver
 * pops the records and feeds the cores, which keeps one global, deterministic order of events.
 *
 * Model (one job: the wire between processes; what a paused process does with what arrives is the
 * driver's business):
 *
 * - **UDP**: per-link (or default) one-way delay `delayMs + U[0, jitterMs]`, loss probability,
 *   duplication probability (the copy gets its own delay), reordering probability (the packet is
 *   held an extra `U[1, reorderMs]`). A partition is checked when the packet is sent.
 * - **TCP streams** (the `stream` output of `src/core/io.ts`) as request + reply, each leg paying
 *   the link delay. TCP retransmits, so link loss does not lose a stream: each lost segment costs a
 *   retransmission timeout instead (SYN: 1 s, data: 200 ms, doubling — Linux defaults), which can
 *   push the exchange past its deadline. The three kinds of silence (docs/failure-detection.md)
 *   follow from what the far side's kernel does with the handshake:
 *   - a **crashed** process (socket closed, host up) → `refused` after one round trip (the RST);
 *   - a **cut-off** host (unknown address, or across a partition) answers nothing → `unreachable`
 *     at the connect deadline (the stream's `connectDeadline`, else its `deadline`); so does a
 *     handshake whose retransmissions push it past that deadline;
 *   - a **paused** process (SIGSTOP; the world queues what reaches it) still has its kernel
 *     complete the handshake → the request is delivered to its backlog and the dialer gets
 *     `timeout` at the deadline unless the process resumes and answers in time.
 *   A reply that would arrive after the deadline is dropped; the dialer gets `timeout` then.
 */
import type { Address, StreamFailure } from '../core/io.js';
import type { Random } from '../core/random.js';
import { ConfigError } from '../wire/errors.js';
import type { HeapRecord } from './event-heap.js';

/** Fate parameters of one directed link (or the default for every link). */
export interface LinkParams {
  /** Base one-way delay in ms (integer ≥ 0). */
  readonly delayMs: number;
  /** Extra delay drawn uniformly from `[0, jitterMs]` ms per packet. */
  readonly jitterMs: number;
  /** Probability in `[0, 1]` that a UDP packet is lost (TCP segments: retransmitted). */
  readonly loss: number;
  /** Probability in `[0, 1]` that a delivered UDP packet is delivered a second time. */
  readonly duplicate: number;
  /** Probability in `[0, 1]` that a UDP packet is held back an extra `U[1, reorderMs]` ms. */
  readonly reorder: number;
  /** Maximum extra hold of a reordered packet, ms. */
  readonly reorderMs: number;
}

/** A LAN-like default: 1–2 ms one way, nothing lost, duplicated or reordered. */
export const defaultLink: LinkParams = Object.freeze({
  delayMs: 1,
  jitterMs: 1,
  loss: 0,
  duplicate: 0,
  reorder: 0,
  reorderMs: 0,
});

/** Linux's initial SYN retransmission timeout (RFC 6298 §2.1 says 1 s). */
const SYN_RTO_MS = 1000;
/** Linux's minimum data retransmission timeout (TCP_RTO_MIN). */
const DATA_RTO_MS = 200;

/** Kinds of records the network schedules. */
export const NetEventKind = {
  packet: 1,
  streamRequest: 2,
  streamReply: 3,
  streamFailure: 4,
} as const;

/** One outbound TCP exchange in flight. Shared by the records that concern it. */
export interface MemoryStream {
  /** The dialer's stream id (from its `stream` output). */
  readonly id: number;
  /** Dialer endpoint. */
  readonly from: number;
  /** The dialer's endpoint generation when it dialed: a reply to an earlier life is dropped. */
  readonly fromGen: number;
  /** Acceptor endpoint. */
  readonly to: number;
  readonly bytes: Uint8Array;
  /** Absolute ms after which the dialer gives up. */
  readonly deadline: number;
  readonly expectReply: boolean;
  /** Set once the dialer has been told the outcome (reply or failure). */
  done: boolean;
}

/** A UDP datagram due at endpoint `to`. */
export interface PacketRecord extends HeapRecord {
  readonly kind: typeof NetEventKind.packet;
  readonly from: number;
  readonly to: number;
  readonly bytes: Uint8Array;
}

/** A stream's request due at its acceptor. */
export interface StreamRequestRecord extends HeapRecord {
  readonly kind: typeof NetEventKind.streamRequest;
  readonly stream: MemoryStream;
}

/** A stream's reply due at its dialer. */
export interface StreamReplyRecord extends HeapRecord {
  readonly kind: typeof NetEventKind.streamReply;
  readonly stream: MemoryStream;
  readonly reply: Uint8Array;
}

/** A stream's failure due at its dialer. */
export interface StreamFailureRecord extends HeapRecord {
  readonly kind: typeof NetEventKind.streamFailure;
  readonly stream: MemoryStream;
  readonly failure: StreamFailure;
}

/** Everything the network schedules. */
export type NetRecord = PacketRecord | StreamRequestRecord | StreamReplyRecord | StreamFailureRecord;

/** Counters of what the network did, for reports and statistical tests. */
export interface NetStats {
  packetsSent: number;
  packetBytesSent: number;
  packetsDelivered: number;
  lostToLoss: number;
  lostToPartition: number;
  lostUnknownAddress: number;
  duplicated: number;
  reordered: number;
  streamsOpened: number;
  streamBytes: number;
  streamsFailed: number;
}

/** A directed or symmetric cut between two sets of endpoints. */
interface Cut {
  readonly id: number;
  readonly a: Uint8Array;
  readonly b: Uint8Array;
  readonly oneWay: boolean;
}

/** Options of a {@link MemoryNetwork}. */
export interface MemoryNetworkOptions {
  /** The network's own random source (loss, delay, duplication draws). */
  readonly random: Random;
  /** Receives every record to deliver; the driver queues it on its heap. */
  readonly schedule: (record: NetRecord) => void;
  /** Link parameters for every link without an override (default {@link defaultLink}). */
  readonly link?: Partial<LinkParams>;
}

/** The in-memory network. See the module comment for the model. */
export class MemoryNetwork {
  private readonly random: Random;
  private readonly schedule: (record: NetRecord) => void;
  private defaults: LinkParams;
  private readonly overrides = new Map<number, LinkParams>();
  private readonly addrs: Address[] = [];
  private readonly byIp = new Map<string, number>();
  private readonly up: boolean[] = [];
  private readonly gens: number[] = [];
  private cuts: Cut[] = [];
  private nextCutId = 1;
  /** Per-endpoint counters: UDP packets and bytes sent, streams opened, stream bytes written. */
  readonly sentPackets: number[] = [];
  readonly sentBytes: number[] = [];
  readonly sentStreams: number[] = [];
  readonly stats: NetStats = {
    packetsSent: 0,
    packetBytesSent: 0,
    packetsDelivered: 0,
    lostToLoss: 0,
    lostToPartition: 0,
    lostUnknownAddress: 0,
    duplicated: 0,
    reordered: 0,
    streamsOpened: 0,
    streamBytes: 0,
    streamsFailed: 0,
  };

  constructor(opts: MemoryNetworkOptions) {
    this.random = opts.random;
    this.schedule = opts.schedule;
    this.defaults = checkLink({ ...defaultLink, ...opts.link });
  }

  /** Number of endpoints ever added. */
  get size(): number {
    return this.addrs.length;
  }

  /** Attach an endpoint at `addr` (up); returns its number. Each endpoint needs its own IP. */
  addEndpoint(addr: Address): number {
    if (this.byIp.has(addr.ip)) throw new ConfigError([`address ${addr.ip}: already attached`]);
    const i = this.addrs.length;
    this.addrs.push(Object.freeze({ ip: addr.ip, port: addr.port }));
    this.byIp.set(addr.ip, i);
    this.up.push(true);
    this.gens.push(0);
    this.sentPackets.push(0);
    this.sentBytes.push(0);
    this.sentStreams.push(0);
    return i;
  }

  /** The endpoint's address (one frozen object per endpoint: pass it as `from`). */
  address(i: number): Address {
    const a = this.addrs[i];
    if (a === undefined) throw new RangeError(`no endpoint ${i}`);
    return a;
  }

  /** The endpoint bound at exactly `addr`, or -1. */
  lookup(addr: Address): number {
    const i = this.byIp.get(addr.ip);
    if (i === undefined) return -1;
    return (this.addrs[i] as Address).port === addr.port ? i : -1;
  }

  /** Whether the endpoint's socket is open. */
  isUp(i: number): boolean {
    return this.up[i] === true;
  }

  /** The endpoint's generation: bumped by every {@link setDown}. */
  generation(i: number): number {
    return this.gens[i] ?? -1;
  }

  /** Close the endpoint's socket (process crashed): packets to it vanish, streams are refused. */
  setDown(i: number): void {
    this.address(i);
    this.up[i] = false;
    this.gens[i] = (this.gens[i] as number) + 1;
  }

  /** Reopen the endpoint's socket (process restarted). */
  setUp(i: number): void {
    this.address(i);
    this.up[i] = true;
  }

  /** Replace the default link parameters (fields not given keep their current value). */
  setDefaultLink(params: Partial<LinkParams>): void {
    this.defaults = checkLink({ ...this.defaults, ...params });
  }

  /** The parameters of the directed link `from → to`. */
  link(from: number, to: number): LinkParams {
    return this.overrides.size === 0
      ? this.defaults
      : (this.overrides.get(linkKey(from, to)) ?? this.defaults);
  }

  /** Override the directed link `from → to` (on top of the current default). */
  setLink(from: number, to: number, params: Partial<LinkParams>): void {
    this.overrides.set(linkKey(from, to), checkLink({ ...this.defaults, ...params }));
  }

  /** Drop every per-link override. */
  clearLinks(): void {
    this.overrides.clear();
  }

  /**
   * Cut `a` from `b`: packets and streams from a member of `a` to a member of `b` are dropped, and
   * the reverse too unless `oneWay`. Returns an id for {@link heal}.
   */
  partition(a: readonly number[], b: readonly number[], oneWay = false): number {
    const n = this.addrs.length;
    const sa = new Uint8Array(n);
    const sb = new Uint8Array(n);
    for (const i of a) sa[i] = 1;
    for (const i of b) sb[i] = 1;
    const id = this.nextCutId++;
    this.cuts.push({ id, a: sa, b: sb, oneWay });
    return id;
  }

  /** Remove the cut `id`, or every cut when `id` is omitted. */
  heal(id?: number): void {
    this.cuts = id === undefined ? [] : this.cuts.filter((c) => c.id !== id);
  }

  /** Whether a partition currently blocks `from → to`. */
  blocked(from: number, to: number): boolean {
    for (const c of this.cuts) {
      if (c.a[from] === 1 && c.b[to] === 1) return true;
      if (!c.oneWay && c.b[from] === 1 && c.a[to] === 1) return true;
    }
    return false;
  }

  /** Endpoint `from` sends one UDP datagram to `to` at time `now`. */
  send(now: number, from: number, to: Address, bytes: Uint8Array): void {
    const st = this.stats;
    st.packetsSent++;
    st.packetBytesSent += bytes.length;
    this.sentPackets[from] = (this.sentPackets[from] as number) + 1;
    this.sentBytes[from] = (this.sentBytes[from] as number) + bytes.length;
    const dst = this.lookup(to);
    if (dst < 0) {
      st.lostUnknownAddress++;
      return;
    }
    if (this.cuts.length > 0 && this.blocked(from, dst)) {
      st.lostToPartition++;
      return;
    }
    const p = this.link(from, dst);
    if (p.loss > 0 && this.random.float() < p.loss) {
      st.lostToLoss++;
      return;
    }
    this.schedulePacket(now + this.packetDelay(p), from, dst, bytes);
    if (p.duplicate > 0 && this.random.float() < p.duplicate) {
      st.duplicated++;
      this.schedulePacket(now + this.packetDelay(p), from, dst, bytes);
    }
  }

  /**
   * Endpoint `from` (generation `fromGen`) opens a stream: the `stream` output `id`, `to`, `bytes`,
   * `deadline`, `expectReply`. Schedules the request's arrival and the dialer's outcome.
   */
  openStream(
    now: number,
    from: number,
    out: {
      readonly id: number;
      readonly to: Address;
      readonly bytes: Uint8Array;
      readonly deadline: number;
      readonly connectDeadline?: number;
      readonly expectReply: boolean;
    },
  ): void {
    const st = this.stats;
    st.streamsOpened++;
    st.streamBytes += out.bytes.length;
    this.sentStreams[from] = (this.sentStreams[from] as number) + 1;
    this.sentBytes[from] = (this.sentBytes[from] as number) + out.bytes.length;
    const dst = this.lookup(out.to);
    const stream: MemoryStream = {
      id: out.id,
      from,
      fromGen: this.generation(from),
      to: dst,
      bytes: out.bytes,
      deadline: out.deadline,
      expectReply: out.expectReply,
      done: false,
    };
    // The dialer gives up on the handshake at its connect deadline (never after the deadline).
    const connectBy = Math.min(out.deadline, out.connectDeadline ?? out.deadline);
    if (dst < 0 || (this.cuts.length > 0 && (this.blocked(from, dst) || this.blocked(dst, from)))) {
      // SYNs vanish: nobody answers the handshake.
      if (out.expectReply) this.failAt(Math.max(now, connectBy), stream, { kind: 'unreachable' });
      return;
    }
    const there = this.link(from, dst);
    const back = this.link(dst, from);
    if (!this.up[dst]) {
      // The kernel answers a SYN to a closed port with RST: refused after one round trip.
      const t = now + this.segmentDelay(there, 0) + this.segmentDelay(back, 0);
      if (out.expectReply) this.failAt(t, stream, { kind: 'refused' });
      return;
    }
    const connected = now + this.segmentDelay(there, SYN_RTO_MS) + this.segmentDelay(back, SYN_RTO_MS);
    const arrival = connected + this.segmentDelay(there, DATA_RTO_MS);
    if (connected >= connectBy) {
      // Lost SYNs (or SYN-ACKs) kept the handshake from completing in time.
      if (out.expectReply) this.failAt(Math.max(now, connectBy), stream, { kind: 'unreachable' });
      return;
    }
    if (arrival >= out.deadline) {
      // Connected, but the dialer gives up before its request is through.
      if (out.expectReply) this.failAt(out.deadline, stream, { kind: 'timeout' });
      return;
    }
    this.schedule({ t: arrival, seq: 0, kind: NetEventKind.streamRequest, stream });
    if (out.expectReply) this.failAt(out.deadline, stream, { kind: 'timeout' });
  }

  /**
   * The acceptor answered `stream` at `now` with `reply` (`null`: closed without one). Schedules the
   * reply's arrival at the dialer if it beats the deadline (the timeout is already scheduled).
   */
  replyStream(now: number, stream: MemoryStream, reply: Uint8Array | null): void {
    if (!stream.expectReply || stream.done) return;
    const dst = stream.to;
    if (this.cuts.length > 0 && this.blocked(dst, stream.from)) return;
    const back = this.link(dst, stream.from);
    if (reply === null) {
      const t = now + this.segmentDelay(back, 0);
      if (t < stream.deadline) this.failAt(t, stream, { kind: 'closed' });
      return;
    }
    this.stats.streamBytes += reply.length;
    this.sentBytes[dst] = (this.sentBytes[dst] as number) + reply.length;
    const t = now + this.segmentDelay(back, DATA_RTO_MS);
    if (t >= stream.deadline) return;
    this.schedule({ t, seq: 0, kind: NetEventKind.streamReply, stream, reply });
  }

  /**
   * The acceptor vanished (crashed) after the request reached it: the dialer sees the connection
   * reset one delay later.
   */
  abortStream(now: number, stream: MemoryStream): void {
    if (!stream.expectReply || stream.done) return;
    const t = now + this.segmentDelay(this.link(stream.to, stream.from), 0);
    if (t < stream.deadline) this.failAt(t, stream, { kind: 'closed' });
  }

  /**
   * Mark `stream` as reported to its dialer. Returns false if it already was (a later record
   * about the same stream is then ignored by the driver).
   */
  settle(stream: MemoryStream, failed: boolean): boolean {
    if (stream.done) return false;
    stream.done = true;
    if (failed) this.stats.streamsFailed++;
    return true;
  }

  private failAt(t: number, stream: MemoryStream, failure: StreamFailure): void {
    this.schedule({ t, seq: 0, kind: NetEventKind.streamFailure, stream, failure });
  }

  private schedulePacket(t: number, from: number, to: number, bytes: Uint8Array): void {
    this.schedule({ t, seq: 0, kind: NetEventKind.packet, from, to, bytes });
  }

  /** One-way delay of a UDP packet on link `p`, including reordering holds. */
  private packetDelay(p: LinkParams): number {
    let d = p.delayMs;
    if (p.jitterMs > 0) d += this.random.int(p.jitterMs + 1);
    if (p.reorder > 0 && p.reorderMs > 0 && this.random.float() < p.reorder) {
      this.stats.reordered++;
      d += 1 + this.random.int(p.reorderMs);
    }
    return d;
  }

  /**
   * One-way delay of one TCP segment on link `p`: each loss (probability `p.loss`) costs a
   * retransmission timeout starting at `rtoMs` and doubling (RFC 6298 §5.5). `rtoMs` 0: no
   * retransmission model (used for RST/FIN, which we let through).
   */
  private segmentDelay(p: LinkParams, rtoMs: number): number {
    let d = p.delayMs;
    if (p.jitterMs > 0) d += this.random.int(p.jitterMs + 1);
    if (rtoMs > 0 && p.loss > 0) {
      let rto = rtoMs;
      // Bounded: after 16 losses in a row the deadline is long gone anyway.
      for (let k = 0; k < 16 && this.random.float() < p.loss; k++) {
        d += rto;
        rto *= 2;
      }
    }
    return d;
  }
}

function linkKey(from: number, to: number): number {
  return from * 0x100000 + to;
}

/** Validates link parameters; every problem is reported at once. */
function checkLink(p: LinkParams): LinkParams {
  const problems: string[] = [];
  for (const k of ['loss', 'duplicate', 'reorder'] as const) {
    const v = p[k];
    if (!(v >= 0 && v <= 1)) problems.push(`link ${k}: must be in [0, 1], got ${v}`);
  }
  for (const k of ['delayMs', 'jitterMs', 'reorderMs'] as const) {
    const v = p[k];
    if (!(Number.isInteger(v) && v >= 0)) problems.push(`link ${k}: must be an integer >= 0, got ${v}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({ ...p });
}
