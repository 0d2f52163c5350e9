/**
 * A simulated world: N protocol cores on one {@link MemoryNetwork}, one virtual clock and one
 * global event heap. The world is the cores' driver, exactly as the real runtime is (the contract
 * of `src/swim/io.ts`): it feeds packets, streams and stream outcomes, ticks each core at its
 * `nextDeadline()`, and routes what the core emits.
 *
 * Determinism: every random choice comes from a {@link SeededRandom} forked from the run seed in a
 * fixed order (network, then one per node in creation order, then restarts), and the heap breaks
 * time ties by insertion order. Same seed + same scenario → same trace hash.
 *
 * Scale: one plain record per in-flight packet, at most one live deadline record per node (stale
 * ones are skipped when popped), no timers, closures or promises per packet.
 *
 * Node lifecycle:
 * - **crash**: the core is dropped, the socket closes (packets vanish, streams are refused);
 * - **restart**: a fresh core with the same name and address (new random stream), socket reopens;
 * - **pause/resume** (SIGSTOP/SIGCONT): a paused node processes nothing; inbound datagrams queue up
 *   to `backlogBytes` like a UDP receive buffer (the rest are dropped), stream requests and stream
 *   outcomes queue too. On resume the backlog is processed in arrival order at the resume time,
 *   then overdue deadlines fire (one `tick`).
 */
import type { Address, Output, ProtocolCore, StreamFailure } from '../core/io.js';
import { SeededRandom } from '../core/random.js';
import { EventHeap, type HeapRecord } from '../transport/event-heap.js';
import {
  MemoryNetwork,
  NetEventKind,
  type LinkParams,
  type MemoryStream,
  type NetRecord,
} from '../transport/memory.js';
import { StateError } from '../wire/errors.js';
import { Trace, TraceKind } from './trace.js';

/** What a core factory is given to build one node's core. */
export interface NodeContext {
  /** The node's number in the world (stable across restarts). */
  readonly index: number;
  readonly name: string;
  readonly addr: Address;
  /** The node's own random stream, forked from the run seed. */
  readonly random: SeededRandom;
  /** Virtual time at creation. */
  readonly now: number;
  /** 0 for the first life, then 1, 2, … per restart. */
  readonly life: number;
}

/** Builds one node's core. */
export type CoreFactory<C> = (ctx: NodeContext) => C;

/** Lifecycle state of a node. */
export type NodeState = 'up' | 'paused' | 'crashed';

/** Receives what happens in a world. Every hook is optional. */
export interface WorldObserver<E> {
  /** Node `node` emitted a user-visible event. */
  onEvent?(now: number, node: number, event: E): void;
  /** Node `node` is about to crash (its core is still readable). */
  onCrash?(now: number, node: number): void;
  /** Node `node` restarted with a fresh core. */
  onRestart?(now: number, node: number): void;
  /** Node `node` was paused. */
  onPause?(now: number, node: number): void;
  /** Node `node` resumed (after its backlog and overdue deadlines were processed). */
  onResume?(now: number, node: number): void;
}

/** Options of a {@link World}. */
export interface WorldOptions<C, E> {
  /** The run seed (uint32). */
  readonly seed: number;
  /** Builds each node's core. */
  readonly createCore: CoreFactory<C>;
  /** Default link parameters. */
  readonly link?: Partial<LinkParams>;
  /** Bytes of datagrams a paused node buffers (a UDP receive buffer; default 425,984 — Linux's doubled rmem_max). */
  readonly backlogBytes?: number;
  /** Trace to feed (default: a hash-only trace). */
  readonly trace?: Trace;
  /** Short text for a core event, mixed into the trace (default: none; events then count by kind only). */
  readonly describeEvent?: (event: E) => string;
  /**
   * Call the core's `assertInvariants()` (when it has one) after every step on that node. Costly:
   * for tests with few nodes.
   */
  readonly checkInvariants?: boolean;
}

const DEADLINE = 5;
const ACTION = 6;

