/**
 * Serf queries end to end (serf: serf/serf.go `Query`, `handleQuery`, `handleQueryResponse`,
 * `relayResponse`; serf/query.go; serf/internal_query.go; serf/conflict in `resolveNodeConflict`):
 *
 * - incoming: the query clock, dedupe (queries.ts), filters, acks, delivery as a `query` event
 *   (or, for our multicast extension, as a `user` event), the internal `_serf_*` queries (ping,
 *   conflict, the key operations), and responses with their relayed copies;
 * - outgoing: the queries we start (user queries, multicasts, key operations, name-conflict
 *   resolution), their acks/responses and their end.
 *
 * The pure bookkeeping (dedupe ring, filters, reply routing) is in queries.ts, relay choice in
 * relay.ts, key answers in keys.ts, the conflict tally in conflict.ts.
 */
import type { Address } from '../core/io.js';
import type { MemberInfo } from '../swim/api.js';
import { ConfigError, GossipError, StateError, TooLargeError } from '../wire/errors.js';
import type { SerfFilter, SerfMember, SerfQuery, SerfQueryResponse } from '../wire/messages.js';
import * as codec from './codec.js';
import { ConflictTally } from './conflict.js';
import type { ClusterContext } from './context.js';
import {
  KeyResponseTally,
  answerKeyQuery,
  fitKeyList,
  isKeyQuery,
  type KeyQuery,
  type MutableKeyring,
} from './keys.js';
import { LamportClock, type LamportTime } from './lamport.js';
import { MemberStatusCode, type Member } from './members.js';
import {
  OutgoingQueries,
  QueryBuffer,
  QueryFlags,
  defaultQueryTimeoutMs,
  shouldProcessQuery,
} from './queries.js';
import { pickRelayMembers } from './relay.js';

/** Prefix of Serf's internal queries (serf: internal_query.go). */
export const INTERNAL_QUERY_PREFIX = '_serf_';
/** Prefix of our multicast extension: a query whose receivers deliver a user event (docs/multicast.md). */
export const MULTICAST_QUERY_PREFIX = 'gp-multicast:';

/** Query options (serf: `QueryParam`). */
export interface QueryOptions {
  /** Only these nodes process the query. */
  readonly filterNodes?: readonly string[];
  /** Only nodes whose tag matches (unanchored Go regex) process the query. */
  readonly filterTags?: Readonly<Record<string, string>>;
  /** Ask every processing node for an ack. */
  readonly requestAck?: boolean;
  /** Extra relayed copies of every ack/response (0…255). */
  readonly relayFactor?: number;
  /** Response window; default GossipInterval × QueryTimeoutMult × ceil(log10(n + 1)). */
  readonly timeoutMs?: number;
}

/** A query we started. */
export interface QueryHandle {
  readonly lTime: LamportTime;
  readonly id: number;
  readonly deadline: number;
}

/** An incoming query we delivered and may still answer. */
interface PendingResponse {
  readonly lTime: LamportTime;
  readonly id: number;
  readonly addr: Uint8Array;
  readonly port: number;
  readonly sourceNode: string;
  readonly relayFactor: number;
  readonly deadline: number;
}

/** Why we started an outgoing query. */
type QueryPurpose =
  | { readonly kind: 'user' }
  | { readonly kind: 'key'; readonly requestId: number; readonly tally: KeyResponseTally }
  | { readonly kind: 'conflict'; readonly tally: ConflictTally };

const EMPTY = new Uint8Array(0);

/** See the module comment. */
export class QueryEngine {
  /** The query Lamport clock. */
  readonly clock = new LamportClock();
  /** Queries below this LTime are not processed (0 = none; set after a snapshot restore). */
  private minTime: LamportTime = 0;
  private readonly seen: QueryBuffer;
  private readonly outgoing = new OutgoingQueries();
  private readonly purposes = new Map<LamportTime, QueryPurpose>();
  private readonly pending = new Map<number, PendingResponse>();
  private nextQueryHandle = 1;
  private nextKeyRequest = 1;
  private conflictRunning = false;

