/**
 * Recent-intent buffer (serf: serf/serf.go `recentIntents`, `upsertIntent`, `recentIntent`,
 * `reapIntents`). A join or leave intent can arrive before memberlist has told us about the node;
 * Serf remembers the newest one per node for RecentIntentTimeout (5 min) so that when the node
 * does appear its status Lamport time (and a pending leave) are applied right away (§11.2).
 */
import type { LamportTime } from './lamport.js';

/** Which intent a buffered entry is. */
export type IntentKind = 'join' | 'leave';

/** One buffered intent. */
export interface RecentIntent {
  readonly kind: IntentKind;
  readonly lTime: LamportTime;
  /** `now` (ms) when the intent was buffered; used only for expiry. */
  readonly seenMs: number;
}

/** The per-node buffer of the newest intent seen for nodes that are not (yet) members. */
export class RecentIntents {
  private readonly byNode = new Map<string, RecentIntent>();

  /**
   * Remember `kind` at `lTime` for `node` unless a buffered intent for it is at least as new.
   * Returns true when the entry was added or replaced — Serf re-gossips the intent only then.
   */
  upsert(node: string, kind: IntentKind, lTime: LamportTime, now: number): boolean {
    const cur = this.byNode.get(node);
    if (cur !== undefined && lTime <= cur.lTime) return false;
    this.byNode.set(node, { kind, lTime, seenMs: now });
    return true;
  }

  /** The Lamport time of the buffered intent for `node`, if it is of `kind`. */
  get(node: string, kind: IntentKind): LamportTime | undefined {
    const cur = this.byNode.get(node);
    return cur !== undefined && cur.kind === kind ? cur.lTime : undefined;
  }

  /** Drop every intent buffered more than `timeoutMs` before `now`. */
  reap(now: number, timeoutMs: number): void {
    for (const [node, intent] of this.byNode) {
      if (now - intent.seenMs > timeoutMs) this.byNode.delete(node);
    }
  }

  /** Number of buffered intents. */
  get size(): number {
    return this.byNode.size;
  }
}
