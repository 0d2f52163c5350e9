/**
 * The core's only notion of time: a keyed min-heap of absolute deadlines (ms). Keys name what is
 * due (`probe`, `gossip`, `push-pull`, `suspect:<name>`, `ack:<seq>` …); no closures are stored, so
 * the state is plain data. Ties are broken by insertion order, so a seeded run replays exactly
 * (quinn-proto's TimerTable; foca's timer-order bug is the counter-example).
 *
 * Re-arming or deleting a key marks its old heap entry stale (lazy deletion); stale entries are
 * skipped when they surface and the heap is rebuilt when they pile up.
 */

interface Entry {
  readonly at: number;
  readonly seq: number;
  readonly key: string;
  live: boolean;
}

/** A keyed min-heap of deadlines. */
export class DeadlineHeap {
  private heap: Entry[] = [];
  private readonly byKey = new Map<string, Entry>();
  private seq = 0;
  private stale = 0;

  /** Number of armed keys. */
  get size(): number {
    return this.byKey.size;
  }

  /** Arm (or re-arm) `key` at absolute time `at`. */
  set(key: string, at: number): void {
    const old = this.byKey.get(key);
    if (old !== undefined) {
      old.live = false;
      this.stale++;
    }
    const e: Entry = { at, seq: this.seq++, key, live: true };
    this.byKey.set(key, e);
    this.push(e);
    if (this.stale > 64 && this.stale > this.heap.length / 2) this.rebuild();
  }

  /** Disarm `key` (no-op if not armed). */
  delete(key: string): void {
    const old = this.byKey.get(key);
    if (old === undefined) return;
    old.live = false;
    this.stale++;
    this.byKey.delete(key);
  }

  /** The deadline of `key`, if armed. */
  get(key: string): number | undefined {
    return this.byKey.get(key)?.at;
  }

  /** Is `key` armed? */
  has(key: string): boolean {
    return this.byKey.has(key);
  }

  /** Earliest armed deadline, or undefined. */
  peek(): number | undefined {
    this.dropStaleTop();
    return this.heap[0]?.at;
  }

  /** Remove and return the key of the earliest deadline if it is ≤ `now`, else undefined. */
  popDue(now: number): string | undefined {
    this.dropStaleTop();
    const top = this.heap[0];
    if (top === undefined || top.at > now) return undefined;
    this.popTop();
    top.live = false;
    this.byKey.delete(top.key);
    return top.key;
  }

  /** Every armed key with its deadline (for invariant checks and debugging), earliest first. */
  entries(): [string, number][] {
    return [...this.byKey.values()].sort((a, b) => (less(a, b) ? -1 : 1)).map((e) => [e.key, e.at]);
  }

  private dropStaleTop(): void {
    while (this.heap.length > 0 && !(this.heap[0] as Entry).live) {
      this.popTop();
      this.stale--;
    }
  }

  private rebuild(): void {
    this.heap = this.heap.filter((e) => e.live);
    this.stale = 0;
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pe = h[p] as Entry;
      if (!less(e, pe)) break;
      h[i] = pe;
      i = p;
    }
    h[i] = e;
  }

  private popTop(): void {
    const h = this.heap;
    const last = h.pop() as Entry;
    if (h.length > 0) {
      h[0] = last;
      this.down(0);
    }
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const e = h[i] as Entry;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && less(h[r] as Entry, h[l] as Entry) ? r : l;
      const ce = h[c] as Entry;
      if (!less(ce, e)) break;
      h[i] = ce;
      i = c;
    }
    h[i] = e;
  }
}

function less(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
