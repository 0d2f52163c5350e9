/**
 * The agent's HTTP API endpoints (served by ./http.ts). All answers are JSON; members are shown as
 * in ./event-format.ts (`addr` is the IP, `port` the gossip port).
 *
 * | method | path | does |
 * |---|---|---|
 * | GET | `/v1/members?tag=k=v&status=s&name=n` | members as this agent sees them; filters are anchored Go regexes as `serf members -tag/-status/-name` (tag repeatable) → `{"members":[…],"index":N}`, N also in header `X-Gossip-Peer-Index` |
 * | GET | `/v1/members?…&index=N&wait=30s` | a blocking query (Consul's): with N ≥ the current index, answers once the filtered set changes or `wait` passes (default 5m, at most 10m); with an older N, at once |
 * | GET | `/v1/pick?tag=k=v&strategy=s&key=k` | one balancer pick among the alive, unsuspected members matching the tags → `{"name","addr","port","service":{"ip","port"},"strategy"}`; 503 `GP_ERR_NO_CANDIDATE` when none |
 * | GET | `/v1/self` | this node → `{"member":{…},"bind":"ip:port","advertise":"ip:port","detector":"adaptive"}` |
 * | POST | `/v1/leave` | graceful leave; answers `{"left":true}` once it is done, then the agent exits 0 |
 * | POST | `/v1/event` | body `{"name","payload"?,"encoding"?:"utf8"\|"base64","coalesce"?,"filterTags"?,"filterNodes"?}` → a Serf user event; with a filter, a multicast to that group (docs/multicast.md) |
 * | POST | `/v1/tags` | body `{"set"?:{k:v},"delete"?:[k]}` → `{"tags":{…}}` (all nodes see member-update) |
 * | POST | `/v1/query` | body `{"name","payload"?,"encoding"?,"filterNodes"?,"filterTags"?,"requestAck"?,"relayFactor"?,"timeoutMs"?}` → NDJSON lines `{"type":"ack","from"}`, `{"type":"response","from","payload","encoding"}`, then `{"type":"done","acks":n,"responses":n}` |
 * | POST | `/v1/keys` | body `{"op":"install"\|"use"\|"remove"\|"list","key"?,"relayFactor"?}` → the cluster-wide result as `serf keys` tallies it: `{"ok","error"?,"numNodes","numResp","numErr","messages","keys","primaryKeys"}` |
 * | GET | `/v1/coordinates?node=n` | network coordinates this agent knows (all, or one node's: an empty list when unknown) → `{"coordinates":[{"node","coord":{"vec","error","adjustment","height"}}]}`, seconds as in serf |
 * | GET | `/metrics` | Prometheus text (prom-client), names after memberlist/Serf |
 */
import type { Registry } from 'prom-client';
import type { GossipNode } from '../runtime/node.js';
import type { NodeBalancer } from '../runtime/node-balancer.js';
import type { StrategyName } from '../balance/strategies.js';
import type { Detector } from '../swim/config.js';
import { formatAddress } from '../core/io.js';
import { parseTag } from './config.js';
import { memberDetailJson, payloadJson } from './event-format.js';
import { ApiError, type ApiRequest, type ApiRoute } from './http.js';

/** What the endpoints act on. */
export interface AgentApiContext {
  readonly node: GossipNode;
  /** The metrics registry (loaded on the first call), or undefined when metrics are off. */
  readonly registry: (() => Promise<Registry>) | undefined;
  /** The failure detector the node runs (`/v1/self` reports it). */
  readonly detector: Detector;
  /** Graceful leave, then the agent shuts down; resolves when the leave is done. */
  leave(): Promise<void>;
  /** The balancers behind /v1/pick (insertion order = age); the agent closes them with the node. */
  readonly balancers: Map<string, NodeBalancer>;
}

function badRequest(message: string): ApiError {
  return new ApiError(400, 'GP_ERR_CONFIG', message);
}

/** The body as an object with only `allowed` keys; throws 400 otherwise. */
async function objectBody(req: ApiRequest, allowed: readonly string[]): Promise<Record<string, unknown>> {
  const body = await req.json();
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw badRequest('body: must be a JSON object');
  const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw badRequest(`body: unknown field(s) ${unknown.join(', ')}`);
  return body as Record<string, unknown>;
}

