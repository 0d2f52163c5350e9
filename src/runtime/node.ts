/**
 * `GossipNode`: a running gossip-peer node — the Serf-compatible core over memberlist's SWIM core,
 * driven by real UDP+TCP sockets and one timer (./driver.ts). Create one with `createNode`
 * (./create-node.ts); its events are in ./events.ts.
 *
 * The node turns calls into core commands and routes the core's results back to the calls waiting
 * for them (joins, leaves, key operations, query answers), each wait abortable (./wait.ts).
 * Nothing here runs at import time: every node owns its sockets and timers (two nodes in one
 * process never share state).
 */
import { EventEmitter } from 'node:events';
import type { Member } from '../cluster/members.js';
import type { MemberFilter } from '../cluster/member-filter.js';
import type { SerfEvent } from '../cluster/events.js';
import type { Serf } from '../cluster/serf.js';
import type { Coordinate } from '../cluster/coordinates/coordinate.js';
import type { KeyOperationResult, KeyQuery } from '../cluster/keys.js';
import type { Address } from '../core/io.js';
import type { Logger } from '../core/logger.js';
import { parseSeedList, seedAddresses, type SeedInput } from '../core/seeds.js';
import { ConfigError, GossipError, StateError } from '../wire/errors.js';
import { keyFromBase64, validateKey } from '../wire/keyring.js';
import type { Clock } from '../transport/clock.js';
import type { TransportError } from '../transport/errors.js';
import type { Transport } from '../transport/net.js';
import type { Driver } from './driver.js';
import { createEventStream, type EventSink, type EventStreamOptions } from './event-stream.js';
import { MemberWatch, type MembershipSource, type WatchOptions } from './member-watch.js';
import { NodeBalancer, type BalancerOptions } from './node-balancer.js';
import { CryptoRandom } from './random.js';
import { toNodeEvent, type GossipNodeEventMap, type NodeEvent, type QueryReply } from './events.js';
import type { SnapshotPersister } from './snapshot-file.js';
import { abortableDelay, abortableWait } from './wait.js';

export type { Member, MemberFilter, KeyOperationResult, Coordinate };

/** Options of the key operations ({@link GossipNode.installKey} …). */
export interface KeyOperationOptions {
  /** Extra relayed copies of every answer (0…255), as `serf keys -relay-factor`. */
  readonly relayFactor?: number;
  /** Stops waiting (the query itself is already out). */
  readonly signal?: AbortSignal;
}

/** Options of {@link GossipNode.query}. */
export interface NodeQueryOptions {
  /** Only these nodes answer. */
  readonly filterNodes?: readonly string[];
  /** Only nodes whose tags match (unanchored Go regex per tag, as Serf). */
  readonly filterTags?: Readonly<Record<string, string>>;
  /** Ask every processing node for an ack. */
  readonly requestAck?: boolean;
  /** Extra relayed copies of every answer (0…255). */
  readonly relayFactor?: number;
  /** Response window; default Serf's (gossip interval × 16 × ceil(log10(n + 1))). */
  readonly timeoutMs?: number;
  /** Stops waiting (the query itself is already out). */
  readonly signal?: AbortSignal;
}

/** Options of {@link GossipNode.join}. */
export interface JoinOptions {
  /** Attempts before giving up with `GP_ERR_JOIN`. Default 1; `Infinity` retries until success or abort. */
  readonly attempts?: number;
  /** Delay before the second attempt, doubled after each failure up to 30 s. Default 1000. */
  readonly retryIntervalMs?: number;
  /** Called after each failed attempt that will be retried. */
  readonly onRetry?: (info: { attempt: number; delayMs: number; errors: readonly string[] }) => void;
  readonly signal?: AbortSignal;
}

/** Cap of the join retry backoff. */
const MAX_JOIN_BACKOFF_MS = 30_000;

function toBytes(p: Uint8Array | string | undefined): Uint8Array {
  if (p === undefined) return new Uint8Array(0);
  return typeof p === 'string' ? new TextEncoder().encode(p) : p;
}

/** A running node. Create it with {@link createNode}. */
export class GossipNode extends EventEmitter<GossipNodeEventMap> {
  /** This node's name in the cluster. */
  readonly name: string;
  /** The bound UDP+TCP address (the real port when port 0 was asked for). */
  readonly address: Address;
  /** The address advertised to peers. */
  readonly advertiseAddress: Address;

