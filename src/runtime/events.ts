/**
 * The events a node delivers to the application, and how the Serf core's events become them.
 *
 * The core emits {@link SerfEvent}s: the application's (member changes, user events, queries) and
 * command results (query answers, join/leave/key results) that the node routes to the call that
 * is waiting for them. {@link toNodeEvent} maps the first kind — the only ones with a public
 * shape — adding the delivery time and, for a query, the means to answer it.
 */
import type { Address } from '../core/io.js';
import type { SerfEvent } from '../cluster/events.js';
import type { Member } from '../cluster/members.js';
import type { TransportError } from '../transport/errors.js';

/** Serf's member event names. */
export type MemberEventType =
  'member-join' | 'member-update' | 'member-leave' | 'member-failed' | 'member-reap';

/** A member joined, changed tags, left gracefully, failed, or was reaped. */
export interface NodeMemberEvent {
  readonly type: MemberEventType;
  readonly member: Member;
  /** Wall-clock time of delivery (Unix epoch ms). */
  readonly ts: number;
}

/** A Serf user event (application-level broadcast), delivered once per node. */
export interface NodeUserEvent {
  readonly type: 'user';
  readonly name: string;
  readonly payload: Uint8Array;
  /** The event's Lamport time. */
  readonly lTime: number;
  /** The sender allowed coalescing. */
  readonly coalesce: boolean;
  /** Delivered as a multicast to a tag/node group (docs/multicast.md). */
  readonly multicast: boolean;
  readonly ts: number;
}

/** A Serf query this node passed the filters of. Answer it at most once, before its deadline. */
export interface NodeQueryEvent {
  readonly type: 'query';
  readonly name: string;
  readonly payload: Uint8Array;
  readonly lTime: number;
  /** The querier's name and address. */
  readonly sourceNode: string;
  readonly source: Address;
  /**
   * Sends the one response. Throws `TooLargeError` above the response size limit, `StateError` if
   * already answered, past the deadline, or the node is closed.
   */
  respond(payload: Uint8Array | string): void;
  readonly ts: number;
}

/** A socket problem (send failure, refused inbound stream…); the node keeps running. */
export interface NodeTransportErrorEvent {
  readonly type: 'transport-error';
  readonly error: TransportError;
  readonly ts: number;
}

/** The node stopped itself: it lost a name conflict (Serf's minority rule). It is closed after this. */
export interface NodeShutdownEvent {
  readonly type: 'shutdown';
  readonly reason: 'name-conflict';
  readonly ts: number;
}

/** Every event a node delivers. */
export type NodeEvent =
  NodeMemberEvent | NodeUserEvent | NodeQueryEvent | NodeTransportErrorEvent | NodeShutdownEvent;

/** Event name → listener arguments, for the typed `on`/`once`/`off`. */
export interface GossipNodeEventMap {
  'member-join': [NodeMemberEvent];
  'member-update': [NodeMemberEvent];
  'member-leave': [NodeMemberEvent];
  'member-failed': [NodeMemberEvent];
  'member-reap': [NodeMemberEvent];
  user: [NodeUserEvent];
  query: [NodeQueryEvent];
  'transport-error': [NodeTransportErrorEvent];
  shutdown: [NodeShutdownEvent];
}

/** An answer to one of our queries. */
export type QueryReply =
  | { readonly type: 'ack'; readonly from: string }
  | { readonly type: 'response'; readonly from: string; readonly payload: Uint8Array };

/** The events Serf's event handler scripts can be run for (serf: `EventFilter.Valid`). */
export type NodeSerfEvent = NodeMemberEvent | NodeUserEvent | NodeQueryEvent;

/**
 * The application's event for core event `e`, delivered at `ts`; undefined for a command result
 * (query answers, join/leave/key results), which the node routes to the waiting call instead.
 * `respond` answers a query by the core's handle (`Serf.respond`). A shutdown is handled by the
 * node itself (it closes).
 */
export function toNodeEvent(
  e: SerfEvent,
  ts: number,
  respond: (queryId: number, payload: Uint8Array | string) => void,
): NodeSerfEvent | undefined {
  switch (e.type) {
    case 'member-join':
    case 'member-update':
    case 'member-leave':
    case 'member-failed':
    case 'member-reap':
      return { type: e.type, member: e.member, ts };
    case 'user':
      return {
        type: 'user',
        name: e.name,
        payload: e.payload,
        lTime: e.lTime,
        coalesce: e.coalesce,
        multicast: e.multicast === true,
        ts,
      };
    case 'query': {
      const queryId = e.queryId;
      return {
        type: 'query',
        name: e.name,
        payload: e.payload,
        lTime: e.lTime,
        sourceNode: e.sourceNode,
        source: e.source,
        respond: (payload) => respond(queryId, payload),
        ts,
      };
    }
    default:
      return undefined;
  }
}

/** Whether `e` is one of the events Serf's handler scripts see (member, user, query). */
export function isSerfEvent(e: NodeEvent): e is NodeSerfEvent {
  return e.type.startsWith('member-') || e.type === 'user' || e.type === 'query';
}
