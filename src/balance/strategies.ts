/**
 * How a balancer chooses one member among the candidates (pure: every random choice comes from the
 * injected {@link Random}, every figure from the {@link PickContext}).
 *
 * - `round-robin`: the next name after the last one picked, in name order — even shares, and a
 *   member joining or leaving does not restart the cycle.
 * - `random`: uniform.
 * - `least-loaded`: the power of two choices (Mitzenmacher, "The Power of Two Choices in
 *   Randomized Load Balancing", 2001): two distinct random candidates, the less loaded one wins.
 *   Nearly as good as asking everyone, and no herd: stale figures cannot send every request to
 *   the one member that looked idle.
 * - `nearest`: the candidates whose estimated round trip (Vivaldi coordinates) is within a spread
 *   of the best — `rtt ≤ best × (1 + spread) + slack` — then the power of two choices on load among
 *   them, so a cluster of equally near members shares the work instead of one taking it all.
 *   Candidates without a coordinate yet rank after every one with; with none known, all count.
 * - `hash`: rendezvous (highest-random-weight) hashing, Thaler & Ravishankar 1998: each candidate
 *   scores `hash(name, key)`, the highest wins. When a member joins, it takes only the keys it now
 *   wins (≈ 1/N of them); when one leaves, only its keys move. No ring, no virtual nodes, O(N) a pick.
 */
import type { Address } from '../core/io.js';
import type { Random } from '../core/random.js';
import { ConfigError } from '../wire/errors.js';
import { hash53 } from './hash.js';

/** A member a balancer may pick. */
export interface Candidate {
  readonly name: string;
  /** The member's gossip address. */
  readonly addr: Address;
  readonly tags: Readonly<Record<string, string>>;
}

/** The strategies by name. */
export const STRATEGY_NAMES = ['round-robin', 'random', 'least-loaded', 'nearest', 'hash'] as const;

/** One of {@link STRATEGY_NAMES}. */
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/** What a strategy may ask about the candidates. */
export interface PickContext {
  readonly random: Random;
  /** The affinity key (`hash` requires one; the others ignore it). */
  readonly key?: string | undefined;
  /** Load figure of a candidate: lower is better (in-flight requests, or what the member publishes). */
  loadOf(name: string): number;
  /** Estimated round trip to a candidate in seconds, undefined without coordinates. */
  rttOf(name: string): number | undefined;
}

/** A strategy instance (some keep state between picks, e.g. round-robin's position). */
export interface Strategy {
  readonly name: StrategyName;
  /** Choose one of `candidates` (non-empty, sorted by name). */
  pick(candidates: readonly Candidate[], ctx: PickContext): Candidate;
}

/** Tuning of the `nearest` strategy. */
export interface NearestOptions {
  /** Relative spread above the best estimate still counted as near. Default 0.5 (50 %). */
  readonly spread?: number;
  /** Absolute slack in seconds added to the window (estimates below ~1 ms are noise). Default 0.001. */
  readonly slackSeconds?: number;
}

/** Create a strategy by name; throws {@link ConfigError} for an unknown one. */
export function createStrategy(name: string, opts: NearestOptions = {}): Strategy {
  switch (name) {
    case 'round-robin':
      return new RoundRobin();
    case 'random':
      return { name: 'random', pick: (c, ctx) => c[ctx.random.int(c.length)] as Candidate };
    case 'least-loaded':
      return { name: 'least-loaded', pick: (c, ctx) => twoChoices(c, ctx) };
    case 'nearest':
      return nearest(opts);
    case 'hash':
      return { name: 'hash', pick: rendezvous };
    default:
      throw new ConfigError([
        `strategy: must be one of ${STRATEGY_NAMES.join(', ')} (got ${JSON.stringify(name)})`,
      ]);
  }
}

class RoundRobin implements Strategy {
  readonly name = 'round-robin';
  private last: string | undefined;

  pick(c: readonly Candidate[]): Candidate {
    let next = c[0] as Candidate;
    if (this.last !== undefined) {
      // First name after the last one picked (binary search on the sorted list), else wrap.
      let lo = 0;
      let hi = c.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((c[mid] as Candidate).name <= this.last) lo = mid + 1;
        else hi = mid;
      }
      if (lo < c.length) next = c[lo] as Candidate;
    }
    this.last = next.name;
    return next;
  }
}

/** Two distinct random candidates; the lower load wins, a tie goes to the first drawn. */
function twoChoices(c: readonly Candidate[], ctx: PickContext): Candidate {
  if (c.length === 1) return c[0] as Candidate;
  const i = ctx.random.int(c.length);
  let j = ctx.random.int(c.length - 1);
  if (j >= i) j++;
  const a = c[i] as Candidate;
  const b = c[j] as Candidate;
  return ctx.loadOf(b.name) < ctx.loadOf(a.name) ? b : a;
}

function nearest(opts: NearestOptions): Strategy {
  const spread = opts.spread ?? 0.5;
  const slack = opts.slackSeconds ?? 0.001;
  if (!(spread >= 0) || !(slack >= 0))
    throw new ConfigError(['nearest: spread and slackSeconds must be ≥ 0']);
  return {
    name: 'nearest',
    pick(c, ctx) {
      let best = Infinity;
      const rtts = c.map((m) => {
        const r = ctx.rttOf(m.name);
        if (r !== undefined && r < best) best = r;
        return r;
      });
      if (best === Infinity) return twoChoices(c, ctx);
      const limit = best * (1 + spread) + slack;
      const near = c.filter(
        (_, i) => (rtts[i] as number | undefined) !== undefined && (rtts[i] as number) <= limit,
      );
      return twoChoices(near, ctx);
    },
  };
}

function rendezvous(c: readonly Candidate[], ctx: PickContext): Candidate {
  const key = ctx.key;
  if (key === undefined) throw new ConfigError(['key: the hash strategy needs a key to pick by']);
  let best = c[0] as Candidate;
  let bestScore = -1;
  for (const m of c) {
    const score = hash53(`${key}\u0000${m.name}`);
    // Ties (rare in 53 bits) go to the smaller name: candidates are sorted, so keep the first.
    if (score > bestScore) {
      best = m;
      bestScore = score;
    }
  }
  return best;
}
