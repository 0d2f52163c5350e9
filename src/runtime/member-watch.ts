/**
 * Watching a set of members (`node.watch({ tags, status })`, the agent's blocking
 * `GET /v1/members?index=`, `gossip-peer members --watch`): the current matching set first, then
 * the new set each time it changes — a member joins or leaves the set, changes status, tags or
 * address, or turns suspect or is cleared of suspicion.
 *
 * Suspect members are left out unless `includeSuspect` is set: a suspect member may be dead, and a
 * client that stops sending to it as soon as anyone suspects it loses at most the requests
 * already in flight. Suspicion is memberlist's state, below Serf's statuses; the node reports it
 * through {@link MembershipSource.isSuspect}.
 *
 * Only the newest set matters to a watcher, so a slow consumer is handed the latest set when it
 * asks, never a backlog: memory stays bounded whatever the churn.
 */
import { compileMemberFilter, type MemberFilter } from '../cluster/member-filter.js';
import type { Member } from '../cluster/members.js';

/** Options of a watch. */
export interface WatchOptions {
  /** Tag filter, as `node.members({ tags })` (anchored Go regex or JS RegExp per tag). */
  readonly tags?: MemberFilter['tags'];
  /** Status filter (regex as in `serf members -status`). Default `alive`. */
  readonly status?: MemberFilter['status'];
  /** Name filter. */
  readonly name?: MemberFilter['name'];
  /** Keep suspect members in the set. Default false: they drop out as soon as they are suspected. */
  readonly includeSuspect?: boolean;
  /** Ends the iteration when aborted. */
  readonly signal?: AbortSignal;
}

/** What a watch reads from the node. */
export interface MembershipSource {
  /** Every member the node knows. */
  members(): Member[];
  /** Whether memberlist currently suspects `name`. */
  isSuspect(name: string): boolean;
  /** Call `listener` after any membership change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
  /** Fires when the node closes (the watch then ends). */
  readonly closedSignal: AbortSignal;
}

/** A compiled selection: the members a watch or balancer considers, sorted by name. */
export type MemberSelector = (source: Pick<MembershipSource, 'members' | 'isSuspect'>) => Member[];

/** Compile the filter part of `opts` once (throws ConfigError for an invalid expression). */
export function compileSelector(opts: Omit<WatchOptions, 'signal'>): MemberSelector {
  const match = compileMemberFilter({
    ...(opts.tags !== undefined ? { tags: opts.tags } : {}),
    status: opts.status ?? 'alive',
    ...(opts.name !== undefined ? { name: opts.name } : {}),
  });
  const includeSuspect = opts.includeSuspect ?? false;
  return (source) =>
    source
      .members()
      .filter((m) => match(m) && (includeSuspect || !source.isSuspect(m.name)))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A string that differs whenever two sets differ in anything a watcher sees. */
export function setSignature(list: readonly Member[]): string {
  return JSON.stringify(
    list.map((m) => [m.name, m.status, m.addr.ip, m.addr.port, Object.entries(m.tags).sort()]),
  );
}

/** See the module comment. */
export class MemberWatch implements AsyncIterableIterator<Member[]>, AsyncDisposable {
  readonly #source: MembershipSource;
  readonly #select: MemberSelector;
  readonly #signal: AbortSignal | undefined;
  readonly #unsubscribe: () => void;
  #lastSignature: string | undefined;
  #pending: Member[] | undefined;
  #waiter: ((r: IteratorResult<Member[]>) => void) | undefined;
  #ended = false;

  constructor(source: MembershipSource, opts: WatchOptions = {}) {
    this.#source = source;
    this.#select = compileSelector(opts);
    this.#signal = opts.signal;
    this.#unsubscribe = source.subscribe(() => this.#changed());
    this.#changed(); // the current set is the first value
    if (opts.signal?.aborted === true || source.closedSignal.aborted) this.#end();
    opts.signal?.addEventListener('abort', this.#end, { once: true });
    source.closedSignal.addEventListener('abort', this.#end, { once: true });
  }

  #changed(): void {
    if (this.#ended) return;
    const set = this.#select(this.#source);
    const sig = setSignature(set);
    if (sig === this.#lastSignature) return;
    this.#lastSignature = sig;
    const w = this.#waiter;
    if (w !== undefined) {
      this.#waiter = undefined;
      w({ value: set, done: false });
    } else {
      this.#pending = set;
    }
  }

  readonly #end = (): void => {
    if (this.#ended) return;
    this.#ended = true;
    this.#pending = undefined;
    this.#unsubscribe();
    this.#signal?.removeEventListener('abort', this.#end);
    this.#source.closedSignal.removeEventListener('abort', this.#end);
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.({ value: undefined, done: true });
  };

  next(): Promise<IteratorResult<Member[]>> {
    const p = this.#pending;
    if (p !== undefined) {
      this.#pending = undefined;
      return Promise.resolve({ value: p, done: false });
    }
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.#waiter = resolve));
  }

  return(): Promise<IteratorResult<Member[]>> {
    this.#end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#end();
  }
}