  /**
   * @param keyring the keyring key queries act on (null without encryption)
   * @param onLostConflict we lost a name conflict: stop the node (the `shutdown` event follows)
   */
  constructor(
    private readonly c: ClusterContext,
    private readonly keyring: MutableKeyring | null,
    private readonly onLostConflict: () => void,
  ) {
    this.seen = new QueryBuffer(c.cfg.queryBuffer);
  }

  /** After a snapshot restore: queries up to `lTime` were seen before, never again. */
  restoredUpTo(lTime: LamportTime): void {
    this.minTime = lTime + 1;
  }

  // ------------------------------------------------------------------ commands

  /** See `Serf.query`. */
  query(now: number, name: string, payload: Uint8Array, opts: QueryOptions): QueryHandle {
    return this.start(now, name, payload, opts, { kind: 'user' });
  }

  /** See `Serf.multicast`. */
  multicast(
    now: number,
    name: string,
    payload: Uint8Array,
    filter: { readonly tags?: Readonly<Record<string, string>>; readonly nodes?: readonly string[] },
  ): QueryHandle {
    return this.start(
      now,
      MULTICAST_QUERY_PREFIX + name,
      payload,
      { filterTags: filter.tags, filterNodes: filter.nodes, requestAck: false },
      { kind: 'user' },
    );
  }

  /** See `Serf.respond`. */
  respond(now: number, queryId: number, payload: Uint8Array): void {
    const p = this.pending.get(queryId);
    if (p === undefined) throw new StateError('response already sent, past the deadline, or unknown query');
    if (now > p.deadline) {
      this.pending.delete(queryId);
      throw new StateError('response is past the deadline');
    }
    this.sendResponse(now, p, payload);
    this.pending.delete(queryId);
  }

  /** See `Serf.keyOperation`. */
  keyOperation(now: number, op: KeyQuery, key: Uint8Array, relayFactor: number): number {
    const requestId = this.nextKeyRequest++;
    const payload = codec.encodeKeyRequest({ key: op === 'list-keys' ? EMPTY : key });
    const tally = new KeyResponseTally(this.c.swim.numAlive());
    this.start(now, INTERNAL_QUERY_PREFIX + op, payload, { relayFactor }, { kind: 'key', requestId, tally });
    return requestId;
  }

  /** Swim saw an alive claim our name (or another's) at another address. */
  onConflict(now: number, existing: MemberInfo, other: MemberInfo): void {
    const c = this.c;
    if (existing.name !== c.cfg.nodeName) {
      c.log.warn({ node: existing.name, other: other.addr }, 'serf: name conflict');
      return;
    }
    c.log.error({ other: other.addr }, 'serf: node name conflicts with another node');
    if (!c.cfg.enableNameConflictResolution || this.conflictRunning || c.state() !== 'alive') return;
    this.conflictRunning = true;
    const payload = new TextEncoder().encode(c.cfg.nodeName);
    this.start(
      now,
      INTERNAL_QUERY_PREFIX + 'conflict',
      payload,
      {},
      { kind: 'conflict', tally: new ConflictTally(c.swim.self.addr) },
    );
  }

  // ------------------------------------------------------------------ time

  /** End the queries whose window closed and forget the answers no longer allowed. */
  expire(now: number): void {
    for (const lTime of this.outgoing.expire(now)) this.finish(lTime);
    for (const [handle, p] of this.pending) if (p.deadline <= now) this.pending.delete(handle);
  }

  /** The earliest end of an outgoing query. */
  nextDeadline(): number | undefined {
    return this.outgoing.nextDeadline();
  }

  // ------------------------------------------------------------------ incoming

