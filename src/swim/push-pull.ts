/**
 * Push-pull anti-entropy and join (memberlist memberlist.go Join, state.go pushPull /
 * pushPullTrigger, net.go sendLocalState / mergeRemoteState, util.go pushPullScale): a full state
 * exchange over one TCP stream, both ways. The merge rules themselves live in membership.ts.
 */
import type { Address, StreamFailure } from '../core/io.js';
import type { SwimDelegate, SwimEvent } from './api.js';
import type { SwimConfig } from './config.js';
import { PUSH_PULL_TIMER, type SwimDeadlines, type SwimTimer } from './timers.js';
import type { Membership } from './membership.js';
import { ALIVE } from './members.js';
import type { Sender } from './sender.js';
import type { Logger, Metrics } from '../core/logger.js';
import type { Random } from '../core/random.js';
import type { PushPull } from '../wire/messages.js';
import type { Writer } from '../wire/msgpack.js';
import { encodeStreamMessage } from '../wire/memberlist-codec.js';
import { openStream } from '../wire/stream.js';

/** Below this many members the push-pull interval is not scaled (util.go pushPullScaleThreshold). */
export const PUSH_PULL_SCALE_THRESHOLD = 32;

/**
 * The periodic push-pull interval for `n` known members: unchanged up to 32, then multiplied by
 * `ceil(log2(n) − log2(32)) + 1` (33–64 → ×2, 65–128 → ×3, …) so that the total state-exchange
 * traffic of a cluster grows only logarithmically.
 */
export function pushPullScaleMs(intervalMs: number, n: number): number {
  if (n <= PUSH_PULL_SCALE_THRESHOLD) return intervalMs;
  const multiplier = Math.ceil(Math.log2(n) - Math.log2(PUSH_PULL_SCALE_THRESHOLD)) + 1;
  return multiplier * intervalMs;
}

/** Everything the exchange shares with the rest of the core. */
export interface PushPullDeps {
  readonly config: SwimConfig;
  readonly heap: SwimDeadlines;
  readonly membership: Membership;
  readonly delegate: SwimDelegate | undefined;
  readonly sender: Sender;
  readonly random: Random;
  readonly events: SwimEvent[];
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly writer: Writer;
  /** Our advertised port: a remote entry with port 0 means "same as yours" (protocol < 2). */
  readonly selfPort: number;
  /** Count (and drop) undecodable input. */
  readonly decodeError: (count: number, e: unknown) => void;
}

interface PendingJoin {
  pending: number;
  contacted: number;
  readonly errors: { addr: Address; reason: string }[];
}

/** Largest encoded local state the exchange keeps for reuse (about 1,000 members). */
const MAX_CACHED_STATE_BYTES = 64 * 1024;

/** See the module comment. */
export class PushPullExchange {
  private readonly d: PushPullDeps;
  private readonly joins = new Map<number, PendingJoin>();
  private nextJoinId = 0;
  private cache:
    | {
        version: number;
        join: boolean;
        userState: Uint8Array;
        encoded: Uint8Array;
        sealed: Uint8Array | undefined;
      }
    | undefined;

  constructor(deps: PushPullDeps) {
    this.d = deps;
  }

  /** Schedule the first periodic push-pull after a random stagger (state.go pushPullTrigger). */
  start(now: number): void {
    const c = this.d.config;
    if (c.pushPullIntervalMs > 0)
      this.d.heap.set(PUSH_PULL_TIMER, now + this.d.random.int(c.pushPullIntervalMs));
  }

  /** After a step threw half-way (a bug): the periodic exchange is armed again. */
  restoreSchedule(now: number): void {
    const c = this.d.config;
    if (c.pushPullIntervalMs > 0 && !this.d.heap.has(PUSH_PULL_TIMER))
      this.d.heap.set(PUSH_PULL_TIMER, now + c.pushPullIntervalMs);
  }

  /** Run a due deadline if it is ours; returns false for keys owned by others. */
  onDeadline(now: number, key: SwimTimer): boolean {
    if (key.kind !== 'push-pull') return false;
    this.periodic(now);
    return true;
  }

  /** Push-pull (Join=true) with each seed; a `join-result` with the returned id follows. */
  join(now: number, seeds: readonly Address[]): number {
    const d = this.d;
    const requestId = ++this.nextJoinId;
    if (seeds.length === 0) {
      d.events.push({ type: 'join-result', requestId, contacted: 0, errors: [] });
      return requestId;
    }
    this.joins.set(requestId, { pending: seeds.length, contacted: 0, errors: [] });
    for (const seed of seeds) {
      const to: Address = Object.freeze({ ip: seed.ip, port: seed.port });
      const state = this.localState(true);
      if (state === undefined) this.joinStep(requestId, to, 'our state could not be encoded');
      else d.sender.openStream(to, state, now + d.config.tcpTimeoutMs, { kind: 'join', requestId, seed: to });
    }
    return requestId;
  }

  /**
   * An inbound push-pull: our state goes back first, then theirs is merged (net.go handleConn).
   * Null (close without a reply) when our state could not be encoded.
   */
  inbound(now: number, from: Address, pp: PushPull): Uint8Array | null {
    const reply = this.localState(pp.join);
    const err = this.merge(now, pp, pp.join);
    if (err !== undefined) this.d.logger.debug({ from, err }, 'failed push/pull merge');
    return reply ?? null;
  }

