/**
 * Snapshot state (serf: serf/snapshot.go): what a restarted agent needs to rejoin the members it
 * knew without replaying old events — the alive members' addresses and the last member, event and
 * query Lamport times. Pure: the agent persists {@link SnapshotState.serialize} atomically (write
 * a temporary file, fsync, rename) whenever {@link SnapshotState.dirty} is set.
 *
 * The text format is Serf's own (one record per line: `alive: NAME IP:PORT`, `not-alive: NAME`,
 * `clock: N`, `event-clock: N`, `query-clock: N`, `leave`, `# comment`), so a snapshot written by
 * a serf agent can be read here and vice versa. We always write the compacted form.
 */
import { DecodeError } from '../wire/errors.js';
import type { LamportTime } from './lamport.js';

/** The restored content of a snapshot. */
export interface SnapshotData {
  /** name → `ip:port` (IPv6 in brackets) of members last seen alive. */
  readonly aliveNodes: ReadonlyMap<string, string>;
  /** Last member clock value seen (Serf stores clock − 1). */
  readonly clock: LamportTime;
  readonly eventClock: LamportTime;
  readonly queryClock: LamportTime;
}

/** An empty snapshot. */
export const EMPTY_SNAPSHOT: SnapshotData = Object.freeze({
  aliveNodes: new Map<string, string>(),
  clock: 0,
  eventClock: 0,
  queryClock: 0,
});

function parseClock(line: string, prefix: string, lineNo: number): LamportTime {
  const s = line.slice(prefix.length);
  if (!/^[0-9]{1,16}$/.test(s) || !Number.isSafeInteger(Number(s))) {
    throw new DecodeError(`snapshot line ${lineNo}: bad clock value ${JSON.stringify(s)}`);
  }
  return Number(s);
}

/**
 * Parse a snapshot file. Lines Serf itself would skip (unrecognised lines, comments, `coordinate:`)
 * are skipped; a malformed clock or address line is a {@link DecodeError}. A `leave` record clears
 * everything before it unless `rejoinAfterLeave` (Serf's RejoinAfterLeave).
 */
export function parseSnapshot(text: string, rejoinAfterLeave = false): SnapshotData {
  const alive = new Map<string, string>();
  let clock = 0;
  let eventClock = 0;
  let queryClock = 0;
  const lines = text.split('\n');
  // As in Serf, a final line without a newline is incomplete (a torn append) and ignored.
  lines.pop();
  lines.forEach((line, i) => {
    const n = i + 1;
    if (line.startsWith('alive: ')) {
      const info = line.slice('alive: '.length);
      const at = info.lastIndexOf(' ');
      if (at === -1) throw new DecodeError(`snapshot line ${n}: alive record without an address`);
      alive.set(info.slice(0, at), info.slice(at + 1));
    } else if (line.startsWith('not-alive: ')) {
      alive.delete(line.slice('not-alive: '.length));
    } else if (line.startsWith('clock: ')) {
      clock = parseClock(line, 'clock: ', n);
    } else if (line.startsWith('event-clock: ')) {
      eventClock = parseClock(line, 'event-clock: ', n);
    } else if (line.startsWith('query-clock: ')) {
      queryClock = parseClock(line, 'query-clock: ', n);
    } else if (line === 'leave') {
      if (rejoinAfterLeave) return;
      alive.clear();
      clock = 0;
      eventClock = 0;
      queryClock = 0;
    }
    // `coordinate:`, `#` comments and unknown lines are skipped, as Serf does.
  });
  return { aliveNodes: alive, clock, eventClock, queryClock };
}

/** The live snapshot state of one node, fed from its events. */
export class SnapshotState {
  private readonly alive: Map<string, string>;
  private lastClock: LamportTime;
  private lastEventClock: LamportTime;
  private lastQueryClock: LamportTime;
  private left = false;
  /** Set whenever the content changed since the last {@link markClean}. */
  dirty = false;

  constructor(
    restored: SnapshotData = EMPTY_SNAPSHOT,
    private readonly rejoinAfterLeave = false,
  ) {
    this.alive = new Map(restored.aliveNodes);
    this.lastClock = restored.clock;
    this.lastEventClock = restored.eventClock;
    this.lastQueryClock = restored.queryClock;
  }

  /** A member became alive at `addr` (`ip:port`). Ignored once we left. */
  memberAlive(name: string, addr: string): void {
    // A name with a newline cannot be written as one record (Serf has the same limit): skip it.
    if (this.left || name.includes('\n') || this.alive.get(name) === addr) return;
    this.alive.set(name, addr);
    this.dirty = true;
  }

  /** A member left or failed. */
  memberGone(name: string): void {
    if (this.left || !this.alive.delete(name)) return;
    this.dirty = true;
  }

  /** Record the member clock; Serf stores `clock − 1`, the last value actually witnessed. */
  memberClock(clock: LamportTime): void {
    if (this.left) return;
    const lastSeen = clock - 1;
    if (lastSeen > this.lastClock) {
      this.lastClock = lastSeen;
      this.dirty = true;
    }
  }

  /** A user event at `lTime` was delivered. */
  userEvent(lTime: LamportTime): void {
    if (this.left || lTime <= this.lastEventClock) return;
    this.lastEventClock = lTime;
    this.dirty = true;
  }

  /** A query at `lTime` was delivered (internal ones too). */
  query(lTime: LamportTime): void {
    if (this.left || lTime <= this.lastQueryClock) return;
    this.lastQueryClock = lTime;
    this.dirty = true;
  }

  /** We are leaving: forget the members (unless rejoinAfterLeave) and stop recording. */
  leave(): void {
    if (this.left) return;
    this.left = true;
    if (!this.rejoinAfterLeave) this.alive.clear();
    this.dirty = true;
  }

  /** The current content. */
  data(): SnapshotData {
    return {
      aliveNodes: new Map(this.alive),
      clock: this.lastClock,
      eventClock: this.lastEventClock,
      queryClock: this.lastQueryClock,
    };
  }

  /** The compacted file content (Serf's format, every line newline-terminated). */
  serialize(): string {
    const lines: string[] = [];
    for (const [name, addr] of this.alive) lines.push(`alive: ${name} ${addr}`);
    lines.push(
      `clock: ${this.lastClock}`,
      `event-clock: ${this.lastEventClock}`,
      `query-clock: ${this.lastQueryClock}`,
    );
    if (this.left) lines.push('leave');
    return lines.join('\n') + '\n';
  }

  /** The content was persisted. */
  markClean(): void {
    this.dirty = false;
  }
}
