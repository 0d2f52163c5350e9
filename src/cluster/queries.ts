/**
 * Query bookkeeping (serf: serf/serf.go `handleQuery`, `handleQueryResponse`, serf/query.go).
 *
 * - {@link QueryBuffer}: dedupe of incoming queries, a ring of QueryBuffer (512) slots indexed by
 *   `LTime mod 512`, each holding the query IDs seen at that LTime.
 * - {@link OutgoingQueries}: queries this node started, keyed by LTime (1:1, since the query clock
 *   advances for each), collecting acks and responses until the timeout; one ack and one
 *   response per responder (relayed copies are duplicates).
 * - {@link shouldProcessQuery}: the query filters (node list, tag regex) against this node.
 * - {@link defaultQueryTimeoutMs}: GossipInterval × QueryTimeoutMult × ceil(log10(n + 1)).
 */
import type { SerfFilter, SerfQueryResponse } from '../wire/messages.js';
import type { LamportTime } from './lamport.js';
import { compileGoRegexp } from './re2.js';

/** Serf's QueryBuffer default. */
export const DEFAULT_QUERY_BUFFER = 512;

/** Query `Flags` bits (serf: serf/messages.go). */
export const QueryFlags = {
  /** The querier wants an ack from every node that passes the filters. */
  ack: 1,
  /** Receivers must not re-gossip the query. */
  noBroadcast: 2,
} as const;

/** What {@link QueryBuffer.record} decided for one incoming query. */
export type QueryOutcome = 'new' | 'duplicate' | 'too-old' | 'before-min';

/** The ring of recently seen query IDs per LTime. */
export class QueryBuffer {
  private readonly slots: ({ lTime: LamportTime; ids: number[] } | null)[];

  constructor(readonly size: number = DEFAULT_QUERY_BUFFER) {
    this.slots = new Array<{ lTime: LamportTime; ids: number[] } | null>(size).fill(null);
  }

  /**
   * Decide on one incoming query and remember its ID when new. `clock` is the query clock after
   * witnessing `lTime`; `minTime` the minimum query time (0 = none).
   */
  record(lTime: LamportTime, id: number, clock: LamportTime, minTime: LamportTime): QueryOutcome {
    if (lTime < minTime) return 'before-min';
    if (clock > this.size && lTime < clock - this.size) return 'too-old';
    const idx = lTime % this.size;
    let slot = this.slots[idx] ?? null;
    if (slot !== null && slot.lTime === lTime) {
      if (slot.ids.includes(id)) return 'duplicate';
    } else {
      slot = { lTime, ids: [] };
      this.slots[idx] = slot;
    }
    slot.ids.push(id);
    return 'new';
  }
}

/**
 * Whether this node passes every filter of a query. `filters` are decoded filters, or `'invalid'`
 * when one could not be decoded or has an unknown type (Serf then refuses the query). A missing
 * tag matches as the empty string; tag expressions are Go regular expressions, unanchored.
 */
export function shouldProcessQuery(
  filters: readonly SerfFilter[] | 'invalid',
  selfName: string,
  tags: ReadonlyMap<string, string>,
): boolean {
  if (filters === 'invalid') return false;
  for (const f of filters) {
    if (f.type === 'node') {
      if (!f.nodes.includes(selfName)) return false;
    } else {
      const re = compileGoRegexp(f.expr);
      if (re === null || !re.test(tags.get(f.tag) ?? '')) return false;
    }
  }
  return true;
}

/** Serf's default query timeout for `numMembers` alive members (§11.6). */
export function defaultQueryTimeoutMs(
  gossipIntervalMs: number,
  queryTimeoutMult: number,
  numMembers: number,
): number {
  return gossipIntervalMs * queryTimeoutMult * Math.ceil(Math.log10(numMembers + 1));
}

/** One query this node started and is still collecting replies for. */
interface OpenQuery {
  readonly lTime: LamportTime;
  readonly id: number;
  readonly deadline: number;
  readonly wantAcks: boolean;
  readonly acks: Set<string>;
  readonly responses: Set<string>;
}

/** What an incoming reply meant for our open queries. */
export type ReplyOutcome =
  | { readonly kind: 'ack'; readonly lTime: LamportTime; readonly from: string }
  | {
      readonly kind: 'response';
      readonly lTime: LamportTime;
      readonly from: string;
      readonly payload: Uint8Array;
    }
  | { readonly kind: 'dropped'; readonly reason: 'no-such-query' | 'id-mismatch' | 'finished' | 'duplicate' };

/** Queries this node started, collecting acks/responses until their deadlines. */
export class OutgoingQueries {
  private readonly open = new Map<LamportTime, OpenQuery>();

  /** Register a query we are about to send; replies are accepted until `deadline` (ms). */
  register(lTime: LamportTime, id: number, deadline: number, wantAcks: boolean): void {
    this.open.set(lTime, { lTime, id, deadline, wantAcks, acks: new Set(), responses: new Set() });
  }

  /** Whether the query at `lTime` is still open. */
  isOpen(lTime: LamportTime): boolean {
    return this.open.has(lTime);
  }

  /** Route one reply: an accepted ack/response, or why it was dropped (Serf's warnings). */
  handleReply(now: number, resp: SerfQueryResponse): ReplyOutcome {
    const q = this.open.get(resp.lTime);
    if (q === undefined) return { kind: 'dropped', reason: 'no-such-query' };
    if (q.id !== resp.id) return { kind: 'dropped', reason: 'id-mismatch' };
    if (now > q.deadline) return { kind: 'dropped', reason: 'finished' };
    if ((resp.flags & QueryFlags.ack) !== 0) {
      // Serf has no ack channel when the query did not ask for acks: such acks go nowhere.
      if (!q.wantAcks || q.acks.has(resp.from)) return { kind: 'dropped', reason: 'duplicate' };
      q.acks.add(resp.from);
      return { kind: 'ack', lTime: q.lTime, from: resp.from };
    }
    if (q.responses.has(resp.from)) return { kind: 'dropped', reason: 'duplicate' };
    q.responses.add(resp.from);
    return { kind: 'response', lTime: q.lTime, from: resp.from, payload: resp.payload ?? new Uint8Array(0) };
  }

  /** Close every query whose deadline is <= now; returns their LTimes in deadline order. */
  expire(now: number): LamportTime[] {
    const done = [...this.open.values()]
      .filter((q) => q.deadline <= now)
      .sort((a, b) => a.deadline - b.deadline);
    for (const q of done) this.open.delete(q.lTime);
    return done.map((q) => q.lTime);
  }

  /** Close one query early (e.g. the caller stopped listening). */
  close(lTime: LamportTime): void {
    this.open.delete(lTime);
  }

  /** The earliest deadline of an open query. */
  nextDeadline(): number | undefined {
    let min: number | undefined;
    for (const q of this.open.values()) if (min === undefined || q.deadline < min) min = q.deadline;
    return min;
  }
}
