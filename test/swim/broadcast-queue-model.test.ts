import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TransmitLimitedQueue, retransmitLimit } from '../../src/swim/broadcast-queue.js';

/**
 * A deliberately naive model of memberlist's TransmitLimitedQueue (queue.go): one flat list, sorted
 * afresh on every call by (transmits ascending, length descending, id descending). The real queue
 * keeps sorted tiers for speed; both must hand out the same messages in the same order and finish
 * the same ones.
 */
class ModelQueue {
  private items: { transmits: number; id: number; msg: Uint8Array; name?: string; fin: () => void }[] = [];
  private idGen = 0;
  constructor(
    private readonly n: number,
    private readonly finished: string[],
  ) {}

  private sorted() {
    return [...this.items].sort(
      (a, b) => a.transmits - b.transmits || b.msg.length - a.msg.length || b.id - a.id,
    );
  }

  queue(msg: Uint8Array, label: string, name?: string): void {
    const old = name === undefined ? undefined : this.items.find((i) => i.name === name);
    if (old !== undefined) {
      this.items = this.items.filter((i) => i !== old);
      old.fin();
    }
    this.items.push({
      transmits: 0,
      id: ++this.idGen,
      msg,
      fin: () => this.finished.push(label),
      ...(name ? { name } : {}),
    });
  }

  get(overhead: number, limit: number): Uint8Array[] {
    const max = retransmitLimit(4, this.n);
    const out: Uint8Array[] = [];
    let used = 0;
    for (const it of this.sorted()) {
      if (limit - used - overhead <= 0) break;
      if (it.msg.length > limit - used - overhead) continue;
      out.push(it.msg);
      used += overhead + it.msg.length;
      if (it.transmits + 1 >= max) {
        this.items = this.items.filter((i) => i !== it);
        it.fin();
      } else it.transmits++;
    }
    return out;
  }

  prune(keep: number): void {
    while (this.items.length > keep) {
      const last = this.sorted().at(-1)!;
      this.items = this.items.filter((i) => i !== last);
      last.fin();
    }
  }

  reset(): void {
    const all = this.sorted();
    this.items = [];
    this.idGen = 0;
    for (const it of all) it.fin();
  }

  order(): Uint8Array[] {
    return this.sorted().map((i) => i.msg);
  }
}

test('property: the queue hands out, finishes and orders exactly like the naive sorted-list model', () => {
  const op = fc.oneof(
    {
      arbitrary: fc.record({
        op: fc.constant('queue' as const),
        len: fc.integer({ min: 1, max: 60 }),
        name: fc.option(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { nil: undefined }),
      }),
      weight: 4,
    },
    {
      arbitrary: fc.record({
        op: fc.constant('get' as const),
        overhead: fc.integer({ min: 0, max: 3 }),
        limit: fc.integer({ min: 0, max: 200 }),
      }),
      weight: 4,
    },
    {
      arbitrary: fc.record({ op: fc.constant('prune' as const), keep: fc.integer({ min: 0, max: 8 }) }),
      weight: 1,
    },
    { arbitrary: fc.record({ op: fc.constant('reset' as const) }), weight: 1 },
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 150 }), fc.integer({ min: 1, max: 200 }), (ops, n) => {
      const realDone: string[] = [];
      const modelDone: string[] = [];
      const q = new TransmitLimitedQueue({ retransmitMult: 4, numNodes: () => n });
      const m = new ModelQueue(n, modelDone);
      const labels = new Map<Uint8Array, string>();
      const named = (out: Uint8Array[]) => out.map((x) => labels.get(x));
      let k = 0;
      for (const o of ops) {
        if (o.op === 'queue') {
          const msg = new Uint8Array(o.len);
          const label = `m${k++}`;
          labels.set(msg, label);
          q.queue(msg, o.name, () => realDone.push(label));
          m.queue(msg, label, o.name);
        } else if (o.op === 'get') {
          assert.deepEqual(named(q.getBroadcasts(o.overhead, o.limit)), named(m.get(o.overhead, o.limit)));
        } else if (o.op === 'prune') {
          q.prune(o.keep);
          m.prune(o.keep);
        } else {
          q.reset();
          m.reset();
        }
        assert.deepEqual(realDone, modelDone, 'same messages finished, in the same order');
        assert.deepEqual(named(q.items().map((i) => i.message)), named(m.order()), 'same selection order');
      }
    }),
    { numRuns: 400 },
  );
});
