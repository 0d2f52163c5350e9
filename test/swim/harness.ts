/**
 * A tiny conversation harness for Swim unit tests: a handful of cores on a virtual clock, every
 * output routed to its destination after a fixed latency (the simulator in src/sim is the full
 * world; this is only for focused conversations). Faults are a filter on (from, to, kind).
 */
import { formatAddress, type Address, type Output } from '../../src/core/io.js';
import type { SwimDelegate, SwimEvent } from '../../src/swim/api.js';
import { Swim, type SwimOptions } from '../../src/swim/swim.js';
import { resolveConfig, type SwimConfig } from '../../src/swim/config.js';
import { SeededRandom } from '../../src/core/random.js';
import type { Interner } from '../../src/swim/interner.js';

/** What a fault filter sees. */
export interface Transfer {
  readonly from: string;
  readonly to: string;
  readonly kind: 'packet' | 'stream';
}

interface Node {
  readonly name: string;
  readonly addr: Address;
  swim: Swim;
  up: boolean;
  readonly events: { at: number; event: SwimEvent }[];
}

type Delivery =
  | { kind: 'packet'; to: string; from: Address; bytes: Uint8Array }
  | {
      kind: 'stream-request';
      to: string;
      fromNode: string;
      from: Address;
      id: number;
      bytes: Uint8Array;
      deadline: number;
      expectReply: boolean;
    }
  | {
      kind: 'stream-reply';
      to: string;
      id: number;
      reply: Uint8Array | { kind: 'refused' } | { kind: 'unreachable' } | { kind: 'timeout' };
    };

interface Scheduled {
  at: number;
  seq: number;
  d: Delivery;
}

/** Options for {@link Harness.add}. */
export interface AddOptions {
  readonly config?: Partial<SwimConfig>;
  readonly delegate?: SwimDelegate;
  readonly meta?: Uint8Array;
  readonly port?: number;
  readonly seed?: number;
}

/** See the module comment. */
export class Harness {
  now = 0;
  /** One-way latency of every packet and stream leg (ms). */
  latencyMs = 1;
  /** Return true to drop a transfer (packets are lost; streams time out). */
  drop: (t: Transfer) => boolean = () => false;
  /** Every packet handed to the network: for assertions on what went out. */
  readonly packets: { at: number; from: string; to: string; bytes: Uint8Array }[] = [];
  /** Run `assertInvariants()` on every node after every step. */
  checkInvariants = true;
  readonly nodes = new Map<string, Node>();
  private readonly byAddr = new Map<string, string>();
  private readonly pending: Scheduled[] = [];
  private seq = 0;
  private nextPort = 7946;
  private readonly profile: 'lan' | 'wan' | 'local';
  private readonly interner: Interner | undefined;
  private readonly baseConfig: Partial<SwimConfig>;

  constructor(
    opts: { profile?: 'lan' | 'wan' | 'local'; config?: Partial<SwimConfig>; interner?: Interner } = {},
  ) {
    this.profile = opts.profile ?? 'lan';
    this.interner = opts.interner;
    // The tests in this folder pin memberlist 0.2.2's exact behaviour, so the harness defaults to
    // `detector: 'memberlist'`; adaptive-mode tests (swim-adaptive*.test.ts) ask for it.
    this.baseConfig = { detector: 'memberlist', ...opts.config };
  }

  /** Start a node at the current time. */
  add(name: string, opts: AddOptions = {}): Swim {
    const port = opts.port ?? this.nextPort++;
    const addr: Address = { ip: '127.0.0.1', port };
    const sopts: SwimOptions = {
      name,
      advertise: addr,
      config: resolveConfig({ ...this.baseConfig, ...opts.config }, this.profile),
      now: this.now,
      random: new SeededRandom(opts.seed ?? hash(name)),
      ...(opts.delegate !== undefined ? { delegate: opts.delegate } : {}),
      ...(opts.meta !== undefined ? { meta: opts.meta } : {}),
      ...(this.interner !== undefined ? { interner: this.interner } : {}),
    };
    const swim = new Swim(sopts);
    const node: Node = { name, addr, swim, up: true, events: [] };
    this.nodes.set(name, node);
    this.byAddr.set(formatAddress(addr), name);
    this.flush(node);
    return swim;
  }

  /** The core of a node. */
  swim(name: string): Swim {
    return this.node(name).swim;
  }

  /** Address of a node. */
  addr(name: string): Address {
    return this.node(name).addr;
  }

  /** Events a node emitted so far (with the time). */
  events(name: string): { at: number; event: SwimEvent }[] {
    return this.node(name).events;
  }

  /** Crash a node: it stops processing; packets to it are lost, streams to it are refused. */
  crash(name: string): void {
    this.node(name).up = false;
  }

  /** Join `name` through the seeds; returns the join request id. */
  join(name: string, ...seeds: string[]): number {
    const n = this.node(name);
    const id = n.swim.join(
      this.now,
      seeds.map((s) => this.addr(s)),
    );
    this.flush(n);
    return id;
  }

  /** Run a command on a node at the current time, then route what it produced. */
  act(name: string, fn: (swim: Swim, now: number) => void): void {
    const n = this.node(name);
    fn(n.swim, this.now);
    this.flush(n);
  }

