/**
 * Recent-intent buffer (serf: serf/serf.go `recentIntents`, `upsertIntent`, `recentIntent`,
 * `reapIntents`). A join or leave intent can arrive before memberlist has told us about the node;
 * Serf remembers the newest one per node for RecentIntentTimeout (5 min) so that when the node
 * does appear its status Lamport time (and a pending leave) are applied right away (§11.2).
 */
import type { LamportTime } from './lamport.js';
import { MAX_NODE_NAME_BYTES, MAX_RECENT_INTENT_BYTES } from '../wire/limits.js';
import { utf8Length } from '../wire/msgpack.js';

/** What one buffered intent is charged: its name and the map entry around it. */
function intentBytes(node: string): number {
  return utf8Length(node) + 64;
}

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
  /** Bytes charged for the buffered intents (bounded by MAX_RECENT_INTENT_BYTES). */
  private bytes = 0;

  /**
   * Remember `kind` at `lTime` for `node` unless a buffered intent for it is at least as new.
   * Returns true when the entry was added or replaced — Serf re-gossips the intent only then.
   * A name no member may have (longer than MAX_NODE_NAME_BYTES) is refused; over the budget the
   * oldest buffered intents make room (serf buffers without bound).
   */
  upsert(node: string, kind: IntentKind, lTime: LamportTime, now: number): boolean {
    if (node.length > MAX_NODE_NAME_BYTES || utf8Length(node) > MAX_NODE_NAME_BYTES) return false;
    const cur = this.byNode.get(node);
    if (cur !== undefined && lTime <= cur.lTime) return false;
    if (cur !== undefined) this.delete(node);
    this.bytes += intentBytes(node);
    while (this.bytes > MAX_RECENT_INTENT_BYTES) {
      const oldest = this.byNode.keys().next();
      if (oldest.done === true) break;
      this.delete(oldest.value);
    }
    this.byNode.set(node, { kind, lTime, seenMs: now });
    return true;
  }

  private delete(node: string): void {
    if (this.byNode.delete(node)) this.bytes -= intentBytes(node);
  }

  /** The Lamport time of the buffered intent for `node`, if it is of `kind`. */
  get(node: string, kind: IntentKind): LamportTime | undefined {
    const cur = this.byNode.get(node);
    return cur !== undefined && cur.kind === kind ? cur.lTime : undefined;
  }

  /** Drop every intent buffered more than `timeoutMs` before `now`. */
  reap(now: number, timeoutMs: number): void {
    for (const [node, intent] of this.byNode) {
      if (now - intent.seenMs > timeoutMs) this.delete(node);
    }
  }

  /** Number of buffered intents. */
  get size(): number {
    return this.byNode.size;
  }
}
