/**
 * The simulator's one global event queue: a binary min-heap of plain records ordered by virtual
 * time, ties broken by insertion order. Insertion order is what makes a seeded run replay exactly:
 * two events due at the same millisecond always run in the order they were scheduled.
 *
 * Records are plain objects (no closures, no promises) so that millions of in-flight packets cost
 * one small object each. The heap stamps `seq` itself on {@link EventHeap.push}.
 */

/** What the heap needs of a record: its due time (integer ms) and a tie-breaking sequence number. */
export interface HeapRecord {
  /** Due time, absolute virtual ms. */
  t: number;
  /** Insertion sequence number, assigned by the heap. */
  seq: number;
}

/** A binary min-heap on `(t, seq)`. */
export class EventHeap<R extends HeapRecord> {
  private readonly items: R[] = [];
  private nextSeq = 0;

  /** Number of queued records. */
  get size(): number {
    return this.items.length;
  }

  /** Queue `record` (its `seq` is overwritten with the next insertion number). */
  push(record: R): void {
    record.seq = this.nextSeq++;
    const items = this.items;
    let i = items.length;
    items.push(record);
    // Sift up.
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent] as R;
      if (p.t < record.t || (p.t === record.t && p.seq < record.seq)) break;
      items[i] = p;
      i = parent;
    }
    items[i] = record;
  }

  /** The earliest record without removing it, or `undefined` when empty. */
  peek(): R | undefined {
    return this.items[0];
  }

  /** Remove and return the earliest record, or `undefined` when empty. */
  pop(): R | undefined {
    const items = this.items;
    const n = items.length;
    if (n === 0) return undefined;
    const top = items[0] as R;
    const last = items.pop() as R;
    if (n > 1) {
      // Sift `last` down from the root.
      const size = n - 1;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= size) break;
        const r = l + 1;
        let c = l;
        let child = items[l] as R;
        if (r < size) {
          const rc = items[r] as R;
          if (rc.t < child.t || (rc.t === child.t && rc.seq < child.seq)) {
            c = r;
            child = rc;
          }
        }
        if (last.t < child.t || (last.t === child.t && last.seq < child.seq)) break;
        items[i] = child;
        i = c;
      }
      items[i] = last;
    }
    return top;
  }
}
