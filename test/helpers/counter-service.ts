/**
 * A tiny service that proves the service seam end to end (test-only; the KV store and the
 * balancer are the real users): a grow-only counter (a G-counter CRDT) every node of the cluster
 * can increment, using every part of the seam —
 *
 * - **gossip** (`host.broadcast`): an increment spreads as `UPDATE {node, count}`, keyed by node so a
 *   newer count replaces an older one still queued; a receiver that learns something new re-gossips;
 * - **direct messages** (`host.send`): an increment can ask for acks; each receiver acks over UDP;
 * - **typed timers**: `{ kind: 'ack-timeout', seq }` ends an acked increment;
 * - **anti-entropy** (`onSync`, `host.sendReliable`): the whole vector over a stream to a random
 *   capable peer, answered with ours when we know more;
 * - **member hooks**: a newly capable peer is synced at once; a gone peer is no longer waited for;
 * - **events**: `total` on every change, `acked` when an acked increment ends;
 * - **checker** ({@link counterChecker}): every node holds the same vector, equal to what was issued.
 *
 * Messages are JSON (this is a test service; a real one uses a compact encoding).
 */
import type { MemberEvent } from '../../src/cluster/events.js';
import type { Service, ServiceHost, ServicePeer } from '../../src/cluster/service.js';

/** The counter's message types. */
export const CounterMsg = { update: 1, ack: 2, state: 3 } as const;

/** The counter's timer keys. */
export type CounterTimer = { readonly kind: 'ack-timeout'; readonly seq: number };

/** The counter's events. */
export type CounterEvent =
  | { readonly type: 'total'; readonly total: number }
  | {
      readonly type: 'acked';
      readonly seq: number;
      readonly acks: readonly string[];
      readonly wanted: number;
    };

interface PendingAcks {
  readonly wanted: number;
  readonly acks: Set<string>;
}

const te = new TextEncoder();
const td = new TextDecoder();
const json = (v: unknown): Uint8Array => te.encode(JSON.stringify(v));

/** Options of a {@link CounterService}. */
export interface CounterOptions {
  /** Anti-entropy period (ms); default 2000. */
  readonly syncIntervalMs?: number;
  /**
   * Test-only: a deliberately broken merge (adds counts instead of taking the maximum), to show
   * that {@link counterChecker} catches it.
   */
  readonly brokenMerge?: boolean;
}

/** See the module comment. */
export class CounterService implements Service<CounterTimer, CounterEvent> {
  readonly name = 'counter';
  readonly version = 1;
  readonly syncIntervalMs: number;
  private host!: ServiceHost<CounterTimer, CounterEvent>;
  private readonly slots = new Map<string, number>();
  private readonly pending = new Map<number, PendingAcks>();
  private nextSeq = 1;

  constructor(private readonly opts: CounterOptions = {}) {
    this.syncIntervalMs = opts.syncIntervalMs ?? 2000;
  }

  timerId(key: CounterTimer): string {
    return `ack:${key.seq}`;
  }

  attach(host: ServiceHost<CounterTimer, CounterEvent>): void {
    this.host = host;
  }

  // ------------------------------------------------------------------ the application's side

  /** The counter's value here. */
  total(): number {
    let t = 0;
    for (const v of this.slots.values()) t += v;
    return t;
  }

  /** Every node's count as this node knows it, by name. */
  vector(): ReadonlyMap<string, number> {
    return this.slots;
  }

  /**
   * Add `by` to our slot and gossip it. With `acks > 0`, peers that get it ack it, and an `acked`
   * event follows once `acks` peers did or after `timeoutMs`. Returns the increment's sequence.
   */
  increment(now: number, by = 1, acks = 0, timeoutMs = 3000): number {
    const me = this.host.nodeName;
    const count = (this.slots.get(me) ?? 0) + by;
    this.slots.set(me, count);
    const seq = this.nextSeq++;
    if (acks > 0) {
      this.pending.set(seq, { wanted: acks, acks: new Set() });
      this.host.setTimer({ kind: 'ack-timeout', seq }, now + timeoutMs);
    }
    this.host.broadcast(now, CounterMsg.update, json({ node: me, count, seq: acks > 0 ? seq : 0 }), {
      key: me,
    });
    this.host.emit({ type: 'total', total: this.total() });
    return seq;
  }

  // ------------------------------------------------------------------ the seam's side

