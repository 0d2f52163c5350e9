/**
 * Serf's push-pull user state (serf: serf/delegate.go `LocalState`, `MergeRemoteState`): what rides
 * in every memberlist push-pull after the node states, as `02` + msgpack `messagePushPull` — the
 * three Lamport clocks, every member's status LTime, the left members and the user-event ring.
 * Merging applies the remote's intents and replays its events through the same paths as gossip.
 */
import type { Logger } from '../core/logger.js';
import type { SerfMessage, SerfPushPull } from '../wire/messages.js';
import * as codec from './codec.js';
import type { MemberTable } from './members.js';
import type { SerfMembership } from './membership.js';
import type { QueryEngine } from './query-engine.js';
import type { UserEventChannel } from './user-event-channel.js';

/** The parts whose state travels in push-pull. */
export interface PushPullParts {
  readonly table: MemberTable;
  readonly membership: SerfMembership;
  readonly userEvents: UserEventChannel;
  readonly queries: QueryEngine;
  readonly log: Logger;
}

/** Our push-pull user state (the same whether or not the exchange is a join). */
export function encodeLocalState(p: PushPullParts): Uint8Array {
  const pp: SerfPushPull = {
    lTime: p.membership.clock.time(),
    statusLTimes: p.table.statusLTimes(),
    leftMembers: p.table.leftMembers(),
    eventLTime: p.userEvents.clock.time(),
    events: p.userEvents.toPushPull(),
    queryLTime: p.queries.clock.time(),
  };
  return codec.encodeSerfMessage({ type: 'pushPull', body: pp });
}

/** Merge a peer's push-pull user state. Bad bytes are logged at debug and ignored (as serf does). */
export function mergeRemoteState(p: PushPullParts, now: number, state: Uint8Array, join: boolean): void {
  if (state.length === 0 || state[0] !== 2) {
    p.log.debug({ prefix: state[0] }, 'serf: remote state has bad type prefix');
    return;
  }
  let msg: SerfMessage;
  try {
    msg = codec.decodeSerfMessage(state);
  } catch (err) {
    p.log.debug({ err }, 'serf: failed to decode remote state');
    return;
  }
  if (msg.type !== 'pushPull') return;
  const pp = msg.body;
  // Witness value − 1: the remote clock is one past the last time it handed out (serf delegate.go).
  if (pp.lTime > 0) p.membership.clock.witness(pp.lTime - 1);
  if (pp.queryLTime > 0) p.queries.clock.witness(pp.queryLTime - 1);
  const left = new Set(pp.leftMembers);
  for (const name of pp.leftMembers) {
    p.membership.handleLeaveIntent(now, {
      lTime: (pp.statusLTimes.get(name) ?? 0) + 1,
      node: name,
      prune: false,
    });
  }
  for (const [name, lTime] of pp.statusLTimes) {
    if (!left.has(name)) p.membership.handleJoinIntent(now, { lTime, node: name });
  }
  p.userEvents.merge(now, pp.eventLTime, pp.events, join && p.membership.ignoringOldEvents());
}