  /** One query (gossiped, or ours). Returns whether to re-gossip it. */
  handleQuery(now: number, q: SerfQuery): boolean {
    const c = this.c;
    this.clock.witness(q.lTime);
    const outcome = this.seen.record(q.lTime, q.id, this.clock.time(), this.minTime);
    if (outcome !== 'new') return false;
    c.metrics.incr('serf_queries');
    const rebroadcast = (q.flags & QueryFlags.noBroadcast) === 0;
    // Even when our filters fail, a first-seen query is re-gossiped (serf handleQuery).
    if (!shouldProcessQuery(decodeFilters(q.filters), c.cfg.nodeName, new Map(Object.entries(c.tags())))) {
      return rebroadcast;
    }
    let source: Address;
    try {
      source = { ip: codec.ipFromBytes(q.addr), port: q.port };
    } catch {
      return rebroadcast;
    }
    const p: PendingResponse = {
      lTime: q.lTime,
      id: q.id,
      addr: q.addr,
      port: q.port,
      sourceNode: q.sourceNode,
      relayFactor: q.relayFactor,
      deadline: now + Math.floor(q.timeout / 1e6),
    };
    if ((q.flags & QueryFlags.ack) !== 0) {
      const ack: SerfQueryResponse = {
        lTime: q.lTime,
        id: q.id,
        from: c.cfg.nodeName,
        flags: QueryFlags.ack,
        payload: null,
      };
      this.sendReply(now, p, source, codec.encodeSerfMessage({ type: 'queryResponse', body: ack }));
    }
    c.snap?.query(q.lTime);
    const payload = q.payload ?? EMPTY;
    if (q.name.startsWith(INTERNAL_QUERY_PREFIX)) {
      this.handleInternal(now, q.name.slice(INTERNAL_QUERY_PREFIX.length), payload, p);
    } else if (q.name.startsWith(MULTICAST_QUERY_PREFIX)) {
      const name = q.name.slice(MULTICAST_QUERY_PREFIX.length);
      c.emit({ type: 'user', lTime: q.lTime, name, payload, coalesce: false, multicast: true });
    } else {
      const queryId = this.nextQueryHandle++;
      this.pending.set(queryId, p);
      c.emit({
        type: 'query',
        queryId,
        lTime: q.lTime,
        name: q.name,
        payload,
        sourceNode: q.sourceNode,
        source,
        deadline: p.deadline,
      });
    }
    return rebroadcast;
  }

  /** An ack or response to one of our queries. */
  handleResponse(now: number, resp: SerfQueryResponse): void {
    const c = this.c;
    const r = this.outgoing.handleReply(now, resp);
    if (r.kind === 'dropped') {
      c.log.debug({ reason: r.reason, lTime: resp.lTime, from: resp.from }, 'serf: query reply dropped');
      return;
    }
    const purpose = this.purposes.get(r.lTime);
    if (purpose === undefined) return;
    if (purpose.kind === 'user') {
      if (r.kind === 'ack') c.emit({ type: 'query-ack', queryLTime: r.lTime, from: r.from });
      else c.emit({ type: 'query-response', queryLTime: r.lTime, from: r.from, payload: r.payload });
      return;
    }
    if (r.kind !== 'response') return;
    if (purpose.kind === 'key') {
      let decoded;
      try {
        decoded = codec.decodeKeyResponse(r.payload);
      } catch {
        decoded = 'invalid' as const;
      }
      purpose.tally.add(r.from, decoded);
      if (purpose.tally.done()) {
        this.outgoing.close(r.lTime);
        this.finish(r.lTime);
      }
    } else {
      let m: SerfMember | null;
      try {
        m = codec.decodeConflictResponse(r.payload);
      } catch {
        return; // serf logs and skips undecodable conflict answers
      }
      let addr: Address | null = null;
      if (m !== null) {
        try {
          addr = { ip: codec.ipFromBytes(m.addr), port: m.port };
        } catch {
          addr = null;
        }
      }
      purpose.tally.add(addr === null ? null : { addr });
    }
  }

  // ------------------------------------------------------------------ internals