  /**
   * The reply of a push-pull we started (`join` says which kind). Returns true when it was a join
   * whose reply merged (we now know the seed's members).
   */
  onReply(
    now: number,
    pending: { kind: 'join'; requestId: number; seed: Address } | { kind: 'push-pull' },
    reply: Uint8Array | StreamFailure,
  ): boolean {
    const d = this.d;
    const join = pending.kind === 'join';
    let err: string | undefined;
    if (!(reply instanceof Uint8Array)) {
      err = describeFailure(reply);
    } else {
      try {
        const m = openStream(reply, d.config.keyring);
        if (m.type === 'err') err = `remote error: ${m.body.error}`;
        else if (m.type !== 'pushPull') err = `received invalid msgType (${m.type}), expected pushPull`;
        else err = this.merge(now, m.body, join);
      } catch (e) {
        d.decodeError(1, e);
        err = e instanceof Error ? e.message : String(e);
      }
    }
    if (pending.kind === 'join') this.joinStep(pending.requestId, pending.seed, err);
    else if (err !== undefined) d.logger.debug({ err }, 'push/pull failed');
    return join && err === undefined;
  }

  /** Join streams still awaited, over all join requests (for invariant checks). */
  pendingJoinStreams(): number {
    let n = 0;
    for (const j of this.joins.values()) n += j.pending;
    return n;
  }

  /** state.go pushPull: a state exchange with one random alive member, then the next one scheduled. */
  private periodic(now: number): void {
    const d = this.d;
    const m = d.membership;
    d.heap.set(PUSH_PULL_TIMER, now + pushPullScaleMs(d.config.pushPullIntervalMs, m.table.count));
    const target = m.kRandomMembers(1, (id) => id === m.selfId || m.table.state[id] !== ALIVE)[0];
    if (target === undefined) return;
    const state = this.localState(false);
    if (state === undefined) return;
    d.sender.openStream(m.addressOf(target), state, now + d.config.tcpTimeoutMs, { kind: 'push-pull' });
  }

  /** Merge a received push-pull (net.go mergeRemoteState); returns an error line on failure. */
  private merge(now: number, pp: PushPull, join: boolean): string | undefined {
    const d = this.d;
    const nodes = pp.nodes.map((n) => (n.port === 0 ? { ...n, port: d.selfPort } : n));
    const err = d.membership.verifyProtocol(nodes);
    if (err !== undefined) {
      d.metrics.incr('memberlist_push_pull_incompatible');
      return err;
    }
    d.membership.mergeState(now, nodes);
    if (pp.userState.length > 0) d.delegate?.mergeRemoteState(now, pp.userState, join);
    return undefined;
  }

  private joinStep(requestId: number, seed: Address, err: string | undefined): void {
    const j = this.joins.get(requestId);
    if (j === undefined) return;
    j.pending--;
    if (err === undefined) j.contacted++;
    else j.errors.push({ addr: seed, reason: `Failed to join ${seed.ip}: ${err}` });
    if (j.pending === 0) {
      this.joins.delete(requestId);
      this.d.events.push({ type: 'join-result', requestId, contacted: j.contacted, errors: j.errors });
    }
  }

  /**
   * Our full state as a sealed push-pull stream message (net.go sendLocalState). Encoding (and,
   * without encryption, compressing) thousands of members is the costliest thing the core does,
   * so the result is reused while the member table and the delegate state are unchanged.
   * Undefined when it cannot be encoded (the sender counted and logged it).
   */
  private localState(join: boolean): Uint8Array | undefined {
    const d = this.d;
    const userState = d.delegate?.localState(join) ?? new Uint8Array(0);
    const version = d.membership.table.version;
    const c = this.cache;
    let encoded: Uint8Array;
    if (c !== undefined && c.version === version && c.join === join && bytesEqual(c.userState, userState)) {
      if (c.sealed !== undefined) return c.sealed;
      encoded = c.encoded;
    } else {
      try {
        encoded = encodeStreamMessage(
          { type: 'pushPull', body: { join, nodes: d.membership.localNodes(), userState } },
          d.writer,
        );
      } catch (e) {
        d.sender.dropped('stream', e);
        return undefined;
      }
    }
    const sealed = d.sender.sealStreamBytes(encoded);
    if (sealed === undefined) return undefined;
    // A large state is not kept: with thousands of members the table changes between two
    // exchanges (minutes apart at that size) so the cache would rarely hit, and a simulator holding
    // 10,000 cores would keep ~1 MiB each (10 GiB). Re-encoding costs time, never behaviour.
    if (encoded.length > MAX_CACHED_STATE_BYTES) {
      this.cache = undefined;
      return sealed;
    }
    // With a keyring every stream needs a fresh nonce: only the encoding can be reused.
    this.cache = {
      version,
      join,
      userState: userState.slice(),
      encoded,
      sealed: d.config.keyring === null ? sealed : undefined,
    };
    return sealed;
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function describeFailure(f: StreamFailure): string {
  switch (f.kind) {
    case 'refused':
      return 'connection refused';
    case 'unreachable':
      return 'no answer to the connection attempt (host unreachable)';
    case 'timeout':
      return 'i/o timeout';
    case 'closed':
      return 'connection closed before a complete reply';
    case 'error':
      return f.message;
  }
}
