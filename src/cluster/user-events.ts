/**
 * User-event deduplication and coalescing (serf: serf/serf.go `handleUserEvent`,
 * serf/coalesce_user.go). Events are remembered in a ring of EventBuffer (512) slots indexed by
 * `LTime mod 512`; each slot holds every distinct (Name, Payload) seen at that LTime. The whole
 * ring also travels in push-pull (`Events`), so the same procedure decides for replayed events.
 */
import type { SerfUserEventsSlot } from '../wire/messages.js';
import type { LamportTime } from './lamport.js';
import { MAX_USER_EVENT_RING_BYTES } from '../wire/limits.js';
import { utf8Length } from '../wire/msgpack.js';

/** What one remembered event costs in a push-pull: name, payload, and the map around them. */
function eventBytes(name: string, payload: Uint8Array | null): number {
  return utf8Length(name) + (payload?.length ?? 0) + 24;
}

/** Serf's EventBuffer default: ring slots, and the "too old" window. */
export const DEFAULT_EVENT_BUFFER = 512;

/** What {@link UserEventBuffer.record} decided for one event. */
export type UserEventOutcome =
  /** First time seen: deliver to the application and re-gossip. */
  | 'new'
  /** Already in the ring: drop. */
  | 'duplicate'
  /** Older than `clock − bufferSize`: dropped (Serf logs `received old event`). */
  | 'too-old'
  /** Older than the minimum event time (events that predate our join, or our snapshot). */
  | 'before-min'
  /** New, but the ring is full (MAX_USER_EVENT_RING_BYTES): dropped, neither delivered nor re-gossiped. */
  | 'over-budget';

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  // Go's bytes.Compare treats nil and empty alike.
  const x = a ?? new Uint8Array(0);
  const y = b ?? new Uint8Array(0);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** The 512-slot ring of recently seen user events. */
export class UserEventBuffer {
  private readonly slots: (SerfUserEventsSlot | null)[];
  /** Push-pull bytes of the remembered events. */
  private bytes = 0;

  constructor(readonly size: number = DEFAULT_EVENT_BUFFER) {
    this.slots = new Array<SerfUserEventsSlot | null>(size).fill(null);
  }

  /**
   * Decide on one event and remember it when new. `clock` is the event clock *after* witnessing
   * `lTime` (Serf witnesses first); `minTime` the minimum event time (0 = none).
   */
  record(
    lTime: LamportTime,
    name: string,
    payload: Uint8Array | null,
    clock: LamportTime,
    minTime: LamportTime,
  ): UserEventOutcome {
    if (lTime < minTime) return 'before-min';
    if (clock > this.size && lTime < clock - this.size) return 'too-old';
    const idx = lTime % this.size;
    let slot = this.slots[idx] ?? null;
    const cost = eventBytes(name, payload);
    if (slot !== null && slot.lTime === lTime) {
      for (const e of slot.events) if (e.name === name && sameBytes(e.payload, payload)) return 'duplicate';
      if (this.bytes + cost > MAX_USER_EVENT_RING_BYTES) return 'over-budget';
    } else {
      const freed = slot === null ? 0 : slot.events.reduce((n, e) => n + eventBytes(e.name, e.payload), 0);
      if (this.bytes - freed + cost > MAX_USER_EVENT_RING_BYTES) return 'over-budget';
      this.bytes -= freed;
      slot = { lTime, events: [] };
      this.slots[idx] = slot;
    }
    slot.events.push({ name, payload });
    this.bytes += cost;
    return 'new';
  }

  /** Push-pull bytes of the remembered events (bounded by MAX_USER_EVENT_RING_BYTES). */
  get byteSize(): number {
    return this.bytes;
  }

  /** The ring as push-pull `Events` (all slots, null for empty ones), copied. */
  toPushPull(): (SerfUserEventsSlot | null)[] {
    return this.slots.map((s) =>
      s === null ? null : { lTime: s.lTime, events: s.events.map((e) => ({ ...e })) },
    );
  }
}

/** One user event as delivered to the application. */
export interface DeliveredUserEvent {
  readonly lTime: LamportTime;
  readonly name: string;
  readonly payload: Uint8Array | null;
  /** The sender allowed coalescing (`CC`). */
  readonly coalesce: boolean;
}

/**
 * Serf's optional user-event coalescing (agent UserCoalescePeriod 3 s / UserQuiescentPeriod 1 s):
 * events with `coalesce` set are held; per event name only those at the highest LTime survive;
 * everything held is flushed when no new event came for `quiescentMs`, or `periodMs` after the
 * first held event. Pure: the owner calls {@link add}, asks {@link deadline} and calls
 * {@link flushDue}.
 */
export class UserEventCoalescer {
  private readonly latest = new Map<string, { lTime: LamportTime; events: DeliveredUserEvent[] }>();
  private periodEnd: number | undefined;
  private quietEnd: number | undefined;

  constructor(
    private readonly periodMs: number,
    private readonly quiescentMs: number,
  ) {}

  /** Hold a coalescable event. Returns false (and holds nothing) if the event does not coalesce. */
  add(event: DeliveredUserEvent, now: number): boolean {
    if (!event.coalesce) return false;
    if (this.periodEnd === undefined) this.periodEnd = now + this.periodMs;
    this.quietEnd = now + this.quiescentMs;
    const cur = this.latest.get(event.name);
    if (cur === undefined || cur.lTime < event.lTime)
      this.latest.set(event.name, { lTime: event.lTime, events: [event] });
    else if (cur.lTime === event.lTime) cur.events.push(event);
    return true;
  }

  /** When held events are due, or undefined if nothing is held. */
  deadline(): number | undefined {
    if (this.periodEnd === undefined || this.quietEnd === undefined) return undefined;
    return Math.min(this.periodEnd, this.quietEnd);
  }

  /** If due at `now`, return every held event (in name insertion order) and reset; else []. */
  flushDue(now: number): DeliveredUserEvent[] {
    const due = this.deadline();
    if (due === undefined || now < due) return [];
    return this.flushAll();
  }

  /** Return every held event and reset (used on shutdown). */
  flushAll(): DeliveredUserEvent[] {
    const out: DeliveredUserEvent[] = [];
    for (const l of this.latest.values()) out.push(...l.events);
    this.latest.clear();
    this.periodEnd = undefined;
    this.quietEnd = undefined;
    return out;
  }
}
