/**
 * Observers of a simulated world that turn core events into verdicts, against the ground truth
 * the world knows (who really crashed, and when):
 *
 * - {@link FailureChecker}: every "X is dead" declaration, classified as a detection of a real
 *   crash or a **false failure** (X was up or paused); detection times to the first and to every
 *   live observer; false suspicions.
 * - {@link viewAgreement}: do all live nodes agree that the up set (alive or suspect) is exactly
 *   the live nodes? Exact, O(N²) member snapshots: for tests and end-of-run checks.
 * - {@link countAgreement}: the same question answered by counts only (`numAlive()`), O(N), for
 *   very large worlds where snapshots are too costly; it cannot tell which members differ.
 */
import type { MemberInfo, SwimEvent } from '../swim/api.js';
import type { ProtocolCore } from '../core/io.js';
import type { World, WorldObserver } from './world.js';

/** What the checkers need of a core beyond the driver contract (SwimCore has all of it). */
export interface MembershipView {
  member(name: string): MemberInfo | undefined;
  members(): MemberInfo[];
  numAlive(): number;
}

/** One step in the story of a false failure (see {@link FalseFailure.timeline}). */
export interface TimelineEntry {
  readonly t: number;
  /**
   * `suspect`: `observer` started suspecting the target (accused by `from`) at `incarnation`;
   * `refute`: the target refuted, now at `incarnation`; `dead`: `observer` declared it dead at
   * `incarnation`; `join`: `observer` saw it alive again at `incarnation`.
   */
  readonly what: 'suspect' | 'refute' | 'dead' | 'join';
  readonly observer: string;
  readonly incarnation: number;
  readonly from?: string;
}

/** A declaration of death of a node that was not crashed. */
export interface FalseFailure {
  readonly t: number;
  readonly observer: string;
  readonly target: string;
  /** The target's state when declared: `up` or `paused`. */
  readonly targetState: string;
  /** The incarnation the observer declared dead. */
  readonly declaredIncarnation: number;
  /** The target's own incarnation at that moment (higher: the observer missed a refutation). */
  readonly targetIncarnation: number;
  /**
   * What happened to the target in the {@link TIMELINE_WINDOW_MS} before (at most
   * {@link TIMELINE_MAX_ENTRIES} entries, the newest kept): suspicions, refutations, deaths.
   */
  readonly timeline: readonly TimelineEntry[];
}

/** How far back a false failure's timeline reaches. */
export const TIMELINE_WINDOW_MS = 60_000;
/** Most entries kept per target for timelines. */
export const TIMELINE_MAX_ENTRIES = 48;

/** One real crash and who detected it when. */
export interface CrashRecord {
  readonly node: number;
  readonly name: string;
  readonly t: number;
  /** Live observers that saw the node up (alive or suspect) when it crashed. */
  readonly expected: ReadonlySet<number>;
  /** Observer → time of its "dead" declaration. */
  readonly detectedBy: Map<number, number>;
  /** Observers in `expected` that crashed later without having detected it. */
  readonly excused: Set<number>;
}

/** Detection delays of one crash (ms after the crash). */
export interface DetectionResult {
  readonly name: string;
  readonly crashedAt: number;
  /** First declaration by anyone, or `undefined` if nobody declared it. */
  readonly firstMs: number | undefined;
  /** Last declaration among the expected observers, if all of them declared it. */
  readonly allMs: number | undefined;
  /** Expected observers still live that never declared it. */
  readonly missing: number;
  /** Every observer's delay, for per-observer distributions. */
  readonly perObserverMs: readonly number[];
}

function isUp(m: MemberInfo | undefined): boolean {
  return m !== undefined && (m.state === 'alive' || m.state === 'suspect');
}

/** Tracks death declarations and suspicions against ground truth. Feed it as a world observer. */
export class FailureChecker<C extends ProtocolCore<SwimEvent>> implements WorldObserver<SwimEvent> {
  readonly falseFailures: FalseFailure[] = [];
  /** Suspect events about nodes that were not crashed (each observer counts). */
  falseSuspicions = 0;
  /** Graceful-leave declarations seen (`left`). */
  lefts = 0;
  readonly crashes: CrashRecord[] = [];
  private readonly current = new Map<number, CrashRecord>();
  /** Recent suspect/refute/dead/join entries per live target, for false-failure timelines. */
  private readonly recent = new Map<number, TimelineEntry[]>();

  constructor(private readonly world: World<C, SwimEvent>) {}

  onCrash(now: number, node: number): void {
    const name = this.world.name(node);
    const expected = new Set<number>();
    for (const o of this.world.liveNodes()) {
      if (o === node) continue;
      const view = this.world.core(o) as unknown as MembershipView | null;
      if (view !== null && isUp(view.member(name))) expected.add(o);
    }
    const rec: CrashRecord = { node, name, t: now, expected, detectedBy: new Map(), excused: new Set() };
    this.crashes.push(rec);
    this.current.set(node, rec);
    // This node was an observer of other crashes: it can no longer detect them.
    for (const other of this.current.values()) {
      if (other !== rec && other.expected.has(node) && !other.detectedBy.has(node)) other.excused.add(node);
    }
  }

  onRestart(_now: number, node: number): void {
    this.current.delete(node);
    this.recent.delete(node);
  }

