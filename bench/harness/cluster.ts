/**
 * A benchmark cluster of one system: its agents (one process each, numbered from 0, node 0 being
 * the seed), every membership event they printed, and each node's view of the others rebuilt
 * from those events. Scenario code asks it to start, kill, leave and wait; it never sleeps to
 * assert, it waits on events with deadlines.
 */
import { BenchAgent, type BenchEvent } from './agent-process.js';
import { driverFor, type Binaries, type Impl, type ImplDriver, type MemberEventKind } from './impls.js';
import { summarize, type Summary } from './stats.js';
import { nowMs, sleep } from './time.js';

/** Where a cluster's ports are: gossip ports `gossipBase + i`, control ports `ctlBase + i`. */
export interface PortPlan {
  readonly gossipBase: number;
  readonly ctlBase: number;
  /** How many node slots (indices) the plan holds. */
  readonly slots: number;
}

/** How cluster formation went: N-1 nodes started at once (bounded concurrency) joining node 0. */
export interface FormationResult {
  readonly nodes: number;
  /** From the first joiner's spawn until every node saw every other alive. */
  readonly allSeeAllMs: number;
  /** From the first joiner's spawn until the last node reported its own join. */
  readonly lastReadyMs: number;
  /** From the last node's own join until every node saw every other: the gossip part. */
  readonly afterLastReadyMs: number;
  /** Per node: spawn until its own join (process start plus the join exchange). */
  readonly startupMs: Summary | null;
}

/** A set of agents that watches itself. */
export class BenchCluster {
  /** Every agent ever started, by name. */
  readonly agents = new Map<string, BenchAgent>();
  /** Every event of every agent, in arrival order. */
  readonly events: BenchEvent[] = [];
  private readonly driver: ImplDriver;
  /** observer → member → the last kind of event seen and when the member was last seen joining. */
  private readonly views = new Map<string, Map<string, { kind: MemberEventKind; joinedAt: number }>>();
  private nextSlot = 0;

  constructor(
    readonly impl: Impl,
    private readonly ports: PortPlan,
    private readonly bin: Binaries,
    /** Every spawned agent is added here too, so the harness can kill them all on exit. */
    private readonly registry: Set<BenchAgent>,
  ) {
    this.driver = driverFor(impl);
  }

  /** Agents that are running and have reported their own join. */
  live(): BenchAgent[] {
    return [...this.agents.values()].filter((a) => a.running && a.readyAt !== undefined);
  }

  /** Running agents, ready or not. */
  running(): BenchAgent[] {
    return [...this.agents.values()].filter((a) => a.running);
  }

  /** `127.0.0.1:port` of an agent. */
  addr(a: BenchAgent): string {
    return `127.0.0.1:${a.spec.port}`;
  }

  /** Starts the next node, joining `join` (none for the first). */
  spawn(join: readonly string[]): BenchAgent {
    const slot = this.nextSlot++;
    if (slot >= this.ports.slots)
      throw new Error(`${this.impl}: no port slot left (${this.ports.slots} planned)`);
    const name = `${this.impl === 'ours' ? 'gp' : 'serf'}-${String(slot).padStart(2, '0')}`;
    const spec = {
      impl: this.impl,
      name,
      port: this.ports.gossipBase + slot,
      ctlPort: this.ports.ctlBase + slot,
      join,
    };
    const a = BenchAgent.start(spec, this.driver, this.bin, (e) => this.record(e));
    this.agents.set(name, a);
    this.registry.add(a);
    return a;
  }

  private record(e: BenchEvent): void {
    this.events.push(e);
    let view = this.views.get(e.observer);
    if (view === undefined) this.views.set(e.observer, (view = new Map()));
    const prev = view.get(e.member);
    view.set(e.member, {
      kind: e.kind === 'update' && prev !== undefined ? prev.kind : e.kind,
      joinedAt: e.kind === 'join' ? e.t : (prev?.joinedAt ?? e.t),
    });
  }