interface DeadlineRecord extends HeapRecord {
  readonly kind: typeof DEADLINE;
  readonly node: number;
}

interface ActionRecord<C extends ProtocolCore<E>, E> extends HeapRecord {
  readonly kind: typeof ACTION;
  readonly label: string;
  readonly run: (world: World<C, E>) => void;
}

type WorldRecord<C extends ProtocolCore<E>, E> = NetRecord | DeadlineRecord | ActionRecord<C, E>;

/** Something a paused node received and will process on resume. */
type BacklogItem =
  | { readonly kind: typeof NetEventKind.packet; readonly from: number; readonly bytes: Uint8Array }
  | { readonly kind: typeof NetEventKind.streamRequest; readonly stream: MemoryStream }
  | {
      readonly kind: typeof NetEventKind.streamReply;
      readonly stream: MemoryStream;
      readonly reply: Uint8Array | StreamFailure;
    };

interface SimNode<C> {
  readonly index: number;
  readonly name: string;
  readonly random: SeededRandom;
  core: C | null;
  state: NodeState;
  life: number;
  /** The one deadline record that is still valid (others in the heap are stale). */
  pending: DeadlineRecord | null;
  backlog: BacklogItem[];
  backlogBytes: number;
}

/** Counters of the world's own decisions (the network keeps its own). */
export interface WorldStats {
  /** Records processed (deliveries, deadlines, actions), stale ones excluded. */
  steps: number;
  /** Datagrams dropped because a paused node's buffer was full. */
  backlogOverflow: number;
  /** Deliveries to crashed nodes (vanished). */
  toCrashed: number;
  /** `tick` calls. */
  ticks: number;
}

/** The virtual address of node `i`: a distinct 127.0.0.0/8 address per node, port 7946. */
export function simAddress(i: number): Address {
  return { ip: `127.${1 + ((i >>> 16) & 0x7f)}.${(i >>> 8) & 0xff}.${i & 0xff}`, port: 7946 };
}

/** How many times one node may be ticked within the same millisecond before we call it a core bug. */
const MAX_TICKS_SAME_MS = 64;

/** A world of simulated nodes. `C` is the core type, `E` its event type. */
export class World<C extends ProtocolCore<E>, E> {
  readonly net: MemoryNetwork;
  readonly trace: Trace;
  readonly stats: WorldStats = { steps: 0, backlogOverflow: 0, toCrashed: 0, ticks: 0 };
  private readonly heap = new EventHeap<WorldRecord<C, E>>();
  private readonly nodes: SimNode<C>[] = [];
  private readonly byName = new Map<string, number>();
  private readonly observers: WorldObserver<E>[] = [];
  private readonly nodeRandom: SeededRandom;
  private readonly restartRandom: SeededRandom;
  private readonly createCore: CoreFactory<C>;
  private readonly describeEvent: ((event: E) => string) | undefined;
  private readonly backlogLimit: number;
  private readonly checkInvariants: boolean;
  private clock = 0;
  private sameMsTicks = 0;
  private sameMsNode = -1;
  private sameMsAt = -1;

  constructor(opts: WorldOptions<C, E>) {
    const root = new SeededRandom(opts.seed);
    const netRandom = root.fork();
    this.nodeRandom = root.fork();
    this.restartRandom = root.fork();
    this.createCore = opts.createCore;
    this.describeEvent = opts.describeEvent;
    this.backlogLimit = opts.backlogBytes ?? 425_984;
    this.checkInvariants = opts.checkInvariants ?? false;
    this.trace = opts.trace ?? new Trace();
    const link = opts.link;
    this.net = new MemoryNetwork({
      random: netRandom,
      schedule: (r) => this.heap.push(r),
      ...(link ? { link } : {}),
    });
  }

  /** Current virtual time, ms. */
  get now(): number {
    return this.clock;
  }

  /** Number of nodes ever added. */
  get size(): number {
    return this.nodes.length;
  }

