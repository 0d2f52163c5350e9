/**
 * The core's only notion of time: a keyed min-heap of absolute deadlines (ms). A key is plain
 * data naming what is due — each owner declares its own discriminated union (`SwimTimer`,
 * `SerfTimer`, a service's timers) — and no closures are stored, so the state is plain data.
 * `popDue` hands the key back as it was armed: nobody parses a string to learn what fired. Ties
 * are broken by insertion order, so a seeded run replays exactly (quinn-proto's TimerTable; foca's
 * timer-order bug is the counter-example).
 *
 * Two keys are the same timer when their identities (`identify(key)`) are equal: re-arming a
 * timer moves it, it never duplicates it. The identity is only ever compared, never parsed.
 * Re-arming or deleting a key marks its old heap entry stale (lazy deletion); stale entries are
 * skipped when they surface and the heap is rebuilt when they pile up.
 */

interface Entry<K> {
  readonly at: number;
  readonly seq: number;
  readonly key: K;
  readonly id: string;
  live: boolean;
}

/** A keyed min-heap of deadlines whose keys are values of type `K`. */
export class DeadlineHeap<K> {
  private heap: Entry<K>[] = [];
  private readonly byKey = new Map<string, Entry<K>>();
  private seq = 0;
  private stale = 0;

  /**
   * @param identify a key's identity: equal identities are one timer. Must be injective over
   *   the keys in use (e.g. `suspect:${node}` beside a fixed `probe`).
   */
  constructor(private readonly identify: (key: K) => string) {}

  /** A heap whose keys are their own identity. */
  static ofStrings(): DeadlineHeap<string> {
    return new DeadlineHeap<string>((k) => k);
  }

  /** Number of armed keys. */
  get size(): number {
    return this.byKey.size;
  }

  /** Arm (or re-arm) `key` at absolute time `at`. */
  set(key: K, at: number): void {
    const id = this.identify(key);
    const old = this.byKey.get(id);
    if (old !== undefined) {
      old.live = false;
      this.stale++;
    }
    const e: Entry<K> = { at, seq: this.seq++, key, id, live: true };
    this.byKey.set(id, e);
    this.push(e);
    if (this.stale > 64 && this.stale > this.heap.length / 2) this.rebuild();
  }

  /** Disarm `key` (no-op if not armed). */
  delete(key: K): void {
    const id = this.identify(key);
    const old = this.byKey.get(id);
    if (old === undefined) return;
    old.live = false;
    this.stale++;
    this.byKey.delete(id);
  }

  /** The deadline of `key`, if armed. */
  get(key: K): number | undefined {
    return this.byKey.get(this.identify(key))?.at;
  }

  /** Is `key` armed? */
  has(key: K): boolean {
    return this.byKey.has(this.identify(key));
  }

  /** Earliest armed deadline, or undefined. */
  peek(): number | undefined {
    this.dropStaleTop();
    return this.heap[0]?.at;
  }

  /** Remove and return the key of the earliest deadline if it is ≤ `now`, else undefined. */
  popDue(now: number): K | undefined {
    this.dropStaleTop();
    const top = this.heap[0];
    if (top === undefined || top.at > now) return undefined;
    this.popTop();
    top.live = false;
    this.byKey.delete(top.id);
    return top.key;
  }

  /** Disarm every key. */
  clear(): void {
    this.heap = [];
    this.byKey.clear();
    this.stale = 0;
  }

  /** Every armed key with its deadline (for invariant checks and debugging), earliest first. */
  entries(): [K, number][] {
    return [...this.byKey.values()].sort((a, b) => (less(a, b) ? -1 : 1)).map((e) => [e.key, e.at]);
  }

  private dropStaleTop(): void {
    while (this.heap.length > 0 && !(this.heap[0] as Entry<K>).live) {
      this.popTop();
      this.stale--;
    }
  }

  private rebuild(): void {
    this.heap = this.heap.filter((e) => e.live);
    this.stale = 0;
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  private push(e: Entry<K>): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pe = h[p] as Entry<K>;
      if (!less(e, pe)) break;
      h[i] = pe;
      i = p;
    }
    h[i] = e;
  }

  private popTop(): void {
    const h = this.heap;
    const last = h.pop() as Entry<K>;
    if (h.length > 0) {
      h[0] = last;
      this.down(0);
    }
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const e = h[i] as Entry<K>;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && less(h[r] as Entry<K>, h[l] as Entry<K>) ? r : l;
      const ce = h[c] as Entry<K>;
      if (!less(ce, e)) break;
      h[i] = ce;
      i = c;
    }
    h[i] = e;
  }
}

function less<K>(a: Entry<K>, b: Entry<K>): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
