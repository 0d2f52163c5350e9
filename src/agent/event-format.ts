/**
 * How the agent prints events on stdout (`--events json|text`) and how the HTTP API shows members.
 *
 * JSON: one object per line, printed when the event is delivered (no batching):
 *
 *   {"ts":1764170000123,"node":"web-1","event":"member-failed",
 *    "member":{"name":"web-2","addr":"10.0.0.6","port":7946,"status":"failed","tags":{"role":"web"}}}
 *   {"ts":…,"node":"web-1","event":"user","name":"deploy","payload":"v42","encoding":"utf8","ltime":7,"coalesce":true}
 *   {"ts":…,"node":"web-1","event":"query","name":"load","payload":"","encoding":"utf8","ltime":3,"from":"web-3"}
 *
 * Payloads: `encoding` is `utf8` when the bytes are valid UTF-8 (then `payload` is that text), else
 * `base64` (then `payload` is the base64 of the bytes).
 */
import type { Member } from '../cluster/members.js';
import type { NodeEvent } from '../runtime/events.js';
import { formatAddress } from '../core/io.js';

/** A member as JSON: `addr` is the IP, `port` the gossip port. */
export interface MemberJson {
  name: string;
  addr: string;
  port: number;
  status: string;
  tags: Record<string, string>;
}

/** A member in the HTTP API's lists: {@link MemberJson} plus protocol versions, as `serf members -format json`. */
export interface MemberDetailJson extends MemberJson {
  protocol: { min: number; max: number; version: number };
  delegate: { min: number; max: number; version: number };
}

/** A payload as printable JSON fields. */
export interface PayloadJson {
  payload: string;
  encoding: 'utf8' | 'base64';
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 text when the bytes are valid UTF-8, otherwise base64. */
export function payloadJson(bytes: Uint8Array): PayloadJson {
  try {
    return { payload: strictUtf8.decode(bytes), encoding: 'utf8' };
  } catch {
    return { payload: Buffer.from(bytes).toString('base64'), encoding: 'base64' };
  }
}

/** The member fields every event and list carries. */
export function memberJson(m: Member): MemberJson {
  return { name: m.name, addr: m.addr.ip, port: m.addr.port, status: m.status, tags: { ...m.tags } };
}

/** A member with its protocol versions (the HTTP API's lists). */
export function memberDetailJson(m: Member): MemberDetailJson {
  return {
    ...memberJson(m),
    protocol: { min: m.protocolMin, max: m.protocolMax, version: m.protocolCur },
    delegate: { min: m.delegateMin, max: m.delegateMax, version: m.delegateCur },
  };
}

/**
 * The JSON record of `e` as node `self` delivered it, or undefined for events that are not part
 * of the stream (transport errors and shutdown go to the log).
 */
export function eventRecord(self: string, e: NodeEvent): Record<string, unknown> | undefined {
  const head = { ts: e.ts, node: self, event: e.type };
  switch (e.type) {
    case 'member-join':
    case 'member-update':
    case 'member-leave':
    case 'member-failed':
    case 'member-reap':
      return { ...head, member: memberJson(e.member) };
    case 'user':
      return { ...head, name: e.name, ...payloadJson(e.payload), ltime: e.lTime, coalesce: e.coalesce };
    case 'query':
      return { ...head, name: e.name, ...payloadJson(e.payload), ltime: e.lTime, from: e.sourceNode };
    default:
      return undefined;
  }
}

/** One JSON line (with `\n`) for `e`, or undefined when `e` is not printed. */
export function formatEventJson(self: string, e: NodeEvent): string | undefined {
  const r = eventRecord(self, e);
  return r === undefined ? undefined : `${JSON.stringify(r)}\n`;
}

/** `k=v,k=v` (serf members' tag column). */
export function formatTags(tags: Readonly<Record<string, string>>): string {
  return Object.entries(tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/**
 * One human line (with `\n`) for `e`:
 * `2026-11-26T15:32:20.123Z member-join web-2 10.0.0.6:7946 alive role=web`.
 */
export function formatEventText(_self: string, e: NodeEvent): string | undefined {
  const ts = new Date(e.ts).toISOString();
  switch (e.type) {
    case 'member-join':
    case 'member-update':
    case 'member-leave':
    case 'member-failed':
    case 'member-reap': {
      const tags = formatTags(e.member.tags);
      return `${ts} ${e.type} ${e.member.name} ${formatAddress(e.member.addr)} ${e.member.status}${tags ? ` ${tags}` : ''}\n`;
    }
    case 'user': {
      const p = payloadJson(e.payload);
      return `${ts} user ${e.name} ltime=${e.lTime} ${p.encoding}:${JSON.stringify(p.payload)}\n`;
    }
    case 'query': {
      const p = payloadJson(e.payload);
      return `${ts} query ${e.name} from=${e.sourceNode} ltime=${e.lTime} ${p.encoding}:${JSON.stringify(p.payload)}\n`;
    }
    default:
      return undefined;
  }
}