  readonly #core: Serf;
  readonly #driver: Driver<SerfEvent>;
  readonly #transport: Transport;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #closer = new AbortController();
  readonly #streams = new Set<EventSink<NodeEvent>>();
  readonly #joinWaiters = new Map<number, (r: { contacted: number; errors: string[] }) => void>();
  readonly #leaveWaiters = new Set<() => void>();
  readonly #queries = new Map<number, EventSink<QueryReply>>();
  readonly #keyWaiters = new Map<number, (r: KeyOperationResult) => void>();
  readonly #persister: SnapshotPersister | undefined;
  readonly #membershipListeners = new Set<() => void>();
  #membershipIndex = 1;
  #balancerRandom: CryptoRandom | undefined;
  #backlog: NodeEvent[] | undefined = [];
  #closing: Promise<void> | undefined;

  /** @internal Use {@link createNode}. */
  constructor(parts: {
    persister?: SnapshotPersister | undefined;
    name: string;
    address: Address;
    advertise: Address;
    core: Serf;
    driver: Driver<SerfEvent>;
    transport: Transport;
    clock: Clock;
    logger: Logger;
  }) {
    super();
    this.name = parts.name;
    this.address = parts.address;
    this.advertiseAddress = parts.advertise;
    this.#core = parts.core;
    this.#driver = parts.driver;
    this.#transport = parts.transport;
    this.#clock = parts.clock;
    this.#log = parts.logger;
    this.#persister = parts.persister;
  }

  /** Whether {@link close} was called (or the node shut itself down). */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** An AbortSignal that fires when the node closes (for tying other work to its lifetime). */
  get closedSignal(): AbortSignal {
    return this.#closer.signal;
  }

  /**
   * Members as this node sees them, including failed and left ones until reaped. Filter by tags
   * (per tag: a string is an anchored Go regex as in `serf members -tag`, so a plain value matches
   * exactly; or a JS RegExp), by status (`alive`, `leaving`, `left`, `failed`, or a regex) and by name.
   * Throws `ConfigError` for an invalid expression.
   */
  members(filter?: MemberFilter): Member[] {
    return this.#core.members(filter);
  }

  /** This node as the cluster sees it. */
  localMember(): Member {
    return this.#core.localMember();
  }

  /**
   * A counter that grows by one at every membership change this node sees (join, update, leave,
   * failure, reap, suspicion raised or cleared): the index of the agent's blocking queries.
   */
  get membershipIndex(): number {
    return this.#membershipIndex;
  }