function optString(b: Record<string, unknown>, k: string): string | undefined {
  const v = b[k];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw badRequest(`${k}: must be a string`);
  return v;
}

function optBool(b: Record<string, unknown>, k: string): boolean | undefined {
  const v = b[k];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw badRequest(`${k}: must be true or false`);
  return v;
}

function optInt(b: Record<string, unknown>, k: string, min: number, max: number): number | undefined {
  const v = b[k];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw badRequest(`${k}: must be an integer between ${min} and ${max}`);
  return v;
}

function stringMap(b: Record<string, unknown>, k: string): Record<string, string> | undefined {
  const v = b[k];
  if (v === undefined) return undefined;
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw badRequest(`${k}: must be an object of strings`);
  for (const [kk, vv] of Object.entries(v))
    if (typeof vv !== 'string') throw badRequest(`${k}.${kk}: must be a string`);
  return v as Record<string, string>;
}

function stringList(b: Record<string, unknown>, k: string): string[] | undefined {
  const v = b[k];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw badRequest(`${k}: must be a list of strings`);
  return v as string[];
}

/** `payload` + `encoding` fields → bytes. */
function payloadOf(b: Record<string, unknown>): Uint8Array {
  const payload = optString(b, 'payload') ?? '';
  const encoding = optString(b, 'encoding') ?? 'utf8';
  if (encoding === 'utf8') return new TextEncoder().encode(payload);
  if (encoding === 'base64') {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(payload) || payload.length % 4 !== 0)
      throw badRequest('payload: not valid base64');
    return new Uint8Array(Buffer.from(payload, 'base64'));
  }
  throw badRequest('encoding: must be utf8 or base64');
}

/** Header carrying the membership index of an answer (Consul's `X-Consul-Index`). */
export const INDEX_HEADER = 'x-gossip-peer-index';
/** A blocking query waits at most this long (Consul's cap). */
export const MAX_WAIT_MS = 10 * 60_000;
/** …and this long when `index` is given without `wait` (Consul's default). */
export const DEFAULT_WAIT_MS = 5 * 60_000;

/** `30s`, `500ms`, `5m`, `1h`, or plain milliseconds → ms; undefined when malformed. */
export function parseWait(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text);
  if (m === null) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 'ms'] as number;
  return Math.round(Number(m[1]) * unit);
}

/** `tag=k=v` parameters → a tag filter; throws 400 for a malformed one. */
function tagParams(q: URLSearchParams): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const t of q.getAll('tag')) {
    const kv = parseTag(t);
    if (typeof kv === 'string') throw badRequest(`tag: ${kv}`);
    tags[kv[0]] = kv[1];
  }
  return tags;
}

function checkParams(q: URLSearchParams, allowed: readonly string[]): void {
  for (const k of q.keys())
    if (!allowed.includes(k)) throw badRequest(`unknown parameter ${k} (${allowed.join(', ')})`);
}

/**
 * Wait until the set `filter` selects differs from what it is now, `waitMs` passes, or the client
 * goes away. Suspect members count as they do in the answer (Serf status, suspicion ignored).
 */
