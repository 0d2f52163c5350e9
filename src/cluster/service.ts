/**
 * The service seam: how a service above the cluster layer (the replicated KV store, the balancer's
 * load figures, …) plugs into a node beside Serf's own protocols. docs/architecture.md ("The
 * service seam") explains the design with a worked example; in short:
 *
 * - **Registration.** A {@link Service} object is handed to `Serf` (and `buildStack`) when the node
 *   is built; `attach` gives it its {@link ServiceHost}. A service is pure and sans-I/O like the
 *   rest of the protocol core: every input carries `now`, outputs go through the host.
 * - **Capability.** Each node advertises the services it runs (name → version) in its node meta,
 *   after the tags, where serf agents neither show nor log it (wire/node-meta.ts). Peers that
 *   advertise the service are its {@link ServiceHost.peers}.
 * - **Messages.** A service owns message types 0…255 under its name; they travel as service frames
 *   (wire/service-frame.ts) in memberlist user messages, and only ever to capable peers — never to a
 *   serf agent, which would log the frame as an unknown Serf message type.
 * - **Timers** are the service's own typed keys in the cluster layer's one deadline heap.
 * - **Anti-entropy** is the service's own exchange with capable peers: the host calls
 *   {@link Service.onSync} with one random capable peer every `syncIntervalMs` (scaled with the
 *   cluster like memberlist's push-pull); Serf's push-pull is not touched, so serf decodes ours
 *   unchanged.
 * - **Events** for the application go out as `{ type: 'service', service, event }` among Serf's
 *   events, in order with member events.
 * - **Member hooks**: {@link Service.onMember} sees every member event (e.g. the KV store deletes a
 *   failed writer's ephemeral keys).
 * - **Simulator checker**: the whole-stack simulator builds nodes through `buildStack` too, so a
 *   service runs there unchanged; its checker (the simulator's `SimChecker`) reads each node's
 *   instance through `Serf.service(name)` and its `service` events.
 */
import type { Address } from '../core/io.js';
import type { Logger, Metrics } from '../core/logger.js';
import type { Random } from '../core/random.js';
import type { MemberEvent } from './events.js';
import type { Member } from './members.js';

/** A peer that advertises a service. */
export interface ServicePeer {
  /** Its node name. */
  readonly name: string;
  /** Its gossip address (UDP and TCP). */
  readonly addr: Address;
  /** The protocol version of the service it advertises. */
  readonly version: number;
}

/** Options of {@link ServiceHost.broadcast}. */
export interface BroadcastOptions {
  /**
   * A message queued earlier with the same key is dropped from the queue (memberlist's named
   * broadcasts): e.g. the KV store keys writes by their key, so only the newest value spreads.
   */
  readonly key?: string;
}

/**
 * What a service gets from the node it runs in. Every method is synchronous and pure; sends and
 * events come out of the node's core after the current input, like Serf's own.
 *
 * @typeParam K the service's timer keys
 * @typeParam E the service's events for the application
 */
export interface ServiceHost<K = never, E = unknown> {
  /** This node's name. */
  readonly nodeName: string;
  /** The node's seeded random source (never `Math.random`). */
  readonly random: Random;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Alive peers that advertise this service, ourselves excluded, sorted by name. */
  peers(): readonly ServicePeer[];
  /** One peer, if it is alive and advertises this service. */
  peer(name: string): ServicePeer | undefined;
  /** Every Serf member, capable or not (the application's view). */
  members(): readonly Member[];
  /**
   * One message to one capable peer in a UDP datagram. Returns false, sending nothing, when `to`
   * is not an alive peer that advertises this service (a serf agent never gets a service frame).
   * Throws `TooLargeError` when the framed message does not fit a datagram (use
   * {@link sendReliable}).
   */
  send(now: number, to: ServicePeer | string, type: number, body: Uint8Array): boolean;
  /**
   * One message to one capable peer over a one-way TCP stream (large bodies, anti-entropy); false
   * as for {@link send}. A failed connection is not reported: a service that needs delivery asks
   * for an answer.
   */
  sendReliable(now: number, to: ServicePeer | string, type: number, body: Uint8Array): boolean;
  /**
   * Gossip a message to every capable peer: queued, then sent a few times to random capable peers
   * each gossip interval (memberlist's transmit limit over the capable peers). Receivers get it in
   * {@link Service.onMessage}; a receiver that finds it new re-broadcasts it itself, as Serf does
   * with its own messages. Throws `TooLargeError` when it cannot fit one gossip packet.
   */
  broadcast(now: number, type: number, body: Uint8Array, opts?: BroadcastOptions): void;
  /** Messages queued for gossip and not yet fully transmitted. */
  queuedBroadcasts(): number;
  /** Arm (or move) a timer: {@link Service.onTimer} runs with `key` at or after `at`. */
  setTimer(key: K, at: number): void;
  /** Disarm a timer (no-op if not armed). */
  clearTimer(key: K): void;
  /** When a timer is due, if armed. */
  timerAt(key: K): number | undefined;
  /** An event for the application, delivered in order with Serf's events. */
  emit(event: E): void;
}

/**
 * A service: a protocol running beside Serf's on every node that registers it.
 *
 * @typeParam K the service's timer keys (plain data; {@link timerId} names them)
 * @typeParam E the service's events for the application
 */
export interface Service<K = never, E = unknown> {
  /** Its name: lower-case letters, digits and `-`, 1…16 characters, unique per node. */
  readonly name: string;
  /** Its protocol version, 1…255, advertised to peers. */
  readonly version: number;
  /** Period of anti-entropy rounds (ms, before scaling with the cluster); absent or 0: none. */
  readonly syncIntervalMs?: number;
  /** The identity of a timer key: two keys with one id are one timer. Required to arm timers. */
  timerId?(key: K): string;
  /** Bound to its node; called once, before any other call. */
  attach(host: ServiceHost<K, E>, now: number): void;
  /**
   * A message of this service from node `from` (a peer that advertises it, or one we do not know
   * yet). The body is peer input: anything the service throws is counted and the message dropped.
   */
  onMessage(now: number, from: string, type: number, body: Uint8Array): void;
  /** A timer armed with {@link ServiceHost.setTimer} is due. */
  onTimer?(now: number, key: K): void;
  /**
   * A member event (join, update, leave, failed, reap) as the application sees it; `peer` is the
   * member as a capable peer when it advertises this service (on leave and failed: when it did).
   */
  onMember?(now: number, event: MemberEvent, peer: ServicePeer | undefined): void;
  /** An anti-entropy round with one random capable peer (see {@link syncIntervalMs}). */
  onSync?(now: number, peer: ServicePeer): void;
  /** The node stopped (shut down or left): nothing will be sent any more. */
  onStop?(now: number): void;
}