  private handleInternal(now: number, name: string, payload: Uint8Array, p: PendingResponse): void {
    const c = this.c;
    if (name === 'ping') return; // the ack (if asked for) is the whole answer
    if (name === 'conflict') {
      const node = new TextDecoder().decode(payload);
      if (node === c.cfg.nodeName) return;
      const m = c.table.get(node);
      this.trySendResponse(now, p, codec.encodeConflictResponse(m === undefined ? null : toSerfMember(m)));
      return;
    }
    if (isKeyQuery(name)) {
      let req: { key: Uint8Array } | 'invalid';
      try {
        req = codec.decodeKeyRequest(payload);
      } catch {
        req = 'invalid';
      }
      let resp = answerKeyQuery(name, req, this.keyring);
      if (name === 'list-keys') {
        const limit = c.cfg.queryResponseSizeLimit;
        const fitted = fitKeyList(
          resp,
          limit,
          (r) => this.responseSize(p, codec.encodeKeyResponse(r)) <= limit,
        );
        if (fitted === null) return;
        resp = fitted;
      }
      this.trySendResponse(now, p, codec.encodeKeyResponse(resp));
      return;
    }
    c.log.warn({ query: name }, 'serf: unhandled internal query');
  }

  private responseSize(p: PendingResponse, payload: Uint8Array): number {
    const r: SerfQueryResponse = { lTime: p.lTime, id: p.id, from: this.c.cfg.nodeName, flags: 0, payload };
    return codec.encodeSerfMessage({ type: 'queryResponse', body: r }).length;
  }

  private trySendResponse(now: number, p: PendingResponse, payload: Uint8Array): void {
    try {
      this.sendResponse(now, p, payload);
    } catch (err) {
      this.c.log.debug({ err }, 'serf: internal query response not sent');
    }
  }

  /** Build, size-check and send one response (+ relays). Throws before sending anything. */
  private sendResponse(now: number, p: PendingResponse, payload: Uint8Array): void {
    const cfg = this.c.cfg;
    const resp: SerfQueryResponse = { lTime: p.lTime, id: p.id, from: cfg.nodeName, flags: 0, payload };
    const raw = codec.encodeSerfMessage({ type: 'queryResponse', body: resp });
    if (raw.length > cfg.queryResponseSizeLimit) {
      throw new TooLargeError(`response exceeds limit of ${cfg.queryResponseSizeLimit} bytes`);
    }
    if (now > p.deadline) throw new StateError('response is past the deadline');
    const source = { ip: codec.ipFromBytes(p.addr), port: p.port };
    this.sendReply(now, p, source, raw);
  }

  /** Send an ack/response to the querier and through up to RelayFactor relays (serf relayResponse). */
  private sendReply(now: number, p: PendingResponse, to: Address, raw: Uint8Array): void {
    const c = this.c;
    c.sendTo(now, to, raw);
    if (p.relayFactor === 0) return;
    const relays = pickRelayMembers(p.relayFactor, c.table.all(), c.cfg.nodeName, c.random);
    if (relays.length === 0) return;
    const relayed = codec.encodeSerfMessage({
      type: 'relay',
      header: { destAddr: { ip: p.addr, port: p.port, zone: '' }, destName: p.sourceNode },
      inner: raw,
    });
    if (relayed.length > c.cfg.queryResponseSizeLimit) return; // serf: "relayed response exceeds limit"
    for (const m of relays) c.sendTo(now, m.addr, relayed);
  }