  /**
   * When every live node sees exactly the live nodes alive: the time the last needed join was
   * seen, or undefined if the views do not agree yet.
   */
  convergedAt(): number | undefined {
    const live = this.live();
    const names = new Set(live.map((a) => a.name));
    let last = 0;
    for (const a of live) {
      const view = this.views.get(a.name);
      if (view === undefined) return undefined;
      let alive = 0;
      for (const [member, v] of view) {
        if (v.kind !== 'join') continue;
        if (!names.has(member)) return undefined;
        alive++;
        if (v.joinedAt > last) last = v.joinedAt;
      }
      if (alive !== names.size) return undefined;
    }
    return last;
  }

  /** Waits until the views agree (see {@link convergedAt}); returns that time or throws. */
  async waitConverged(timeoutMs: number): Promise<number> {
    const deadline = nowMs() + timeoutMs;
    for (;;) {
      const t = this.convergedAt();
      if (t !== undefined) return t;
      if (nowMs() > deadline) throw new Error(`${this.impl}: views did not converge in ${timeoutMs} ms`);
      await sleep(25);
    }
  }

  /**
   * Per observer, the harness time of its first `kind` event about `member` at or after event
   * index `from`. Observers that have not printed one are absent.
   */
  seen(
    member: string,
    kind: MemberEventKind,
    from: number,
    observers: readonly string[],
  ): Map<string, number> {
    const want = new Set(observers);
    const out = new Map<string, number>();
    for (let i = from; i < this.events.length; i++) {
      const e = this.events[i] as BenchEvent;
      if (e.kind === kind && e.member === member && want.has(e.observer) && !out.has(e.observer))
        out.set(e.observer, e.t);
    }
    return out;
  }

  /**
   * Waits until every observer printed `kind` about `member` (events from index `from` on), or the
   * deadline passes; observers that stop running are dropped from the wait. Returns what was seen.
   */
  async waitSeen(
    member: string,
    kind: MemberEventKind,
    from: number,
    observers: readonly string[],
    timeoutMs: number,
  ): Promise<Map<string, number>> {
    const deadline = nowMs() + timeoutMs;
    for (;;) {
      const stillUp = observers.filter((o) => this.agents.get(o)?.running ?? false);
      const got = this.seen(member, kind, from, stillUp);
      if (got.size >= stillUp.length || nowMs() > deadline) return got;
      await sleep(20);
    }
  }

  /**
   * Starts node 0, then `nodes - 1` nodes joining it, at most `concurrency` starting at a time,
   * and waits until every node sees every other alive.
   */
  async form(nodes: number, concurrency: number, timeoutMs: number): Promise<FormationResult> {
    const seed = this.spawn([]);
    await seed.waitReady(timeoutMs);
    const seedAddr = [this.addr(seed)];
    const deadline = nowMs() + timeoutMs;
    const t0 = nowMs();
    const starting: BenchAgent[] = [];
    let started = 1;
    while (started < nodes || starting.length > 0) {
      for (let i = starting.length - 1; i >= 0; i--) {
        const a = starting[i] as BenchAgent;
        if (a.readyAt !== undefined) starting.splice(i, 1);
        else if (!a.running) throw new Error(`${a.name} exited while joining:\n${a.output}`);
      }
      while (started < nodes && starting.length < concurrency) {
        starting.push(this.spawn(seedAddr));
        started++;
      }
      if (nowMs() > deadline) throw new Error(`${this.impl}: formation of ${nodes} nodes timed out`);
      await sleep(10);
    }
    const all = await this.waitConverged(Math.max(1000, deadline - nowMs()));
    const joiners = this.live().filter((a) => a !== seed);
    const lastReady = Math.max(...joiners.map((a) => a.readyAt as number), t0);
    return {
      nodes,
      allSeeAllMs: all - t0,
      lastReadyMs: lastReady - t0,
      afterLastReadyMs: Math.max(0, all - lastReady),
      startupMs: summarize(joiners.map((a) => (a.readyAt as number) - a.spawnedAt)),
    };
  }

  /** SIGKILLs every running agent and waits for them to exit. */
  async stopAll(): Promise<void> {
    await Promise.all(this.running().map((a) => a.kill()));
  }
}
