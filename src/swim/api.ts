/**
 * The contract of the SWIM core (memberlist semantics), written before the implementation so that
 * the simulator, the runtime and the Serf-compatible cluster layer can be built against it.
 * `Swim` (src/swim/swim.ts) implements {@link SwimCore}.
 */
import type { Address, ProtocolCore } from '../core/io.js';

/** memberlist's node states (push-pull `State` values 0..3). */
export type MemberState = 'alive' | 'suspect' | 'dead' | 'left';

/** A read-only snapshot of one member as this node sees it. */
export interface MemberInfo {
  readonly name: string;
  readonly addr: Address;
  /** Delegate metadata (Serf: 0xff + msgpack tags), at most 512 bytes. */
  readonly meta: Uint8Array;
  readonly incarnation: number;
  readonly state: MemberState;
  /** `[PMin, PMax, PCur, DMin, DMax, DCur]` exactly as on the wire. */
  readonly vsn: readonly [number, number, number, number, number, number];
  /** `now` (ms) at the last state change. */
  readonly stateChangeMs: number;
}

/** Events the SWIM core emits (memberlist's EventDelegate + ConflictDelegate + command results). */
export type SwimEvent =
  /** A new member, or a dead/left one back alive. */
  | { readonly type: 'join'; readonly member: MemberInfo }
  /** A member's meta (or address, after a reclaim) changed. */
  | { readonly type: 'update'; readonly member: MemberInfo }
  /** A member was declared dead (`member.state === 'dead'`) or left gracefully (`'left'`). */
  | { readonly type: 'leave'; readonly member: MemberInfo }
  /** Informational: a member became suspect (suspicion raised by `from`). */
  | { readonly type: 'suspect'; readonly member: MemberInfo; readonly from: string }
  /** Informational: this node refuted an accusation about itself with a new incarnation. */
  | { readonly type: 'refute'; readonly incarnation: number }
  /** An alive claims an existing name at another address (Serf runs name-conflict resolution). */
  | { readonly type: 'conflict'; readonly existing: MemberInfo; readonly other: MemberInfo }
  /** A `join()` finished: `contacted` seeds completed a push-pull; `errors` has one line per failure. */
  | {
      readonly type: 'join-result';
      readonly requestId: number;
      readonly contacted: number;
      readonly errors: readonly { readonly addr: Address; readonly reason: string }[];
    }
  /**
   * `leave()` finished: the dead(self) broadcast went out fully, or its timeout passed
   * (`timedOut: true`; memberlist's Leave returns an error then).
   */
  | { readonly type: 'leave-done'; readonly timedOut?: boolean };

/**
 * Hooks for the layer above (Serf). All synchronous and pure; called from inside the core's
 * input handlers. Mirrors memberlist's Delegate + PingDelegate.
 */
export interface SwimDelegate {
  /** Node meta to advertise in our alive messages; must be <= `limitBytes` (512). */
  nodeMeta(limitBytes: number): Uint8Array;
  /** A memberlist user message (type 8) arrived; `body` is what followed the 8 (a Serf message). */
  notifyUserMessage(now: number, body: Uint8Array, from: Address): void;
  /**
   * Queued broadcasts to piggyback: messages (Serf bytes, without the memberlist 8, which the core
   * adds) whose sizes plus `overheadBytes` each sum to at most `limitBytes`.
   */
  getBroadcasts(overheadBytes: number, limitBytes: number): Uint8Array[];
  /**
   * Whether `getBroadcasts` would hand out anything now. It lets the core stop its gossip ticker
   * while nothing at all is queued (an idle node then wakes once per probe, not five times a
   * second); the core asks again after every input, so a broadcast queued by any call restarts
   * the ticker at the next gossip interval. Absent: assumed always true (the ticker never idles).
   */
  hasBroadcasts?(): boolean;
  /** Push-pull user state to send (Serf: `02` + msgpack messagePushPull). */
  localState(join: boolean): Uint8Array;
  /** Push-pull user state received from a peer. */
  mergeRemoteState(now: number, state: Uint8Array, join: boolean): void;
  /** Payload for acks we send to pings (Serf: coordinates). `null` sends nil. */
  ackPayload(): Uint8Array | null;
  /** One of our probes was acked directly; `payload` is the ack's Payload (may be empty). */
  notifyPingComplete?(now: number, member: MemberInfo, rttMs: number, payload: Uint8Array): void;
}

/** Commands and queries on the SWIM core, beyond the driver contract. */
export interface SwimCore extends ProtocolCore<SwimEvent> {
  /** This node as others see it. */
  readonly self: MemberInfo;
  /** Push-pull (Join=true) with each seed; a `join-result` event with the returned id follows. */
  join(now: number, seeds: readonly Address[]): number;
  /** Graceful leave: broadcast dead(self, From=self); `leave-done` follows. */
  leave(now: number, timeoutMs: number): void;
  /** Replace our meta: incarnation + 1, alive broadcast. Throws TooLargeError above 512 bytes. */
  updateMeta(now: number, meta: Uint8Array): void;
  /** Send one memberlist user message (08 + body) straight to `to` over UDP. */
  sendUserMessage(now: number, to: Address, body: Uint8Array): void;
  /**
   * The budget of one packet of user messages (a gossip packet's: `udpBufferBytes` less framing and
   * encryption): each body costs its length plus `overheadBytes`, and all of them together at most
   * `limitBytes`.
   */
  userPacketBudget(): { readonly overheadBytes: number; readonly limitBytes: number };
  /** Send user messages straight to `to` in one compound UDP packet (keep to {@link userPacketBudget}). */
  sendUserPacket(now: number, to: Address, bodies: readonly Uint8Array[]): void;
  /**
   * Send one user message to `to` over a one-way TCP stream (memberlist `SendReliable`: `08`,
   * `userMsgHeader`, body), for bodies too large for a datagram. Throws TooLargeError above the
   * stream limit; a failed connection is not reported.
   */
  sendUserStream(now: number, to: Address, body: Uint8Array): void;
  /** Every member this node knows (including itself and not-yet-forgotten dead/left ones). */
  members(): MemberInfo[];
  /** One member by name. */
  member(name: string): MemberInfo | undefined;
  /** Alive + suspect members including self (memberlist's NumMembers). */
  numAlive(): number;
  /** Local health score (Lifeguard awareness), 0 = healthy. */
  healthScore(): number;
  /**
   * Optional: how state changes this node originates are spread right now — `all-to-all`
   * (adaptive detector, small cluster) or `gossip` (docs/failure-detection.md).
   */
  dissemination?(): 'all-to-all' | 'gossip';
}
