/**
 * Serf user events end to end (serf: serf/serf.go `UserEvent`, `handleUserEvent`; serf/delegate.go
 * `MergeRemoteState` for the event part): the event clock, the minimum event time (events from
 * before our join or our snapshot are not delivered), dedupe in the ring (user-events.ts), optional
 * coalescing, and delivery to the application.
 */
import { TooLargeError } from '../wire/errors.js';
import type { SerfUserEvent, SerfUserEventsSlot } from '../wire/messages.js';
import * as codec from './codec.js';
import type { ClusterContext } from './context.js';
import { LamportClock, type LamportTime } from './lamport.js';
import { UserEventBuffer, UserEventCoalescer, type DeliveredUserEvent } from './user-events.js';

const EMPTY = new Uint8Array(0);

/** See the module comment. */
export class UserEventChannel {
  /** The event Lamport clock. */
  readonly clock = new LamportClock();
  /** Events below this LTime are not delivered (0 = none). */
  private minTime: LamportTime = 0;
  private readonly buffer: UserEventBuffer;
  private readonly coalescer: UserEventCoalescer | undefined;

  constructor(private readonly c: ClusterContext) {
    const cfg = c.cfg;
    this.buffer = new UserEventBuffer(cfg.eventBuffer);
    if (cfg.userCoalescePeriodMs > 0 && cfg.userQuiescentPeriodMs > 0) {
      this.coalescer = new UserEventCoalescer(cfg.userCoalescePeriodMs, cfg.userQuiescentPeriodMs);
    }
  }

  /** After a snapshot restore: events up to `lTime` were delivered before, never again. */
  restoredUpTo(lTime: LamportTime): void {
    this.minTime = lTime + 1;
  }

  /** See `Serf.userEvent`. */
  send(now: number, name: string, payload: Uint8Array, coalesce: boolean): void {
    const limit = this.c.cfg.userEventSizeLimit;
    const rawSize = Buffer.byteLength(name) + payload.length;
    if (rawSize > limit)
      throw new TooLargeError(`user event exceeds configured limit of ${limit} bytes before encoding`);
    const msg: SerfUserEvent = { lTime: this.clock.time(), name, payload, cc: coalesce };
    const raw = codec.encodeSerfMessage({ type: 'userEvent', body: msg });
    if (raw.length > limit)
      throw new TooLargeError(`encoded user event exceeds configured limit of ${limit} bytes after encoding`);
    this.clock.increment();
    this.handle(now, msg);
    this.c.broadcasts.queue('event', raw);
  }

  /** One user event (gossiped, ours, or replayed from push-pull). Returns whether it was new. */
  handle(now: number, msg: SerfUserEvent): boolean {
    const c = this.c;
    this.clock.witness(msg.lTime);
    const outcome = this.buffer.record(msg.lTime, msg.name, msg.payload, this.clock.time(), this.minTime);
    if (outcome === 'too-old') {
      c.log.debug({ name: msg.name, lTime: msg.lTime, clock: this.clock.time() }, 'serf: received old event');
    }
    if (outcome === 'over-budget') c.metrics.incr('gossip_peer_user_event_ring_full');
    if (outcome !== 'new') return false;
    c.metrics.incr('serf_events');
    const ev: DeliveredUserEvent = {
      lTime: msg.lTime,
      name: msg.name,
      payload: msg.payload,
      coalesce: msg.cc,
    };
    c.snap?.userEvent(msg.lTime);
    if (this.coalescer === undefined || !this.coalescer.add(ev, now)) this.deliver(ev);
    return true;
  }

  /** Deliver coalesced events whose time has come. */
  flushDue(now: number): void {
    if (this.coalescer !== undefined) for (const e of this.coalescer.flushDue(now)) this.deliver(e);
  }

  /** When held (coalesced) events are due. */
  nextDeadline(): number | undefined {
    return this.coalescer?.deadline();
  }

  /** The event ring as push-pull `Events`. */
  toPushPull(): (SerfUserEventsSlot | null)[] {
    return this.buffer.toPushPull();
  }

  /**
   * A peer's push-pull event state. Joining with "ignore old events", what the cluster already had
   * is not delivered to us; the rest goes through {@link handle} like gossip.
   */
  merge(
    now: number,
    eventLTime: LamportTime,
    slots: readonly (SerfUserEventsSlot | null)[],
    ignoreOld: boolean,
  ): void {
    // Witness value − 1: the remote clock is one past the last time it handed out (serf delegate.go).
    if (eventLTime > 0) this.clock.witness(eventLTime - 1);
    if (ignoreOld && eventLTime > this.minTime) this.minTime = eventLTime;
    for (const slot of slots) {
      if (slot === null) continue;
      for (const e of slot.events)
        this.handle(now, { lTime: slot.lTime, name: e.name, payload: e.payload, cc: false });
    }
  }

  private deliver(ev: DeliveredUserEvent): void {
    this.c.emit({
      type: 'user',
      lTime: ev.lTime,
      name: ev.name,
      payload: ev.payload ?? EMPTY,
      coalesce: ev.coalesce,
    });
  }
}
