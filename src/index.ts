/**
 * gossip-peer: cluster membership and failure detection over UDP gossip, wire-compatible with
 * HashiCorp memberlist 0.2.2 / Serf 0.9.4. The package barrel; importing it starts nothing.
 *
 * ```ts
 * import { createNode } from 'gossip-peer';
 * await using node = await createNode({ bind: '127.0.0.1:7946', join: ['127.0.0.1:7947'] });
 * node.on('member-failed', (e) => console.log('failed:', e.member.name));
 * ```
 */
export { createNode } from './runtime/create-node.js';
export { GossipNode } from './runtime/node.js';
export type {
  JoinOptions,
  KeyOperationOptions,
  KeyOperationResult,
  Member,
  MemberFilter,
  NodeQueryOptions,
} from './runtime/node.js';
export type {
  GossipNodeEventMap,
  MemberEventType,
  NodeEvent,
  NodeMemberEvent,
  NodeQueryEvent,
  NodeShutdownEvent,
  NodeTransportErrorEvent,
  NodeUserEvent,
  QueryReply,
} from './runtime/events.js';
export type { NodeOptions, RejoinSettings } from './runtime/options.js';
export { keepJoined, type RejoinLoop, type RejoinOptions, type RejoinAttempt } from './runtime/rejoin.js';
export { DEFAULT_PORT, type Seed, type SeedInput, type AddressSeed, type NameSeed } from './core/seeds.js';
export type { EventStreamOptions } from './runtime/event-stream.js';
export type { Address } from './core/io.js';
export type { Logger } from './core/logger.js';
export type { Profile } from './swim/config.js';
export type { MemberStatus } from './cluster/members.js';
export {
  GossipError,
  ConfigError,
  DecodeError,
  EncodeError,
  StateError,
  TooLargeError,
  NoCandidateError,
  type GossipErrorCode,
} from './wire/errors.js';
export type { Coordinate } from './cluster/coordinates/coordinate.js';
export { MemberWatch, type WatchOptions } from './runtime/member-watch.js';
export {
  NodeBalancer,
  serviceAddress,
  type BalancerOptions,
  type PickedMember,
} from './runtime/node-balancer.js';
export { STRATEGY_NAMES, type StrategyName, type NearestOptions } from './balance/strategies.js';
export { TransportError, type TransportOp } from './transport/errors.js';