  private start(
    now: number,
    name: string,
    payload: Uint8Array,
    opts: QueryOptions,
    purpose: QueryPurpose,
  ): QueryHandle {
    const c = this.c;
    const cfg = c.cfg;
    if (cfg.protocolVersion < 4) throw new GossipError('GP_ERR_STATE', 'Feature not supported');
    const problems: string[] = [];
    const rf = opts.relayFactor ?? 0;
    if (!Number.isInteger(rf) || rf < 0 || rf > 255)
      problems.push(`relayFactor: must be an integer 0…255 (got ${rf})`);
    if (
      opts.timeoutMs !== undefined &&
      (!Number.isInteger(opts.timeoutMs) || opts.timeoutMs <= 0 || opts.timeoutMs > 2 ** 31)
    ) {
      problems.push(`timeoutMs: must be a positive integer number of ms (got ${opts.timeoutMs})`);
    }
    if (problems.length > 0) throw new ConfigError(problems);
    const timeoutMs =
      opts.timeoutMs ?? defaultQueryTimeoutMs(cfg.gossipIntervalMs, cfg.queryTimeoutMult, c.swim.numAlive());
    const filters: Uint8Array[] = [];
    if (opts.filterNodes !== undefined && opts.filterNodes.length > 0) {
      filters.push(codec.encodeFilter({ type: 'node', nodes: [...opts.filterNodes] }));
    }
    for (const [tag, expr] of Object.entries(opts.filterTags ?? {}))
      filters.push(codec.encodeFilter({ type: 'tag', tag, expr }));
    const self = c.swim.self;
    const q: SerfQuery = {
      lTime: this.clock.time(),
      id: c.random.nextU32() & 0x7fffffff,
      addr: codec.ipToBytes(self.addr.ip),
      port: self.addr.port,
      sourceNode: self.name,
      filters: filters.length > 0 ? filters : null,
      flags: opts.requestAck === true ? QueryFlags.ack : 0,
      relayFactor: opts.relayFactor ?? 0,
      timeout: timeoutMs * 1e6,
      name,
      payload,
    };
    const raw = codec.encodeSerfMessage({ type: 'query', body: q });
    if (raw.length > cfg.querySizeLimit)
      throw new TooLargeError(`query exceeds limit of ${cfg.querySizeLimit} bytes`);
    const deadline = now + timeoutMs;
    this.outgoing.register(q.lTime, q.id, deadline, opts.requestAck === true);
    this.purposes.set(q.lTime, purpose);
    this.handleQuery(now, q);
    c.broadcasts.queue('query', raw);
    return { lTime: q.lTime, id: q.id, deadline };
  }

  private finish(lTime: LamportTime): void {
    const c = this.c;
    const purpose = this.purposes.get(lTime);
    this.purposes.delete(lTime);
    if (purpose === undefined) return;
    if (purpose.kind === 'user') {
      c.emit({ type: 'query-done', queryLTime: lTime });
    } else if (purpose.kind === 'key') {
      c.emit({ type: 'key-result', requestId: purpose.requestId, result: purpose.tally.result() });
    } else {
      this.conflictRunning = false;
      const { responses, matching } = purpose.tally.counts();
      if (purpose.tally.keep()) {
        c.log.info({ responses, matching }, 'serf: majority in name conflict resolution');
      } else {
        c.log.warn({ responses, matching }, 'serf: minority in name conflict resolution, quitting');
        this.onLostConflict();
        c.emit({ type: 'shutdown', reason: 'name-conflict', responses, matching });
      }
    }
  }
}

/** Query filters as decoded, or `'invalid'` when one cannot be decoded (serf then refuses the query). */
function decodeFilters(raw: Uint8Array[] | null): SerfFilter[] | 'invalid' {
  const out: SerfFilter[] = [];
  for (const f of raw ?? []) {
    try {
      out.push(codec.decodeFilter(f));
    } catch {
      return 'invalid';
    }
  }
  return out;
}

/** A member as `_serf_conflict` answers it (serf: `Member` on the wire). */
function toSerfMember(m: Member): SerfMember {
  return {
    name: m.name,
    addr: codec.ipToBytes(m.addr.ip),
    port: m.addr.port,
    tags: new Map(Object.entries(m.tags)),
    status: MemberStatusCode[m.status],
    protocolMin: m.protocolMin,
    protocolMax: m.protocolMax,
    protocolCur: m.protocolCur,
    delegateMin: m.delegateMin,
    delegateMax: m.delegateMax,
    delegateCur: m.delegateCur,
  };
}
