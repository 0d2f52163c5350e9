/**
 * The transmit-limited broadcast queue (memberlist queue.go TransmitLimitedQueue).
 *
 * Every queued message is handed out at most `retransmitMult × ceil(log10(n + 1))` times in total
 * (each hand-out to one peer counts once), then dropped. Selection order when filling a packet:
 * fewest transmissions first; within that, the largest message that still fits; ties to the newest.
 * A message about node X (a *named* broadcast) replaces any queued message about X, so a stale
 * suspect never outlives the alive that refuted it. Unnamed messages (Serf's) are never replaced.
 *
 * The Serf-compatible layer reuses this class for its own queues with its own member count.
 */

/** memberlist retransmitLimit (util.go): `mult × ceil(log10(n + 1))`. */
export function retransmitLimit(retransmitMult: number, n: number): number {
  return retransmitMult * Math.ceil(Math.log10(n + 1));
}

interface Item {
  transmits: number;
  readonly len: number;
  readonly id: number;
  readonly msg: Uint8Array;
  readonly name: string | undefined;
  readonly onFinished: (() => void) | undefined;
}

/** Options of a {@link TransmitLimitedQueue}. */
export interface TransmitLimitedQueueOptions {
  /** `RetransmitMult` of the limit formula. */
  readonly retransmitMult: number;
  /** The current cluster size `n` of the limit formula (memberlist: its node count). */
  readonly numNodes: () => number;
}

/** See the module comment. */
export class TransmitLimitedQueue {
  private readonly retransmitMult: number;
  private readonly numNodes: () => number;
  /**
   * tiers[t]: items transmitted t times, in *reverse* selection order (length ascending, then id
   * ascending), so the usual pick — the largest, newest message, when everything fits — is the
   * last element and leaves the array with an O(1) pop instead of an O(n) shift. With thousands of
   * queued alive messages (a join storm) the shift dominated the simulator's profile.
   */
  private tiers: Item[][] = [];
  private readonly byName = new Map<string, Item>();
  private total = 0;
  private idGen = 0;

  constructor(opts: TransmitLimitedQueueOptions) {
    this.retransmitMult = opts.retransmitMult;
    this.numNodes = opts.numNodes;
  }

  /** Messages waiting to be (re)transmitted. */
  numQueued(): number {
    return this.total;
  }

  /**
   * Queue `message` (never empty). With a `name`, a queued message of the same name is dropped
   * first (its `onFinished` runs). `onFinished` runs once when this message is done: transmitted
   * the full limit, replaced, pruned or reset (memberlist Broadcast.Finished).
   */
  queue(message: Uint8Array, name?: string, onFinished?: () => void): void {
    if (message.length === 0) throw new Error('broadcast-queue: empty message');
    this.idGen = this.idGen >= Number.MAX_SAFE_INTEGER ? 1 : this.idGen + 1;
    if (name !== undefined) {
      const old = this.byName.get(name);
      if (old !== undefined) {
        this.remove(old);
        old.onFinished?.();
      }
    }
    this.insert({ transmits: 0, len: message.length, id: this.idGen, msg: message, name, onFinished });
  }

  /**
   * Take messages for one packet: each costs its length plus `overheadBytes`, and the total stays
   * within `limitBytes` (queue.go GetBroadcasts). Every message returned counts one transmission.
   */
  getBroadcasts(overheadBytes: number, limitBytes: number): Uint8Array[] {
    if (this.total === 0) return [];
    const transmitLimit = retransmitLimit(this.retransmitMult, this.numNodes());
    const out: Uint8Array[] = [];
    const reinsert: Item[] = [];
    let bytesUsed = 0;
    let t = this.minTier();
    const maxT = this.tiers.length - 1;
    while (t <= maxT) {
      const free = limitBytes - bytesUsed - overheadBytes;
      if (free <= 0) break;
      const tier = this.tiers[t];
      const i = tier === undefined ? -1 : lastFitting(tier, free);
      if (i < 0) {
        t++;
        continue;
      }
      const item = (tier as Item[])[i] as Item;
      this.removeAt(item, i);
      out.push(item.msg);
      bytesUsed += overheadBytes + item.len;
      if (item.transmits + 1 >= transmitLimit) {
        item.onFinished?.();
      } else {
        item.transmits++;
        reinsert.push(item);
      }
    }
    for (const item of reinsert) this.insert(item);
    return out;
  }

  /** Drop the oldest, most transmitted messages until at most `maxRetain` remain (queue.go Prune). */
  prune(maxRetain: number): void {
    while (this.total > maxRetain) {
      const tier = this.tiers[this.tiers.length - 1] as Item[];
      const item = tier[0] as Item;
      this.removeAt(item, 0);
      item.onFinished?.();
    }
  }

  /** Drop everything (each `onFinished` runs). */
  reset(): void {
    const all = this.items();
    this.tiers = [];
    this.byName.clear();
    this.total = 0;
    this.idGen = 0;
    for (const item of all) item.onFinished?.();
  }

  /** Snapshot for tests and invariant checks: every item in selection order. */
  items(): { transmits: number; message: Uint8Array; name: string | undefined; onFinished?: () => void }[] {
    const out = [];
    for (const tier of this.tiers) {
      for (let i = tier.length - 1; i >= 0; i--) {
        const it = tier[i] as Item;
        out.push({ transmits: it.transmits, message: it.msg, name: it.name, onFinished: it.onFinished });
      }
    }
    return out;
  }

  /** Is a message with this name queued? */
  hasNamed(name: string): boolean {
    return this.byName.has(name);
  }

  private minTier(): number {
    for (let t = 0; t < this.tiers.length; t++) if ((this.tiers[t] as Item[]).length > 0) return t;
    return this.tiers.length;
  }

  private insert(item: Item): void {
    while (this.tiers.length <= item.transmits) this.tiers.push([]);
    const tier = this.tiers[item.transmits] as Item[];
    const at = position(tier, item);
    if (at === tier.length) tier.push(item);
    else tier.splice(at, 0, item);
    if (item.name !== undefined) this.byName.set(item.name, item);
    this.total++;
  }

  private remove(item: Item): void {
    const tier = this.tiers[item.transmits] as Item[];
    const at = position(tier, item);
    if (tier[at] !== item) throw new Error('broadcast-queue: item not found');
    this.removeAt(item, at);
  }

  private removeAt(item: Item, index: number): void {
    const tier = this.tiers[item.transmits] as Item[];
    if (index === tier.length - 1) tier.pop();
    else tier.splice(index, 1);
    if (item.name !== undefined && this.byName.get(item.name) === item) this.byName.delete(item.name);
    this.total--;
    // Trim empty top tiers so the highest tier is always non-empty (prune relies on it).
    while (this.tiers.length > 0 && (this.tiers[this.tiers.length - 1] as Item[]).length === 0)
      this.tiers.pop();
    // Never reset idGen here: getBroadcasts empties the queue transiently while the items it took
    // wait for re-insertion with their old ids; restarting ids would give two items the same
    // (length, id) sort key and `remove` could then miss the one it looks for.
  }
}

/** Index of the first item of `tier` that sorts after `item` (shorter first, then older), or of `item` itself. */
function position(tier: readonly Item[], item: Item): number {
  let lo = 0;
  let hi = tier.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const m = tier[mid] as Item;
    if (m.len < item.len || (m.len === item.len && m.id < item.id)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the last (largest, then newest) item of `tier` whose length is ≤ `free`, or −1. */
function lastFitting(tier: readonly Item[], free: number): number {
  let lo = 0;
  let hi = tier.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((tier[mid] as Item).len <= free) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}