  onMessage(now: number, from: string, type: number, body: Uint8Array): void {
    const m = JSON.parse(td.decode(body)) as Record<string, unknown>;
    if (type === CounterMsg.update) {
      const node = String(m.node);
      const count = Number(m.count);
      if (this.merge(node, count)) {
        this.host.broadcast(now, CounterMsg.update, json({ node, count, seq: 0 }), { key: node });
        this.host.emit({ type: 'total', total: this.total() });
      }
      // The writer asked for acks: answer it directly (it may be a node we do not know yet).
      if (Number(m.seq) > 0) this.host.send(now, node, CounterMsg.ack, json({ seq: m.seq }));
    } else if (type === CounterMsg.ack) {
      const p = this.pending.get(Number(m.seq));
      if (p === undefined) return;
      p.acks.add(from);
      if (p.acks.size >= p.wanted) this.finish(Number(m.seq));
    } else if (type === CounterMsg.state) {
      const theirs = new Map(m.slots as [string, number][]);
      let changed = false;
      for (const [node, count] of theirs) changed = this.merge(node, count) || changed;
      if (changed) this.host.emit({ type: 'total', total: this.total() });
      const weKnowMore = [...this.slots].some(([node, count]) => (theirs.get(node) ?? 0) < count);
      if (m.reply === true && weKnowMore) this.sendState(now, from, false);
    }
  }

  onTimer(_now: number, key: CounterTimer): void {
    this.finish(key.seq);
  }

  onSync(now: number, peer: ServicePeer): void {
    this.sendState(now, peer.name, true);
  }

  onMember(now: number, event: MemberEvent, peer: ServicePeer | undefined): void {
    if (event.type === 'member-join' && peer !== undefined) this.sendState(now, peer.name, true);
  }

  // ------------------------------------------------------------------ internals

  /** Merge one slot; returns whether it changed. A G-counter keeps the maximum. */
  private merge(node: string, count: number): boolean {
    const mine = this.slots.get(node) ?? 0;
    if (this.opts.brokenMerge === true) {
      if (count === 0) return false;
      this.slots.set(node, mine + count);
      return true;
    }
    if (count <= mine) return false;
    this.slots.set(node, count);
    return true;
  }

  private sendState(now: number, to: string, reply: boolean): void {
    this.host.sendReliable(now, to, CounterMsg.state, json({ slots: [...this.slots], reply }));
  }

  private finish(seq: number): void {
    const p = this.pending.get(seq);
    if (p === undefined) return;
    this.pending.delete(seq);
    this.host.clearTimer({ kind: 'ack-timeout', seq });
    this.host.emit({ type: 'acked', seq, acks: [...p.acks].sort(), wanted: p.wanted });
  }
}

/** One node of a world as the counter's checker sees it. */
export interface CounterNodeView {
  readonly name: string;
  readonly state: 'up' | 'paused' | 'crashed';
  /** Its counter (undefined while crashed, or if it does not run one). */
  readonly service: CounterService | undefined;
}

/** What the counter's checker reports (one line per problem; none = pass). */
export interface CounterChecker {
  /** Invariants that hold after every step. */
  checkStep(now: number, nodes: readonly CounterNodeView[]): string[];
  /** Convergence after the world ran quiet. */
  checkConverged(now: number, nodes: readonly CounterNodeView[]): string[];
}

/**
 * The counter's checker: `issued` counts the increments the test made at each node (its own,
 * independent model). After every step no node may know more than was issued; at convergence every
 * node that is up holds exactly the issued vector.
 */
export function counterChecker(issued: ReadonlyMap<string, number>): CounterChecker {
  const describe = (v: ReadonlyMap<string, number>): string =>
    [...v]
      .sort((a, b) => (a[0] < b[0] ? -1 : 1))
      .map(([k, n]) => `${k}=${n}`)
      .join(' ');
  return {
    checkStep(_now: number, nodes: readonly CounterNodeView[]): string[] {
      const problems: string[] = [];
      for (const n of nodes) {
        for (const [owner, count] of n.service?.vector() ?? []) {
          if (count > (issued.get(owner) ?? 0))
            problems.push(
              `${n.name} holds ${owner}=${count}, more than the ${issued.get(owner) ?? 0} issued`,
            );
        }
      }
      return problems;
    },
    checkConverged(_now: number, nodes: readonly CounterNodeView[]): string[] {
      const want = describe(new Map([...issued].filter(([, n]) => n > 0)));
      const problems: string[] = [];
      for (const n of nodes) {
        if (n.state !== 'up') continue;
        const got = describe(n.service?.vector() ?? new Map());
        if (got !== want) problems.push(`${n.name} holds {${got}}, expected {${want}}`);
      }
      return problems;
    },
  };
}
