/**
 * Serf's three broadcast queues (serf: serf/serf.go `broadcasts`, `eventBroadcasts`,
 * `queryBroadcasts`; serf/delegate.go `GetBroadcasts`; serf/serf.go `checkQueueDepth`).
 *
 * Each is memberlist's transmit-limited queue (reused from swim) whose retransmit limit counts
 * *Serf* members — every member of any status until reaped — not memberlist's node list
 * (reference §6.6, §15 item 30). They are drained in a fixed order after memberlist's own
 * messages: intents, then queries, then user events. Serf broadcasts are never invalidated.
 */
import { TransmitLimitedQueue } from '../swim/broadcast-queue.js';

/** Which Serf queue a message goes to. */
export type SerfQueue = 'intent' | 'query' | 'event';

/** The three queues, drained in Serf's order. */
export class SerfBroadcasts {
  private readonly queues: Record<SerfQueue, TransmitLimitedQueue>;

  /**
   * @param retransmitMult memberlist's RetransmitMult (4 on LAN)
   * @param numMembers Serf's member count (any status), read at every hand-out
   */
  constructor(retransmitMult: number, numMembers: () => number) {
    const mk = (): TransmitLimitedQueue => new TransmitLimitedQueue({ retransmitMult, numNodes: numMembers });
    this.queues = { intent: mk(), query: mk(), event: mk() };
  }

  /** Queue one Serf message (type byte + msgpack); `onFinished` runs once it is fully transmitted. */
  queue(which: SerfQueue, message: Uint8Array, onFinished?: () => void): void {
    this.queues[which].queue(message, undefined, onFinished);
  }

  /** Fill one packet's budget: intents first, then queries, then events (serf: delegate.go). */
  getBroadcasts(overheadBytes: number, limitBytes: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    let used = 0;
    for (const which of ['intent', 'query', 'event'] as const) {
      const msgs = this.queues[which].getBroadcasts(overheadBytes, limitBytes - used);
      for (const m of msgs) used += m.length + overheadBytes;
      out.push(...msgs);
    }
    return out;
  }

  /** Whether any queue holds a message. */
  hasQueued(): boolean {
    return (
      this.queues.intent.numQueued() > 0 ||
      this.queues.query.numQueued() > 0 ||
      this.queues.event.numQueued() > 0
    );
  }

  /** Messages waiting in one queue. */
  numQueued(which: SerfQueue): number {
    return this.queues[which].numQueued();
  }

  /**
   * The periodic depth check: prune every queue above `maxDepth`, dropping the most transmitted
   * messages first. Returns the queues that were pruned (Serf logs a warning for each).
   */
  checkDepth(maxDepth: number): SerfQueue[] {
    const pruned: SerfQueue[] = [];
    for (const which of ['intent', 'event', 'query'] as const) {
      if (this.queues[which].numQueued() > maxDepth) {
        this.queues[which].prune(maxDepth);
        pruned.push(which);
      }
    }
    return pruned;
  }

  /** Drop everything (on shutdown); pending `onFinished` callbacks run. */
  reset(): void {
    for (const q of Object.values(this.queues)) q.reset();
  }
}

/**
 * Serf's queue limit (serf: `getQueueMax`): MaxQueueDepth, or — when MinQueueDepth > 0 —
 * `max(2 × members, MinQueueDepth)`.
 */
export function queueDepthLimit(maxQueueDepth: number, minQueueDepth: number, numMembers: number): number {
  if (minQueueDepth > 0) return Math.max(2 * numMembers, minQueueDepth);
  return maxQueueDepth;
}