  /** Records waiting in the event heap (including stale deadline records). */
  get queued(): number {
    return this.heap.size;
  }

  /** Add an observer of events and lifecycle changes. */
  observe(o: WorldObserver<E>): void {
    this.observers.push(o);
  }

  /** Create node `name` (default `node-<i>`) at {@link simAddress}(i) and build its core now. */
  addNode(name?: string, addr?: Address): number {
    const index = this.nodes.length;
    const nodeName = name ?? `node-${index}`;
    if (this.byName.has(nodeName)) throw new StateError(`node name ${nodeName} already in use`);
    const a = addr ?? simAddress(index);
    const netIndex = this.net.addEndpoint(a);
    if (netIndex !== index) throw new StateError('network endpoints out of step with nodes');
    const node: SimNode<C> = {
      index,
      name: nodeName,
      random: this.nodeRandom.fork(),
      core: null,
      state: 'up',
      life: 0,
      pending: null,
      backlog: [],
      backlogBytes: 0,
    };
    this.nodes.push(node);
    this.byName.set(nodeName, index);
    node.core = this.createCore({
      index,
      name: nodeName,
      addr: this.net.address(index),
      random: node.random,
      now: this.clock,
      life: 0,
    });
    this.flush(node);
    return index;
  }

  /** Node `i`'s name. */
  name(i: number): string {
    return this.node(i).name;
  }

  /** The node named `name`, or -1. */
  indexOf(name: string): number {
    return this.byName.get(name) ?? -1;
  }

  /** Node `i`'s address. */
  address(i: number): Address {
    return this.net.address(i);
  }

  /** Node `i`'s lifecycle state. */
  state(i: number): NodeState {
    return this.node(i).state;
  }

  /** Node `i`'s current core (`null` while crashed). A paused node's core is readable. */
  core(i: number): C | null {
    return this.node(i).core;
  }

  /** Indexes of nodes that are not crashed (up or paused). */
  liveNodes(): number[] {
    const out: number[] = [];
    for (const n of this.nodes) if (n.state !== 'crashed') out.push(n.index);
    return out;
  }

  /**
   * Run a command on node `i`'s core now (e.g. `join`, `leave`) and route what it emitted.
   * Throws {@link StateError} if the node is crashed or paused.
   */
  command<T>(i: number, fn: (core: C, now: number) => T): T {
    const node = this.node(i);
    if (node.state !== 'up' || node.core === null) throw new StateError(`node ${node.name} is ${node.state}`);
    const r = fn(node.core, this.clock);
    this.flush(node);
    return r;
  }

  /** Schedule `run` at absolute time `t` (≥ now). `label` goes into the trace. */
  at(t: number, label: string, run: (world: World<C, E>) => void): void {
    if (!(t >= this.clock)) throw new StateError(`cannot schedule ${label} at ${t} < now ${this.clock}`);
    this.heap.push({ t: Math.ceil(t), seq: 0, kind: ACTION, label, run });
  }

  /** Crash node `i` now: core gone, socket closed, backlog lost. */
  crash(i: number): void {
    const node = this.node(i);
    if (node.state === 'crashed') return;
    for (const o of this.observers) o.onCrash?.(this.clock, i);
    node.state = 'crashed';
    node.core = null;
    node.pending = null;
    node.backlog = [];
    node.backlogBytes = 0;
    this.net.setDown(i);
  }

  /** Restart crashed node `i` now with a fresh core (same name and address). */
  restart(i: number): void {
    const node = this.node(i);
    if (node.state !== 'crashed') throw new StateError(`node ${node.name} is ${node.state}, not crashed`);
    node.life++;
    node.state = 'up';
    this.net.setUp(i);
    node.core = this.createCore({
      index: i,
      name: node.name,
      addr: this.net.address(i),
      random: this.restartRandom.fork(),
      now: this.clock,
      life: node.life,
    });
    this.flush(node);
    for (const o of this.observers) o.onRestart?.(this.clock, i);
  }