  /** Advance virtual time to `until`, delivering everything and running every deadline on the way. */
  runUntil(until: number): void {
    for (let steps = 0; steps < 10_000_000; steps++) {
      const next = this.nextTime();
      if (next === undefined || next > until) {
        this.now = Math.max(this.now, until);
        return;
      }
      this.now = Math.max(this.now, next);
      this.step();
    }
    throw new Error('harness: too many steps');
  }

  /** Advance by `ms`. */
  runFor(ms: number): void {
    this.runUntil(this.now + ms);
  }

  /** Run until `pred` holds (checked after every step) or `maxMs` passes; returns whether it held. */
  runUntilTrue(pred: () => boolean, maxMs: number): boolean {
    const end = this.now + maxMs;
    for (let steps = 0; steps < 10_000_000; steps++) {
      if (pred()) return true;
      const next = this.nextTime();
      if (next === undefined || next > end) {
        this.now = end;
        return pred();
      }
      this.now = Math.max(this.now, next);
      this.step();
    }
    throw new Error('harness: too many steps');
  }

  /** Names of alive members in `name`'s view. */
  aliveView(name: string): string[] {
    return this.swim(name)
      .members()
      .filter((m) => m.state === 'alive')
      .map((m) => m.name)
      .sort();
  }

  /** The first event of `type` about `member` seen by `observer`, if any. */
  firstEvent(
    observer: string,
    type: SwimEvent['type'],
    member?: string,
  ): { at: number; event: SwimEvent } | undefined {
    return this.events(observer).find(
      (e) =>
        e.event.type === type &&
        (member === undefined || ('member' in e.event && e.event.member.name === member)),
    );
  }

  private node(name: string): Node {
    const n = this.nodes.get(name);
    if (n === undefined) throw new Error(`harness: no node ${name}`);
    return n;
  }

  private nextTime(): number | undefined {
    let t: number | undefined =
      this.pending.length > 0 ? Math.min(...this.pending.map((p) => p.at)) : undefined;
    for (const n of this.nodes.values()) {
      if (!n.up) continue;
      const d = n.swim.nextDeadline();
      if (d !== undefined && (t === undefined || d < t)) t = d;
    }
    return t;
  }

  /** Deliver everything due now (in schedule order), then run due deadlines. */
  private step(): void {
    const due = this.pending.filter((p) => p.at <= this.now).sort((a, b) => a.at - b.at || a.seq - b.seq);
    for (const p of due) this.pending.splice(this.pending.indexOf(p), 1);
    for (const p of due) this.deliver(p.d);
    for (const n of this.nodes.values()) {
      if (!n.up) continue;
      const d = n.swim.nextDeadline();
      if (d !== undefined && d <= this.now) {
        n.swim.tick(this.now);
        this.flush(n);
      }
    }
  }

  private deliver(d: Delivery): void {
    const n = this.nodes.get(d.to);
    if (n === undefined || !n.up) {
      if (d.kind === 'stream-request' && d.expectReply) {
        this.schedule(this.now + this.latencyMs, {
          kind: 'stream-reply',
          to: d.fromNode,
          id: d.id,
          reply: { kind: 'refused' },
        });
      }
      return;
    }
    switch (d.kind) {
      case 'packet':
        n.swim.handlePacket(this.now, d.from, d.bytes);
        break;
      case 'stream-request': {
        const reply = n.swim.handleStream(this.now, d.from, d.bytes);
        if (d.expectReply) {
          const at = this.now + this.latencyMs;
          const dropped = this.drop({ from: d.to, to: d.fromNode, kind: 'stream' });
          if (reply === null || dropped || at > d.deadline) {
            this.schedule(d.deadline, {
              kind: 'stream-reply',
              to: d.fromNode,
              id: d.id,
              reply: { kind: 'timeout' },
            });
          } else {
            this.schedule(at, { kind: 'stream-reply', to: d.fromNode, id: d.id, reply });
          }
        }
        break;
      }
      case 'stream-reply':
        n.swim.handleStreamReply(this.now, d.id, d.reply);
        break;
    }
    this.flush(n);
  }

  private flush(n: Node): void {
    for (const o of n.swim.drainOutputs()) this.route(n, o);
    for (const event of n.swim.drainEvents()) n.events.push({ at: this.now, event });
    if (this.checkInvariants) n.swim.assertInvariants();
  }

  private route(n: Node, o: Output): void {
    const to = this.byAddr.get(formatAddress(o.to)) ?? `?${formatAddress(o.to)}`;
    if (o.kind === 'packet') {
      this.packets.push({ at: this.now, from: n.name, to, bytes: o.bytes });
      if (this.drop({ from: n.name, to, kind: 'packet' })) return;
      this.schedule(this.now + this.latencyMs, { kind: 'packet', to, from: n.addr, bytes: o.bytes });
      return;
    }
    if (this.drop({ from: n.name, to, kind: 'stream' })) {
      // Nothing answers the handshake.
      if (o.expectReply)
        this.schedule(o.connectDeadline ?? o.deadline, {
          kind: 'stream-reply',
          to: n.name,
          id: o.id,
          reply: { kind: 'unreachable' },
        });
      return;
    }
    this.schedule(this.now + this.latencyMs, {
      kind: 'stream-request',
      to,
      fromNode: n.name,
      from: n.addr,
      id: o.id,
      bytes: o.bytes,
      deadline: o.deadline,
      expectReply: o.expectReply,
    });
  }

  private schedule(at: number, d: Delivery): void {
    this.pending.push({ at, seq: this.seq++, d });
  }
}

/** A stable small seed from a name. */
export function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