  onEvent(now: number, observer: number, e: SwimEvent): void {
    if (e.type === 'leave') {
      if (e.member.state === 'left') {
        this.lefts++;
        return;
      }
      const target = this.world.indexOf(e.member.name);
      if (target < 0 || target === observer) return;
      const state = this.world.state(target);
      const crash = this.current.get(target);
      if (state === 'crashed' && crash !== undefined) {
        if (!crash.detectedBy.has(observer)) crash.detectedBy.set(observer, now);
      } else if (state !== 'crashed') {
        const own = this.world.core(target) as unknown as MembershipView | null;
        const name = this.world.name(observer);
        this.note(now, target, { t: now, what: 'dead', observer: name, incarnation: e.member.incarnation });
        this.falseFailures.push({
          t: now,
          observer: name,
          target: e.member.name,
          targetState: state,
          declaredIncarnation: e.member.incarnation,
          targetIncarnation: own?.member(e.member.name)?.incarnation ?? -1,
          timeline: (this.recent.get(target) ?? []).filter((x) => x.t >= now - TIMELINE_WINDOW_MS),
        });
      }
    } else if (e.type === 'suspect') {
      const target = this.world.indexOf(e.member.name);
      if (target >= 0 && this.world.state(target) !== 'crashed') {
        this.falseSuspicions++;
        this.note(now, target, {
          t: now,
          what: 'suspect',
          observer: this.world.name(observer),
          incarnation: e.member.incarnation,
          from: e.from,
        });
      }
    } else if (e.type === 'refute') {
      this.note(now, observer, {
        t: now,
        what: 'refute',
        observer: this.world.name(observer),
        incarnation: e.incarnation,
      });
    } else if (e.type === 'join' && e.member.state === 'alive') {
      const target = this.world.indexOf(e.member.name);
      // Only a target with a story so far (a return from a false death) is worth noting.
      if (target >= 0 && target !== observer && this.recent.has(target)) {
        this.note(now, target, {
          t: now,
          what: 'join',
          observer: this.world.name(observer),
          incarnation: e.member.incarnation,
        });
      }
    }
  }

  /** Remember `entry` about `target`, bounded in count and age. */
  private note(now: number, target: number, entry: TimelineEntry): void {
    let list = this.recent.get(target);
    if (list === undefined) {
      list = [];
      this.recent.set(target, list);
    }
    list.push(entry);
    if (list.length > TIMELINE_MAX_ENTRIES || (list[0] as TimelineEntry).t < now - TIMELINE_WINDOW_MS) {
      let drop = Math.max(0, list.length - TIMELINE_MAX_ENTRIES);
      while (drop < list.length && (list[drop] as TimelineEntry).t < now - TIMELINE_WINDOW_MS) drop++;
      list.splice(0, drop);
    }
  }

  /** Detection delays of every crash so far. */
  detections(): DetectionResult[] {
    return this.crashes.map((c) => {
      const per: number[] = [];
      let first: number | undefined;
      for (const t of c.detectedBy.values()) {
        per.push(t - c.t);
        if (first === undefined || t < first) first = t;
      }
      let missing = 0;
      let last = c.t;
      for (const o of c.expected) {
        if (c.excused.has(o)) continue;
        const t = c.detectedBy.get(o);
        if (t === undefined) missing++;
        else if (t > last) last = t;
      }
      per.sort((a, b) => a - b);
      return {
        name: c.name,
        crashedAt: c.t,
        firstMs: first === undefined ? undefined : first - c.t,
        allMs: missing === 0 && c.expected.size > 0 ? last - c.t : undefined,
        missing,
        perObserverMs: per,
      };
    });
  }
}

/** Outcome of an agreement check. */
export interface Agreement {
  readonly ok: boolean;
  /** Empty when `ok`; otherwise the first disagreement found, for the failure message. */
  readonly detail: string;
}

/**
 * Exact check: every live node (up or paused) sees exactly the live nodes as up (alive, or also
 * suspect unless `strict`), and no crashed node as up. O(live × members).
 */
export function viewAgreement<C extends ProtocolCore<E>, E>(world: World<C, E>, strict = false): Agreement {
  const live = world.liveNodes();
  const liveNames = new Set(live.map((i) => world.name(i)));
  for (const o of live) {
    const view = world.core(o) as unknown as MembershipView | null;
    if (view === null) continue;
    const up = new Set<string>();
    for (const m of view.members()) {
      if (m.state === 'alive' || (!strict && m.state === 'suspect')) up.add(m.name);
    }
    for (const name of liveNames) {
      if (!up.has(name)) return { ok: false, detail: `${world.name(o)} does not see ${name} up` };
    }
    for (const name of up) {
      if (!liveNames.has(name)) return { ok: false, detail: `${world.name(o)} still sees ${name} up` };
    }
  }
  return { ok: true, detail: '' };
}

/**
 * Cheap check: every live node's `numAlive()` (alive + suspect, self included) equals the number
 * of live nodes. Necessary for agreement, not sufficient (a wrong member can offset a missing one).
 */
export function countAgreement<C extends ProtocolCore<E>, E>(world: World<C, E>): Agreement {
  const live = world.liveNodes();
  for (const o of live) {
    const view = world.core(o) as unknown as MembershipView | null;
    if (view === null) continue;
    const n = view.numAlive();
    if (n !== live.length)
      return { ok: false, detail: `${world.name(o)} counts ${n} up of ${live.length} live` };
  }
  return { ok: true, detail: '' };
}

/** Nearest-rank percentile (p in (0, 100]) of an ascending array; `undefined` when empty. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}