  /** Pause node `i` now (SIGSTOP). */
  pause(i: number): void {
    const node = this.node(i);
    if (node.state !== 'up') return;
    node.state = 'paused';
    for (const o of this.observers) o.onPause?.(this.clock, i);
  }

  /** Resume node `i` now (SIGCONT): process its backlog, then its overdue deadlines. */
  resume(i: number): void {
    const node = this.node(i);
    if (node.state !== 'paused') return;
    node.state = 'up';
    const backlog = node.backlog;
    node.backlog = [];
    node.backlogBytes = 0;
    for (const item of backlog) {
      if (node.state !== 'up') break; // crashed by an observer meanwhile
      this.process(node, item);
    }
    if (node.state === 'up' && node.core !== null) {
      node.pending = null;
      this.tickNode(node);
    }
    for (const o of this.observers) o.onResume?.(this.clock, i);
  }

  /** Process the next record. Returns false when nothing is queued. */
  step(): boolean {
    const r = this.heap.pop();
    if (r === undefined) return false;
    this.clock = r.t;
    this.dispatch(r);
    return true;
  }

  /** Process every record due at or before `t`, then set the clock to `t`. */
  runUntil(t: number): void {
    for (;;) {
      const r = this.heap.peek();
      if (r === undefined || r.t > t) break;
      this.heap.pop();
      this.clock = r.t;
      this.dispatch(r);
    }
    if (t > this.clock) this.clock = t;
  }

  /** Run for `ms` more milliseconds. */
  runFor(ms: number): void {
    this.runUntil(this.clock + ms);
  }

  /**
   * Run until `cond()` holds (checked every `everyMs`) or `limitMs` more ms pass. Returns whether
   * it held. Bounded by construction.
   */
  runUntilTrue(cond: () => boolean, limitMs: number, everyMs = 100): boolean {
    const end = this.clock + limitMs;
    while (this.clock < end) {
      if (cond()) return true;
      this.runUntil(Math.min(end, this.clock + everyMs));
    }
    return cond();
  }

  private node(i: number): SimNode<C> {
    const n = this.nodes[i];
    if (n === undefined) throw new StateError(`no node ${i}`);
    return n;
  }

  private dispatch(r: WorldRecord<C, E>): void {
    const t = r.t;
    switch (r.kind) {
      case NetEventKind.packet: {
        const node = this.nodes[r.to] as SimNode<C>;
        if (node.state === 'crashed') {
          this.stats.toCrashed++;
          return;
        }
        this.net.stats.packetsDelivered++;
        this.trace.record(TraceKind.packet, t, r.from, r.to, r.bytes.length);
        if (node.state === 'paused') {
          if (node.backlogBytes + r.bytes.length > this.backlogLimit) {
            this.stats.backlogOverflow++;
            return;
          }
          node.backlogBytes += r.bytes.length;
          node.backlog.push({ kind: NetEventKind.packet, from: r.from, bytes: r.bytes });
          return;
        }
        this.process(node, { kind: NetEventKind.packet, from: r.from, bytes: r.bytes });
        return;
      }
      case NetEventKind.streamRequest: {
        const s = r.stream;
        const node = this.nodes[s.to] as SimNode<C>;
        this.trace.record(TraceKind.streamRequest, t, s.from, s.to, s.bytes.length);
        if (node.state === 'crashed') {
          this.stats.toCrashed++;
          this.net.abortStream(t, s);
          return;
        }
        if (node.state === 'paused') {
          node.backlog.push({ kind: NetEventKind.streamRequest, stream: s });
          return;
        }
        this.process(node, { kind: NetEventKind.streamRequest, stream: s });
        return;
      }
      case NetEventKind.streamReply:
      case NetEventKind.streamFailure: {
        const s = r.stream;
        const failed = r.kind === NetEventKind.streamFailure;
        if (!this.net.settle(s, failed)) return;
        const node = this.nodes[s.from] as SimNode<C>;
        const outcome: Uint8Array | StreamFailure = failed ? r.failure : r.reply;
        this.trace.record(
          failed ? TraceKind.streamFailure : TraceKind.streamReply,
          t,
          s.from,
          s.id,
          failed ? 0 : (outcome as Uint8Array).length,
        );
        if (node.state === 'crashed' || this.net.generation(s.from) !== s.fromGen) return;
        const item: BacklogItem = { kind: NetEventKind.streamReply, stream: s, reply: outcome };
        if (node.state === 'paused') node.backlog.push(item);
        else this.process(node, item);
        return;
      }
      case DEADLINE: {
        const node = this.nodes[r.node] as SimNode<C>;
        if (node.pending !== r) return; // stale
        node.pending = null;
        if (node.state !== 'up') return; // paused: resume() ticks it
        this.trace.record(TraceKind.deadline, t, r.node, 0, 0);
        this.tickNode(node);
        return;
      }
      case ACTION: {
        this.stats.steps++;
        this.trace.recordText(TraceKind.action, t, -1, r.label);
        this.trace.line(`${t} action ${r.label}`);
        r.run(this);
        return;
      }
    }
  }

