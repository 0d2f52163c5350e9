/**
 * The pure part of a balancer: the current candidates, the requests in flight to each, the load
 * figures members publish, and a {@link Strategy}. The runtime keeps the candidates current from
 * membership events (a member that turns suspect or failed is removed before the next pick) and
 * gives the round-trip estimates; nothing here does I/O or reads a clock other than `now`.
 *
 * The load of a candidate, as `least-loaded` and `nearest` see it, is what this balancer has in
 * flight to it plus the figure the member last published, if that figure is younger than
 * `maxLoadAgeMs` (a stale figure is worse than none: it would steer everyone by old news).
 */
import type { Random } from '../core/random.js';
import { NoCandidateError } from '../wire/errors.js';
import { createStrategy, type Candidate, type NearestOptions, type Strategy } from './strategies.js';

/** Options of a {@link Balancer}. */
export interface BalancerOptions {
  /** Strategy name (see strategies.ts). Default `round-robin`. */
  readonly strategy?: string;
  readonly random: Random;
  /** Round trip to a member, seconds (from coordinates), for `nearest`. */
  readonly rttOf?: (name: string) => number | undefined;
  /** Published load figures older than this are ignored. Default 10 000 ms. */
  readonly maxLoadAgeMs?: number;
  readonly nearest?: NearestOptions;
  /** What the error says when nothing matches (e.g. the tag filter). */
  readonly describe?: string;
}

interface Published {
  readonly load: number;
  readonly at: number;
}

/** See the module comment. */
export class Balancer {
  readonly strategy: Strategy;
  private candidates: Candidate[] = [];
  private readonly inFlight = new Map<string, number>();
  private readonly published = new Map<string, Published>();
  private readonly random: Random;
  private readonly rttOf: (name: string) => number | undefined;
  private readonly maxLoadAgeMs: number;
  private readonly describe: string;
  private now = 0;

  constructor(opts: BalancerOptions) {
    this.strategy = createStrategy(opts.strategy ?? 'round-robin', opts.nearest);
    this.random = opts.random;
    this.rttOf = opts.rttOf ?? (() => undefined);
    this.maxLoadAgeMs = opts.maxLoadAgeMs ?? 10_000;
    this.describe = opts.describe ?? 'the balancer';
  }

  /** Replace the candidate set (any order; kept sorted by name). */
  setCandidates(list: readonly Candidate[]): void {
    this.candidates = [...list].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The current candidates, sorted by name. */
  current(): readonly Candidate[] {
    return this.candidates;
  }

  /** Record a load figure `name` published at `now`. */
  setPublishedLoad(name: string, load: number, now: number): void {
    if (Number.isFinite(load) && load >= 0) this.published.set(name, { load, at: now });
  }

  /** Forget what we know about a member that is gone for good. */
  forget(name: string): void {
    this.published.delete(name);
  }

  /** This balancer's in-flight count for `name`. */
  inFlightTo(name: string): number {
    return this.inFlight.get(name) ?? 0;
  }

  /** The load `least-loaded` compares: our in-flight count plus a fresh published figure. */
  loadOf(name: string): number {
    const p = this.published.get(name);
    const fresh = p !== undefined && this.now - p.at <= this.maxLoadAgeMs ? p.load : 0;
    return this.inFlightTo(name) + fresh;
  }

  /**
   * Choose a candidate (never one in `exclude`) and count one request in flight to it (undo with
   * {@link release}). Throws
   * {@link NoCandidateError} when there is none, and a ConfigError when `hash` gets no key; in
   * both cases nothing changed.
   */
  pick(now: number, key?: string, exclude?: ReadonlySet<string>): Candidate {
    this.now = now;
    // `exclude`: members this request already failed on (a retry goes elsewhere).
    const list =
      exclude === undefined || exclude.size === 0
        ? this.candidates
        : this.candidates.filter((c) => !exclude.has(c.name));
    if (list.length === 0) throw new NoCandidateError(`no member to pick for ${this.describe}`);
    const chosen = this.strategy.pick(list, {
      random: this.random,
      key,
      loadOf: (n) => this.loadOf(n),
      rttOf: this.rttOf,
    });
    this.inFlight.set(chosen.name, this.inFlightTo(chosen.name) + 1);
    return chosen;
  }

  /** One request to `name` finished. Extra releases are ignored (the count never goes below 0). */
  release(name: string): void {
    const n = this.inFlightTo(name);
    if (n <= 1) this.inFlight.delete(name);
    else this.inFlight.set(name, n - 1);
  }

  /** Requests in flight through this balancer, all members. */
  totalInFlight(): number {
    let t = 0;
    for (const v of this.inFlight.values()) t += v;
    return t;
  }
}