async function waitForChange(
  node: GossipNode,
  filter: { tags: Record<string, string>; status?: string; name?: string },
  waitMs: number,
  signal: AbortSignal,
): Promise<void> {
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(onAbort, waitMs);
  try {
    const watch = node.watch({
      tags: filter.tags,
      status: filter.status ?? '.*',
      ...(filter.name !== undefined ? { name: filter.name } : {}),
      includeSuspect: true,
      signal: stop.signal,
    });
    await watch.next(); // the set as it is now
    await watch.next(); // the next change, or done on timeout/abort/close
    await watch.return();
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}

const members: ApiRoute<AgentApiContext> = {
  method: 'GET',
  path: '/v1/members',
  async handle(req, { node }) {
    const q = req.url.searchParams;
    checkParams(q, ['tag', 'status', 'name', 'index', 'wait']);
    const tags = tagParams(q);
    const status = q.get('status') ?? undefined;
    const name = q.get('name') ?? undefined;
    const filter = {
      tags,
      ...(status !== undefined ? { status } : {}),
      ...(name !== undefined ? { name } : {}),
    };
    const indexText = q.get('index');
    const waitText = q.get('wait');
    if (waitText !== null && indexText === null) throw badRequest('wait: only with index');
    // Validate the filter before blocking on it.
    node.members(filter);
    if (indexText !== null) {
      if (!/^\d{1,15}$/.test(indexText)) throw badRequest('index: must be a non-negative integer');
      const waitMs = waitText === null ? DEFAULT_WAIT_MS : parseWait(waitText);
      if (waitMs === undefined || waitMs > MAX_WAIT_MS)
        throw badRequest('wait: a duration such as 30s, 500ms or 5m, at most 10m');
      // An index older than ours: the caller has not seen the current set yet, answer at once.
      if (Number(indexText) >= node.membershipIndex) await waitForChange(node, filter, waitMs, req.signal);
    }
    const list = node.members(filter);
    return {
      json: { members: list.map(memberDetailJson), index: node.membershipIndex },
      headers: { [INDEX_HEADER]: String(node.membershipIndex) },
    };
  },
};

/** Balancers behind /v1/pick, one per (tags, strategy), so round-robin keeps its place. */
const PICK_BALANCERS_MAX = 64;

const pick: ApiRoute<AgentApiContext> = {
  method: 'GET',
  path: '/v1/pick',
  handle(req, ctx) {
    const q = req.url.searchParams;
    checkParams(q, ['tag', 'strategy', 'key']);
    const tags = tagParams(q);
    const strategy = q.get('strategy') ?? 'round-robin';
    const key = q.get('key') ?? undefined;
    const id = JSON.stringify([Object.entries(tags).sort(), strategy]);
    let b = ctx.balancers.get(id);
    if (b === undefined) {
      b = ctx.node.balancer({ tags, strategy: strategy as StrategyName });
      if (ctx.balancers.size >= PICK_BALANCERS_MAX) {
        const [oldestId, oldest] = ctx.balancers.entries().next().value as [string, NodeBalancer];
        oldest.close();
        ctx.balancers.delete(oldestId);
      }
      ctx.balancers.set(id, b);
    }
    // A one-shot pick over HTTP: nothing stays in flight.
    const p = b.pick(key);
    p.release();
    return {
      json: {
        name: p.name,
        addr: p.member.addr.ip,
        port: p.member.addr.port,
        service: { ip: p.service.ip, port: p.service.port },
        strategy: b.strategy,
      },
    };
  },
};

const coordinates: ApiRoute<AgentApiContext> = {
  method: 'GET',
  path: '/v1/coordinates',
  handle(req, { node }) {
    const q = req.url.searchParams;
    for (const k of q.keys()) if (k !== 'node') throw badRequest(`unknown parameter ${k} (node)`);
    const only = q.get('node');
    const all = node.coordinates();
    const names = only !== null ? (all.has(only) ? [only] : []) : [...all.keys()].sort();
    return {
      json: {
        coordinates: names.map((n) => {
          const c = all.get(n) as NonNullable<ReturnType<typeof all.get>>;
          return {
            node: n,
            coord: { vec: [...c.vec], error: c.error, adjustment: c.adjustment, height: c.height },
          };
        }),
      },
    };
  },
};

const self: ApiRoute<AgentApiContext> = {
  method: 'GET',
  path: '/v1/self',
  handle(_req, { node, detector }) {
    return {
      json: {
        member: memberDetailJson(node.localMember()),
        bind: formatAddress(node.address),
        advertise: formatAddress(node.advertiseAddress),
        detector,
      },
    };
  },
};

const leave: ApiRoute<AgentApiContext> = {
  method: 'POST',
  path: '/v1/leave',
  async handle(req, ctx) {
    await objectBody(req, []);
    await ctx.leave();
    return { json: { left: true } };
  },
};

const event: ApiRoute<AgentApiContext> = {
  method: 'POST',
  path: '/v1/event',
  async handle(req, { node }) {
    const b = await objectBody(req, ['name', 'payload', 'encoding', 'coalesce', 'filterTags', 'filterNodes']);
    const name = optString(b, 'name');
    if (name === undefined || name === '') throw badRequest('name: required');
    const coalesce = optBool(b, 'coalesce');
    const filterTags = stringMap(b, 'filterTags');
    const filterNodes = stringList(b, 'filterNodes');
    await node.event(name, payloadOf(b), {
      ...(coalesce !== undefined ? { coalesce } : {}),
      ...(filterTags !== undefined ? { tags: filterTags } : {}),
      ...(filterNodes !== undefined ? { nodes: filterNodes } : {}),
    });
    return { json: {} };
  },
};

const tags: ApiRoute<AgentApiContext> = {
  method: 'POST',
  path: '/v1/tags',
  async handle(req, { node }) {
    const b = await objectBody(req, ['set', 'delete']);
    const set = stringMap(b, 'set') ?? {};
    const del = stringList(b, 'delete') ?? [];
    const next: Record<string, string> = { ...node.localMember().tags, ...set };
    for (const k of del) delete next[k];
    await node.setTags(next);
    return { json: { tags: next } };
  },
};

const query: ApiRoute<AgentApiContext> = {
  method: 'POST',
  path: '/v1/query',
  async handle(req, { node }) {
    const b = await objectBody(req, [
      'name',
      'payload',
      'encoding',
      'filterNodes',
      'filterTags',
      'requestAck',
      'relayFactor',
      'timeoutMs',
    ]);
    const name = optString(b, 'name');
    if (name === undefined || name === '') throw badRequest('name: required');
    const filterNodes = stringList(b, 'filterNodes');
    const filterTags = stringMap(b, 'filterTags');
    const requestAck = optBool(b, 'requestAck');
    const relayFactor = optInt(b, 'relayFactor', 0, 255);
    const timeoutMs = optInt(b, 'timeoutMs', 1, 3_600_000);
    // Started before the stream is answered, so a bad query is a plain 400.
    const replies = node.query(name, payloadOf(b), {
      ...(filterNodes ? { filterNodes } : {}),
      ...(filterTags ? { filterTags } : {}),
      ...(requestAck !== undefined ? { requestAck } : {}),
      ...(relayFactor !== undefined ? { relayFactor } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      signal: req.signal,
    });
    async function* lines(): AsyncGenerator<unknown> {
      let acks = 0;
      let responses = 0;
      for await (const r of replies) {
        if (r.type === 'ack') {
          acks++;
          yield { type: 'ack', from: r.from };
        } else {
          responses++;
          yield { type: 'response', from: r.from, ...payloadJson(r.payload) };
        }
      }
      yield { type: 'done', acks, responses };
    }
    return { ndjson: lines() };
  },
};

const keys: ApiRoute<AgentApiContext> = {
  method: 'POST',
  path: '/v1/keys',
  async handle(req, { node }) {
    const b = await objectBody(req, ['op', 'key', 'relayFactor']);
    const op = optString(b, 'op');
    const key = optString(b, 'key');
    const relayFactor = optInt(b, 'relayFactor', 0, 255);
    const opts = { ...(relayFactor !== undefined ? { relayFactor } : {}), signal: req.signal };
    if (op === 'list') {
      if (key !== undefined) throw badRequest('key: not used by list');
      return { json: await node.listKeys(opts) };
    }
    if (op !== 'install' && op !== 'use' && op !== 'remove')
      throw badRequest('op: must be install, use, remove or list');
    if (key === undefined || key === '') throw badRequest(`key: required for ${op}`);
    const run = op === 'install' ? node.installKey : op === 'use' ? node.useKey : node.removeKey;
    return { json: await run.call(node, key, opts) };
  },
};

const metrics: ApiRoute<AgentApiContext> = {
  method: 'GET',
  path: '/metrics',
  async handle(_req, { registry }) {
    if (registry === undefined) throw new ApiError(404, 'GP_ERR_NOT_FOUND', 'metrics are off');
    const reg = await registry();
    return { text: await reg.metrics(), contentType: reg.contentType };
  },
};

/** Every endpoint of the agent's API. */
export const agentRoutes: readonly ApiRoute<AgentApiContext>[] = [
  members,
  self,
  coordinates,
  pick,
  leave,
  event,
  tags,
  query,
  keys,
  metrics,
];