  /** Feed one delivery to an up node's core and route the results. */
  private process(node: SimNode<C>, item: BacklogItem): void {
    const core = node.core as C;
    const now = this.clock;
    this.stats.steps++;
    switch (item.kind) {
      case NetEventKind.packet:
        core.handlePacket(now, this.net.address(item.from), item.bytes);
        break;
      case NetEventKind.streamRequest: {
        const s = item.stream;
        const reply = core.handleStream(now, this.net.address(s.from), s.bytes);
        this.net.replyStream(now, s, reply);
        break;
      }
      case NetEventKind.streamReply:
        core.handleStreamReply(now, item.stream.id, item.reply);
        break;
    }
    this.flush(node);
  }

  private tickNode(node: SimNode<C>): void {
    const now = this.clock;
    if (this.sameMsNode === node.index && this.sameMsAt === now) {
      if (++this.sameMsTicks > MAX_TICKS_SAME_MS) {
        throw new StateError(`node ${node.name}: nextDeadline() keeps returning <= now (${now}) after tick`);
      }
    } else {
      this.sameMsNode = node.index;
      this.sameMsAt = now;
      this.sameMsTicks = 0;
    }
    this.stats.ticks++;
    this.stats.steps++;
    (node.core as C).tick(now);
    this.flush(node);
  }

  /** Route a core's outputs and events, re-arm its deadline, check invariants if asked. */
  private flush(node: SimNode<C>): void {
    const core = node.core;
    if (core === null) return;
    const now = this.clock;
    const outs: Output[] = core.drainOutputs();
    for (const out of outs) {
      if (out.kind === 'packet') this.net.send(now, node.index, out.to, out.bytes);
      else this.net.openStream(now, node.index, out);
    }
    const events = core.drainEvents();
    if (events.length > 0) {
      for (const e of events) {
        if (this.describeEvent !== undefined) {
          const text = this.describeEvent(e);
          this.trace.recordText(TraceKind.event, now, node.index, text);
          this.trace.line(`${now} ${node.name} ${text}`);
        } else {
          this.trace.record(TraceKind.event, now, node.index, 0, 0);
        }
        for (const o of this.observers) o.onEvent?.(now, node.index, e);
        if (node.core !== core) return; // an observer crashed this node
      }
    }
    if (this.checkInvariants) {
      const check = (core as { assertInvariants?: () => void }).assertInvariants;
      if (typeof check === 'function') check.call(core);
    }
    if (node.state !== 'up') return;
    const nd = core.nextDeadline();
    if (nd === undefined) return;
    const due = nd < now ? now : nd;
    const p = node.pending;
    if (p !== null && p.t <= due) return; // the armed record fires first; it re-arms then
    const rec: DeadlineRecord = { t: due, seq: 0, kind: DEADLINE, node: node.index };
    node.pending = rec;
    this.heap.push(rec);
  }
}
