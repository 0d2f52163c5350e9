/**
 * Events the Serf core emits to the application (and command results). Member events use Serf's
 * names (`member-join` …); `user` and `query` are Serf's user events and queries.
 */
import type { Address } from '../core/io.js';
import type { KeyOperationResult } from './keys.js';
import type { LamportTime } from './lamport.js';
import type { Member } from './members.js';

/** A member event: one member whose status or tags changed. */
export interface MemberEvent {
  readonly type: 'member-join' | 'member-update' | 'member-leave' | 'member-failed' | 'member-reap';
  readonly member: Member;
}

/** A Serf user event (or a multicast event addressed to our group). */
export interface UserEventEvent {
  readonly type: 'user';
  readonly lTime: LamportTime;
  readonly name: string;
  /** The payload; empty when the sender sent none (nil). */
  readonly payload: Uint8Array;
  /** The sender allowed coalescing (Serf `CC`). */
  readonly coalesce: boolean;
  /** True when it arrived as a multicast to a tag/node group (see docs/multicast.md). */
  readonly multicast?: boolean;
}

/** An incoming query this node passed the filters of; answer with `Serf.respond(queryId, …)`. */
export interface QueryEvent {
  readonly type: 'query';
  /** Local handle for {@link Serf.respond}. */
  readonly queryId: number;
  readonly lTime: LamportTime;
  readonly name: string;
  readonly payload: Uint8Array;
  /** The querier's node name and address. */
  readonly sourceNode: string;
  readonly source: Address;
  /** Responses are accepted until this time (ms, the core's clock). */
  readonly deadline: number;
}

/** An ack to a query we started. */
export interface QueryAckEvent {
  readonly type: 'query-ack';
  /** The LTime returned by {@link Serf.query}. */
  readonly queryLTime: LamportTime;
  readonly from: string;
}

/** A response to a query we started. */
export interface QueryResponseEvent {
  readonly type: 'query-response';
  readonly queryLTime: LamportTime;
  readonly from: string;
  readonly payload: Uint8Array;
}

/** A query we started reached its timeout: no more acks or responses. */
export interface QueryDoneEvent {
  readonly type: 'query-done';
  readonly queryLTime: LamportTime;
}

/** A `join` command finished. */
export interface JoinResultEvent {
  readonly type: 'join-result';
  readonly requestId: number;
  /** Seeds that completed a push-pull (0 = the join failed). */
  readonly contacted: number;
  readonly errors: readonly { readonly addr: Address; readonly reason: string }[];
}

/** The `leave` command finished; the node may now be closed. */
export interface LeaveDoneEvent {
  readonly type: 'leave-done';
  /** The leave intent was not fully transmitted within BroadcastTimeout (we left anyway). */
  readonly intentTimedOut: boolean;
}

/** A key operation (install/use/remove/list) finished across the cluster. */
export interface KeyResultEvent {
  readonly type: 'key-result';
  readonly requestId: number;
  readonly result: KeyOperationResult;
}

/** This node stopped itself: it lost a name conflict (Serf: `minority in name conflict resolution`). */
export interface ShutdownEvent {
  readonly type: 'shutdown';
  readonly reason: 'name-conflict';
  readonly responses: number;
  readonly matching: number;
}

/** An event of a service running beside Serf (see service.ts); `event` is the service's own. */
export interface ServiceEvent {
  readonly type: 'service';
  /** The service's name. */
  readonly service: string;
  readonly event: unknown;
}

/**
 * memberlist began or stopped suspecting a member (informational; Serf's statuses do not change:
 * a suspect member stays `alive` until it is declared dead). Watches and balancers use it to drop
 * a member as soon as it is suspected.
 */
export interface SuspicionEvent {
  readonly type: 'suspicion';
  readonly name: string;
  readonly suspect: boolean;
}

/** Everything {@link Serf.drainEvents} can return. */
export type SerfEvent =
  | MemberEvent
  | UserEventEvent
  | QueryEvent
  | QueryAckEvent
  | QueryResponseEvent
  | QueryDoneEvent
  | JoinResultEvent
  | LeaveDoneEvent
  | KeyResultEvent
  | ShutdownEvent
  | ServiceEvent
  | SuspicionEvent;