  /**
   * Watch a set of members: an async iterable that yields the current matching set (sorted by
   * name), then the new set whenever it changes. Filters as {@link members}; `status` defaults to
   * `alive`, and suspect members are left out unless `includeSuspect` (so a caller stops sending
   * to a member as soon as anyone suspects it). A slow consumer gets the newest set, never a
   * backlog. Ends when `signal` aborts, the node closes, or the loop breaks; `await using` works.
   * Throws `ConfigError` for an invalid filter.
   */
  watch(opts: WatchOptions = {}): MemberWatch {
    this.#assertOpen();
    return new MemberWatch(this.#membershipSource(), opts);
  }

  /**
   * A load balancer over the members matching `tags` (docs/balancing.md): `pick(key?)`,
   * `release()`, `run(fn)`; strategies `round-robin` (default), `random`, `least-loaded`,
   * `nearest`, `hash`. Suspect, failed and left members are never picked. Throws `ConfigError`
   * for an unknown strategy or an invalid filter.
   */
  balancer(opts: BalancerOptions = {}): NodeBalancer {
    this.#assertOpen();
    const random = (this.#balancerRandom ??= new CryptoRandom());
    return new NodeBalancer(
      {
        ...this.#membershipSource(),
        random,
        now: () => this.#clock.now(),
        rttSeconds: (name) => this.#core.coordinates()?.rttSeconds(this.name, name),
      },
      opts,
    );
  }

  #membershipSource(): MembershipSource {
    return {
      members: () => this.#core.members(),
      isSuspect: (name) => this.#core.isSuspect(name),
      subscribe: (listener) => {
        this.#membershipListeners.add(listener);
        return () => this.#membershipListeners.delete(listener);
      },
      closedSignal: this.#closer.signal,
    };
  }

  #membershipChanged(): void {
    this.#membershipIndex++;
    for (const l of [...this.#membershipListeners]) {
      try {
        l();
      } catch (err) {
        this.#log.error({ err }, 'membership listener threw');
      }
    }
  }

  /**
   * The Vivaldi network coordinate of `name` (default: this node) as Serf computes it, learnt from
   * the acks of our own probes (docs/coordinates.md); undefined when unknown or when coordinates
   * are disabled. Distances are in seconds, as in serf.
   */
  coordinate(name: string = this.name): Coordinate | undefined {
    return this.#core.coordinates()?.get(name);
  }

  /** Every coordinate this node knows, by node name (its own included); empty when disabled. */
  coordinates(): ReadonlyMap<string, Coordinate> {
    return this.#core.coordinates()?.all() ?? new Map<string, Coordinate>();
  }

  /**
   * Estimated round trip between `a` and `b` (default: this node) in milliseconds, from their
   * coordinates — what `serf rtt a b` prints; undefined when either coordinate is unknown.
   */
  rtt(a: string, b: string = this.name): number | undefined {
    const s = this.#core.coordinates()?.rttSeconds(a, b);
    return s === undefined ? undefined : s * 1000;
  }

  /**
   * Joins a cluster through `seeds` (`IP:PORT` text, addresses or parsed seeds). Resolves with the number of
   * seeds that answered; rejects with `GP_ERR_JOIN` after `attempts` failed attempts, with
   * `GP_ERR_ABORTED` when `signal` aborts or the node closes, `ConfigError` for a bad seed.
   */
  async join(seeds: readonly SeedInput[], opts: JoinOptions = {}): Promise<number> {
    this.#assertOpen();
    const { seeds: parsed, problems } = parseSeedList(seeds, { where: 'seeds', objects: true });
    if (parsed.length === 0 && problems.length === 0) problems.push('seeds: at least one seed is needed');
    if (problems.length > 0) throw new ConfigError(problems);
    const attempts = opts.attempts ?? 1;
    let backoff = opts.retryIntervalMs ?? 1000;
    const signals = [opts.signal, this.#closer.signal];
    for (let attempt = 1; ; attempt++) {
      const result = await this.#joinOnce(seedAddresses(parsed), signals);
      if (result.contacted > 0) return result.contacted;
      if (attempt >= attempts) {
        throw new GossipError(
          'GP_ERR_JOIN',
          `could not join any seed: ${result.errors.join('; ') || 'no answer'}`,
        );
      }
      opts.onRetry?.({ attempt, delayMs: backoff, errors: result.errors });
      this.#log.debug({ attempt, delayMs: backoff, errors: result.errors }, 'join failed, retrying');
      await abortableDelay('join', backoff, signals);
      backoff = Math.min(MAX_JOIN_BACKOFF_MS, backoff * 2);
    }
  }

  #joinOnce(
    seeds: Address[],
    signals: readonly (AbortSignal | undefined)[],
  ): Promise<{ contacted: number; errors: string[] }> {
    return abortableWait('join', signals, (settle) => {
      const id = this.#driver.run((now) => this.#core.join(now, seeds));
      this.#joinWaiters.set(id, settle);
      return () => this.#joinWaiters.delete(id);
    });
  }

  /**
   * Leaves the cluster gracefully: Serf's leave intent, then memberlist's dead-self broadcast, then
   * a short propagation delay; other nodes see `member-leave`. Call {@link close} afterwards.
   * `signal` stops the waiting (the leave goes on until `close`).
   */
  leave(opts: { signal?: AbortSignal } = {}): Promise<void> {
    this.#assertOpen();
    if (this.#core.serfState === 'left') return Promise.resolve();
    return abortableWait<void>('leave', [opts.signal, this.#closer.signal], (settle) => {
      this.#leaveWaiters.add(settle);
      // A leave already under way is waited for, not started again.
      if (this.#core.serfState !== 'leaving') {
        try {
          this.#driver.run((now) => this.#core.leave(now));
        } catch (err) {
          this.#leaveWaiters.delete(settle);
          throw err;
        }
      }
      return () => this.#leaveWaiters.delete(settle);
    });
  }

  /**
   * Replaces this node's tags; every node sees `member-update`. Throws `TooLargeError` above 512
   * encoded bytes (nothing sent), `StateError` after close.
   */
  async setTags(tags: Readonly<Record<string, string>>): Promise<void> {
    this.#assertOpen();
    this.#driver.run((now) => this.#core.setTags(now, tags));
  }

  /**
   * Broadcasts a Serf user event to every node (this one included). Throws `TooLargeError` above
   * Serf's user event limit (512 bytes of name + payload by default).
   *
   * With `tags` and/or `nodes`, the event is a **multicast** to that group only (tags: unanchored
   * Go regex per tag, as `serf query -tag`; nodes: names): it travels as a Serf query with filters
   * and arrives as a `user` event with `multicast: true` on the group's gossip-peer nodes (serf
   * agents in the group see a query named `gp-multicast:<name>`). Limit: Serf's 1024-byte query
   * size. See docs/multicast.md.
   */
  async event(
    name: string,
    payload?: Uint8Array | string,
    opts: {
      coalesce?: boolean;
      tags?: Readonly<Record<string, string>>;
      nodes?: readonly string[];
    } = {},
  ): Promise<void> {
    this.#assertOpen();
    if (opts.tags !== undefined || opts.nodes !== undefined) {
      const filter = {
        ...(opts.tags !== undefined ? { tags: opts.tags } : {}),
        ...(opts.nodes !== undefined ? { nodes: opts.nodes } : {}),
      };
      this.#driver.run((now) => this.#core.multicast(now, name, toBytes(payload), filter));
      return;
    }
    this.#driver.run((now) => this.#core.userEvent(now, name, toBytes(payload), opts.coalesce ?? true));
  }

  /**
   * Installs an encryption key on every node (`serf keys -install`): base64 text or 16/24/32 raw
   * bytes. Resolves when every alive member answered or the query timed out, with the answers;
   * `ok` is false (and `error` says why, as serf prints it) unless every node reported success.
   * Throws `GP_ERR_KEYRING` for a malformed key (nothing sent).
   */
  installKey(key: string | Uint8Array, opts: KeyOperationOptions = {}): Promise<KeyOperationResult> {
    return this.#keyOp('install-key', key, opts);
  }

  /** Makes an installed key the primary (encrypting) key on every node (`serf keys -use`). */
  useKey(key: string | Uint8Array, opts: KeyOperationOptions = {}): Promise<KeyOperationResult> {
    return this.#keyOp('use-key', key, opts);
  }

  /** Removes a key from every node (`serf keys -remove`); nodes refuse to remove their primary. */
  removeKey(key: string | Uint8Array, opts: KeyOperationOptions = {}): Promise<KeyOperationResult> {
    return this.#keyOp('remove-key', key, opts);
  }

  /** Asks every node for its keys (`serf keys -list`): `keys` counts how many nodes have each. */
  listKeys(opts: KeyOperationOptions = {}): Promise<KeyOperationResult> {
    return this.#keyOp('list-keys', new Uint8Array(0), opts);
  }

  #keyOp(op: KeyQuery, key: string | Uint8Array, opts: KeyOperationOptions): Promise<KeyOperationResult> {
    this.#assertOpen();
    let raw: Uint8Array = new Uint8Array(0);
    if (op !== 'list-keys') {
      raw = typeof key === 'string' ? keyFromBase64(key) : key;
      validateKey(raw);
    }
    return abortableWait<KeyOperationResult>(op, [opts.signal, this.#closer.signal], (settle) => {
      const id = this.#driver.run((now) => this.#core.keyOperation(now, op, raw, opts.relayFactor ?? 0));
      this.#keyWaiters.set(id, settle);
      return () => this.#keyWaiters.delete(id);
    });
  }

  /**
   * Sends a Serf query and yields acks and responses until its timeout. Throws `TooLargeError`
   * above the query size limit (nothing sent).
   */
  query(
    name: string,
    payload?: Uint8Array | string,
    opts: NodeQueryOptions = {},
  ): AsyncIterableIterator<QueryReply> {
    this.#assertOpen();
    const { signal, ...rest } = opts;
    let lTime = -1;
    const { sink, iterable } = createEventStream<QueryReply>(
      signal ? { signal, maxBuffered: 65_536 } : { maxBuffered: 65_536 },
      () => {},
      () => this.#queries.delete(lTime),
    );
    const handle = this.#driver.run((now) =>
      this.#core.query(now, name, toBytes(payload), {
        ...(rest.filterNodes ? { filterNodes: rest.filterNodes } : {}),
        ...(rest.filterTags ? { filterTags: rest.filterTags } : {}),
        ...(rest.requestAck !== undefined ? { requestAck: rest.requestAck } : {}),
        ...(rest.relayFactor !== undefined ? { relayFactor: rest.relayFactor } : {}),
        ...(rest.timeoutMs !== undefined ? { timeoutMs: rest.timeoutMs } : {}),
      }),
    );
    lTime = handle.lTime;
    if (signal?.aborted) sink.end();
    else this.#queries.set(lTime, sink);
    return iterable;
  }

  /**
   * Every event from now on as an async iterator (bounded: a consumer that falls more than
   * `maxBuffered` events behind loses the oldest, with a warning logged). Ends at close or abort.
   */
  events(opts: EventStreamOptions = {}): AsyncIterableIterator<NodeEvent> {
    const holder: { sink?: EventSink<NodeEvent> } = {};
    const { sink, iterable } = createEventStream<NodeEvent>(
      opts,
      (dropped) => this.#log.warn({ dropped }, 'event consumer too slow: dropped the oldest events'),
      () => {
        if (holder.sink) this.#streams.delete(holder.sink);
      },
    );
    holder.sink = sink;
    if (this.closed) sink.end();
    else this.#streams.add(sink);
    return iterable;
  }

  /**
   * Stops the node at once: no leave message (others will declare it failed; call {@link leave}
   * first for a graceful exit). Closes the sockets, ends event iterators, rejects pending joins
   * and leaves with `GP_ERR_ABORTED`. Idempotent.
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closing = (async () => {
      this.#closer.abort();
      this.#driver.stop();
      this.#core.shutdown();
      this.#persister?.stop();
      for (const s of this.#streams) s.end();
      for (const s of this.#queries.values()) s.end();
      this.#joinWaiters.clear();
      this.#keyWaiters.clear();
      this.#leaveWaiters.clear();
      await this.#transport.close();
    })();
    return this.#closing;
  }

  /** `await using node = await createNode(…)` closes the node at scope exit. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** @internal Starts delivering events held back while `createNode` was running. */
  releaseBacklog(): void {
    const backlog = this.#backlog;
    this.#backlog = undefined;
    for (const e of backlog ?? []) this.#dispatch(e);
  }

  /** @internal The driver's event sink: application events out, command results to their waiters. */
  onCoreEvent(e: SerfEvent): void {
    const ts = this.#clock.now();
    // Watches and balancers follow membership: every member event and every suspicion change.
    if (e.type === 'suspicion' || e.type.startsWith('member-')) this.#membershipChanged();
    const event = toNodeEvent(e, ts, (queryId, payload) => {
      this.#assertOpen();
      this.#driver.run((now) => this.#core.respond(now, queryId, toBytes(payload)));
    });
    if (event !== undefined) {
      this.#deliver(event);
      return;
    }
    switch (e.type) {
      case 'query-ack':
        this.#queries.get(e.queryLTime)?.push({ type: 'ack', from: e.from });
        return;
      case 'query-response':
        this.#queries.get(e.queryLTime)?.push({ type: 'response', from: e.from, payload: e.payload });
        return;
      case 'query-done':
        this.#queries.get(e.queryLTime)?.end();
        return;
      case 'join-result': {
        const w = this.#joinWaiters.get(e.requestId);
        this.#joinWaiters.delete(e.requestId);
        w?.({
          contacted: e.contacted,
          errors: e.errors.map((x) => `${x.addr.ip}:${x.addr.port}: ${x.reason}`),
        });
        return;
      }
      case 'leave-done': {
        const waiters = [...this.#leaveWaiters];
        this.#leaveWaiters.clear();
        for (const w of waiters) w();
        return;
      }
      case 'shutdown':
        this.#log.warn({ reason: e.reason }, 'node shut itself down');
        this.#deliver({ type: 'shutdown', reason: e.reason, ts });
        void this.close();
        return;
      case 'key-result': {
        const w = this.#keyWaiters.get(e.requestId);
        this.#keyWaiters.delete(e.requestId);
        w?.(e.result);
        return;
      }
      default:
        return;
    }
  }

  /** @internal The driver's transport-error sink. */
  onTransportError(error: TransportError): void {
    this.#log.debug({ err: error, op: error.op }, 'transport error');
    this.#deliver({ type: 'transport-error', error, ts: this.#clock.now() });
  }

  #deliver(e: NodeEvent): void {
    if (this.#backlog !== undefined) this.#backlog.push(e);
    else this.#dispatch(e);
  }

  #dispatch(e: NodeEvent): void {
    for (const s of this.#streams) s.push(e);
    try {
      this.emit(e.type, e as never);
    } catch (err) {
      this.#log.error({ err, event: e.type }, 'event listener threw');
    }
  }

  #assertOpen(): void {
    if (this.closed) throw new StateError('node is closed');
  }
}
