/**
 * `node.balancer({ tags, strategy })`: load balancing among the members of a service, on top of
 * the pure {@link Balancer} (src/balance/). The candidate set follows membership as it changes —
 * a member that turns suspect, fails or leaves is out before the next pick, one that joins or is
 * cleared is in — and `nearest` reads round trips from the node's network coordinates.
 *
 * Every pick counts one request in flight to the member until {@link NodeBalancer.release} (or
 * use {@link NodeBalancer.run}, which does both around a function).
 *
 * A member's service address is its gossip IP with the port from its `port` tag when it has a
 * valid one (as `service=api,port=8080`), else its gossip port.
 */
import type { Member } from '../cluster/members.js';
import type { Address } from '../core/io.js';
import type { Random } from '../core/random.js';
import { Balancer } from '../balance/balancer.js';
import { StateError } from '../wire/errors.js';
import type { NearestOptions, StrategyName } from '../balance/strategies.js';
import { compileSelector, type MembershipSource, type WatchOptions } from './member-watch.js';

/** Options of `node.balancer()`. */
export interface BalancerOptions extends Omit<WatchOptions, 'signal'> {
  /** Default `round-robin`. */
  readonly strategy?: StrategyName;
  /** Tuning of `nearest`. */
  readonly nearest?: NearestOptions;
  /** Published load figures older than this are ignored (`least-loaded`). Default 10 000 ms. */
  readonly maxLoadAgeMs?: number;
  /** Stops following membership when aborted (as {@link NodeBalancer.close}). */
  readonly signal?: AbortSignal;
}

/** One pick. */
export interface PickedMember {
  readonly name: string;
  /** Where to send requests: gossip IP, port from the `port` tag (else the gossip port). */
  readonly service: Address;
  readonly member: Member;
  /** The same as `balancer.release(name)`; extra calls are ignored. */
  release(): void;
}

/** What the balancer needs from the node besides membership. */
export interface BalancerHost extends MembershipSource {
  readonly random: Random;
  now(): number;
  /** Estimated round trip from this node to `name`, seconds. */
  rttSeconds(name: string): number | undefined;
}

/** The service address of a member: its IP, and its `port` tag when that is a valid port. */
export function serviceAddress(m: Member): Address {
  const t = m.tags.port;
  const port = t !== undefined && /^\d{1,5}$/.test(t) ? Number(t) : NaN;
  return { ip: m.addr.ip, port: port >= 1 && port <= 65535 ? port : m.addr.port };
}

/** See the module comment. */
export class NodeBalancer implements Disposable {
  readonly #host: BalancerHost;
  readonly #core: Balancer;
  readonly #select: ReturnType<typeof compileSelector>;
  readonly #byName = new Map<string, Member>();
  readonly #unsubscribe: () => void;
  readonly #signal: AbortSignal | undefined;
  #closed = false;

  constructor(host: BalancerHost, opts: BalancerOptions = {}) {
    this.#host = host;
    this.#select = compileSelector(opts);
    const tags = Object.entries(opts.tags ?? {})
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(',');
    this.#core = new Balancer({
      strategy: opts.strategy ?? 'round-robin',
      random: host.random,
      rttOf: (n) => host.rttSeconds(n),
      ...(opts.maxLoadAgeMs !== undefined ? { maxLoadAgeMs: opts.maxLoadAgeMs } : {}),
      ...(opts.nearest !== undefined ? { nearest: opts.nearest } : {}),
      describe: tags === '' ? 'any member' : `members tagged ${tags}`,
    });
    this.#unsubscribe = host.subscribe(() => this.#refresh());
    this.#refresh();
    this.#signal = opts.signal;
    opts.signal?.addEventListener('abort', this.close, { once: true });
    host.closedSignal.addEventListener('abort', this.close, { once: true });
  }

  /** The strategy in use. */
  get strategy(): StrategyName {
    return this.#core.strategy.name;
  }

  /** The members that can be picked now, sorted by name. */
  candidates(): Member[] {
    return this.#core.current().map((c) => this.#byName.get(c.name) as Member);
  }

  /** Requests in flight through this balancer to `name`. */
  inFlight(name: string): number {
    return this.#core.inFlightTo(name);
  }

  #refresh(): void {
    if (this.#closed) return;
    const list = this.#select(this.#host);
    this.#byName.clear();
    for (const m of list) this.#byName.set(m.name, m);
    this.#core.setCandidates(list.map((m) => ({ name: m.name, addr: m.addr, tags: m.tags })));
  }

  /**
   * Pick a member (`key` for the `hash` strategy; never one named in `exclude`, e.g. members a
   * retried request already failed on) and count one request in flight to it. Throws
   * `NoCandidateError` (GP_ERR_NO_CANDIDATE) when no member qualifies, ConfigError when `hash` has
   * no key, StateError after close.
   */
  pick(key?: string, opts: { readonly exclude?: ReadonlySet<string> } = {}): PickedMember {
    if (this.#closed) throw new StateError('balancer is closed');
    const c = this.#core.pick(this.#host.now(), key, opts.exclude);
    const member = this.#byName.get(c.name) as Member;
    let released = false;
    return {
      name: c.name,
      service: serviceAddress(member),
      member,
      release: () => {
        if (released) return;
        released = true;
        this.#core.release(c.name);
      },
    };
  }

  /** One request to `name` finished (prefer {@link PickedMember.release}). */
  release(name: string): void {
    this.#core.release(name);
  }

  /** Record a load figure `name` published (least-loaded adds it to our own in-flight count). */
  setPublishedLoad(name: string, load: number): void {
    this.#core.setPublishedLoad(name, load, this.#host.now());
  }

  /**
   * Pick, run `fn` with the pick, release when it settles (fulfilled or rejected). The pick's
   * errors are thrown before `fn` runs.
   */
  async run<T>(fn: (picked: PickedMember) => Promise<T> | T, key?: string): Promise<T> {
    const p = this.pick(key);
    try {
      return await fn(p);
    } finally {
      p.release();
    }
  }

  /** Stop following membership. Further picks throw. */
  readonly close = (): void => {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    this.#signal?.removeEventListener('abort', this.close);
    this.#host.closedSignal.removeEventListener('abort', this.close);
  };

  [Symbol.dispose](): void {
    this.close();
  }
}
