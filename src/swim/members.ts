/**
 * The member table of one SWIM core: struct-of-arrays indexed by interned name id.
 *
 * Why this shape: a simulator runs 10,000 nodes that each know 10,000 members in one process
 * (10^8 records). A JS object per record costs hundreds of bytes; here a record is
 * 4 (incarnation) + 1 (state) + 8 (state change ms) + 4 (address id) + 4 (meta id) + 6 (Vsn)
 * + 4 (probe-list slot) = 31 bytes, in typed arrays outside the JS heap. Names, addresses and
 * meta blobs live once in the shared {@link Interner}.
 *
 * The probe list `order` is memberlist's `m.nodes` slice (state.go): every known member including
 * self and not-yet-forgotten dead/left ones, in shuffled order; new members are inserted at a
 * random position (aliveNode) and the list is compacted and reshuffled at wrap-around (resetNodes).
 */
import type { Interner } from './interner.js';
import { PUSH_NODE_STATE_OVERHEAD_BYTES } from '../wire/limits.js';

/** State code: this node does not know the member. Push-pull `State` is `code − 1` for the others. */
export const ABSENT = 0;
/** State code: alive (push-pull State 0). */
export const ALIVE = 1;
/** State code: suspect (push-pull State 1). */
export const SUSPECT = 2;
/** State code: dead (push-pull State 2). */
export const DEAD = 3;
/** State code: left gracefully (push-pull State 3). */
export const LEFT = 4;

/** A state code as stored (0 = not known). */
export type StateCode = typeof ABSENT | typeof ALIVE | typeof SUSPECT | typeof DEAD | typeof LEFT;

/** Six Vsn bytes: PMin, PMax, PCur, DMin, DMax, DCur. */
export type Vsn6 = readonly [number, number, number, number, number, number];

/** Struct-of-arrays member table. See the module comment. */
export class MemberTable {
  private readonly interner: Interner;
  /** Allocated slots (≥ every id present). */
  private cap = 0;
  /** State code per name id (0 = this node does not know that name). */
  state: Uint8Array = new Uint8Array(0);
  /** Last known incarnation (uint32). */
  incarnation: Uint32Array = new Uint32Array(0);
  /** `now` (ms) of the last state change. Float64: `now` may be epoch milliseconds. */
  stateChangeMs: Float64Array = new Float64Array(0);
  /** Interned address id. */
  addr: Uint32Array = new Uint32Array(0);
  /** Interned meta id. */
  meta: Uint32Array = new Uint32Array(0);
  /** Vsn bytes, 6 per id. */
  vsn: Uint8Array = new Uint8Array(0);
  /** The probe list: name ids, `count` of them in use. */
  order: Int32Array = new Int32Array(16);
  /** Number of members in the list (memberlist's numNodes / estNumNodes). */
  count = 0;
  /**
   * Bumped by every change to the table (members, their fields, the list order): lets the core
   * reuse an encoded push-pull state while nothing changed.
   */
  version = 0;
  /**
   * The most bytes this table's members take in a push-pull (each: name, address and meta bytes
   * plus the entry's fixed overhead): what the member-table budget bounds (issue 11).
   */
  stateBytes = 0;

  constructor(interner: Interner) {
    this.interner = interner;
  }

  /** Is `id` a member of this table? */
  has(id: number): boolean {
    return id >= 0 && id < this.cap && this.state[id] !== ABSENT;
  }

  /**
   * Add a member (it must not be present). The caller hands over one reference each to the name,
   * address and meta ids (from `Interner.retain*`); the table releases them when it forgets the
   * member. It is inserted in the probe list at `offset`
   * (memberlist swaps a random element to the end and puts the new node there).
   */
  add(
    id: number,
    state: StateCode,
    incarnation: number,
    stateChangeMs: number,
    addrId: number,
    metaId: number,
    vsn: Vsn6,
    offset: number,
  ): void {
    this.version++;
    if (this.has(id)) throw new Error(`members: ${id} already present`);
    this.ensure(id + 1);
    this.state[id] = state;
    this.incarnation[id] = incarnation;
    this.stateChangeMs[id] = stateChangeMs;
    this.addr[id] = addrId;
    this.meta[id] = metaId;
    this.stateBytes += this.entryBytes(id);
    this.setVsn(id, vsn);
    if (this.count === this.order.length) {
      const o = new Int32Array(this.order.length * 2);
      o.set(this.order);
      this.order = o;
    }
    const n = this.count;
    this.order[n] = id;
    if (offset !== n) {
      this.order[n] = this.order[offset] as number;
      this.order[offset] = id;
    }
    this.count = n + 1;
  }

  /** Replace a member's address; takes over the caller's reference to `addrId`. */
  setAddr(id: number, addrId: number): void {
    this.version++;
    const it = this.interner;
    this.stateBytes += it.addr(addrId).ip.length - it.addr(this.addr[id] as number).ip.length;
    it.releaseAddr(this.addr[id] as number);
    this.addr[id] = addrId;
  }

  /** Replace a member's meta; takes over the caller's reference to `metaId`. */
  setMeta(id: number, metaId: number): void {
    this.version++;
    const it = this.interner;
    this.stateBytes += it.meta(metaId).length - it.meta(this.meta[id] as number).length;
    it.releaseMeta(this.meta[id] as number);
    this.meta[id] = metaId;
  }

  /** The most bytes member `id` takes in a push-pull. */
  entryBytes(id: number): number {
    const it = this.interner;
    return (
      PUSH_NODE_STATE_OVERHEAD_BYTES +
      it.nameBytes(id) +
      it.addr(this.addr[id] as number).ip.length +
      it.meta(this.meta[id] as number).length
    );
  }

  /** Append a member to the end of the probe list (bulk loads shuffle once afterwards). */
  append(
    id: number,
    state: StateCode,
    incarnation: number,
    stateChangeMs: number,
    addrId: number,
    metaId: number,
    vsn: Uint8Array,
    vsnOffset: number,
  ): void {
    this.version++;
    if (this.has(id)) throw new Error(`members: ${id} already present`);
    this.ensure(id + 1);
    this.state[id] = state;
    this.incarnation[id] = incarnation;
    this.stateChangeMs[id] = stateChangeMs;
    this.addr[id] = addrId;
    this.meta[id] = metaId;
    this.stateBytes += this.entryBytes(id);
    const v = this.vsn;
    const o = id * 6;
    for (let k = 0; k < 6; k++) v[o + k] = vsn[vsnOffset + k] as number;
    if (this.count === this.order.length) {
      const o = new Int32Array(Math.max(16, this.order.length * 2));
      o.set(this.order);
      this.order = o;
    }
    this.order[this.count++] = id;
  }

  /** Make room for ids below `n` and `members` probe-list entries in one step (bulk loads). */
  reserve(n: number, members: number): void {
    this.ensure(n);
    if (members > this.order.length) {
      const o = new Int32Array(members);
      o.set(this.order.subarray(0, this.count));
      this.order = o;
    }
  }

  /** Store the six Vsn bytes. */
  setVsn(id: number, v: Vsn6): void {
    this.version++;
    const o = id * 6;
    const a = this.vsn;
    a[o] = v[0];
    a[o + 1] = v[1];
    a[o + 2] = v[2];
    a[o + 3] = v[3];
    a[o + 4] = v[4];
    a[o + 5] = v[5];
  }

  /** Set a member's incarnation. */
  setIncarnation(id: number, incarnation: number): void {
    this.version++;
    this.incarnation[id] = incarnation;
  }

  /** Set a member's state and the time it changed. */
  setState(id: number, state: StateCode, nowMs: number): void {
    this.version++;
    this.state[id] = state;
    this.stateChangeMs[id] = nowMs;
  }

  /** Vsn byte `i` (0..5) of member `id`. */
  vsnAt(id: number, i: number): number {
    return this.vsn[id * 6 + i] as number;
  }

  /** The six Vsn bytes of `id` as a tuple. */
  vsnOf(id: number): [number, number, number, number, number, number] {
    const o = id * 6;
    const a = this.vsn;
    return [
      a[o] as number,
      a[o + 1] as number,
      a[o + 2] as number,
      a[o + 3] as number,
      a[o + 4] as number,
      a[o + 5] as number,
    ];
  }

  /**
   * memberlist resetNodes + moveDeadNodes (state.go, util.go): drop every member for which
   * `forget(id)` is true from the list and the table (releasing its interned references), keeping
   * the relative order of the others. Returns the number forgotten.
   */
  compact(forget: (id: number) => boolean): number {
    this.version++;
    let w = 0;
    const o = this.order;
    for (let r = 0; r < this.count; r++) {
      const id = o[r] as number;
      if (forget(id)) {
        this.drop(id);
      } else {
        o[w++] = id;
      }
    }
    const removed = this.count - w;
    this.count = w;
    return removed;
  }

  /** Fisher–Yates shuffle of the probe list with `int(n)` ∈ [0, n). */
  shuffle(int: (n: number) => number): void {
    this.version++;
    const o = this.order;
    for (let i = this.count - 1; i > 0; i--) {
      const j = int(i + 1);
      const t = o[i] as number;
      o[i] = o[j] as number;
      o[j] = t;
    }
  }

  /** Visit every member id in probe-list order. */
  forEach(fn: (id: number) => void): void {
    const o = this.order;
    for (let i = 0; i < this.count; i++) fn(o[i] as number);
  }

  /** Release a member's references and mark it absent (the caller fixes the probe list). */
  private drop(id: number): void {
    this.stateBytes -= this.entryBytes(id);
    this.interner.releaseAddr(this.addr[id] as number);
    this.interner.releaseMeta(this.meta[id] as number);
    this.interner.releaseName(id);
    this.state[id] = ABSENT;
  }

  /** Grow the arrays to hold ids below `n`, never beyond what the interner has handed out. */
  ensure(n: number): void {
    if (n <= this.cap) return;
    // Grow geometrically for amortised O(1), but cap at the interner's id space: in a simulated
    // world every node ends up knowing (almost) every name, so this sizes tables exactly. The
    // first allocation takes the whole id space at once (a simulator that interns its names
    // before building the cores thus allocates each table once).
    const limit = this.interner.nameCapacity;
    const cap =
      this.cap === 0 ? Math.max(n, limit) : Math.max(n, Math.min(Math.max(16, this.cap * 2), limit));
    // All fields in one ArrayBuffer: one allocation per growth instead of six (allocating typed
    // arrays is what dominates building 10,000 tables).
    const buf = new ArrayBuffer(cap * BYTES_PER_MEMBER);
    const stateChangeMs = new Float64Array(buf, 0, cap);
    const incarnation = new Uint32Array(buf, cap * 8, cap);
    const addr = new Uint32Array(buf, cap * 12, cap);
    const meta = new Uint32Array(buf, cap * 16, cap);
    const state = new Uint8Array(buf, cap * 20, cap);
    const vsn = new Uint8Array(buf, cap * 21, cap * 6);
    stateChangeMs.set(this.stateChangeMs);
    incarnation.set(this.incarnation);
    addr.set(this.addr);
    meta.set(this.meta);
    state.set(this.state);
    vsn.set(this.vsn);
    this.stateChangeMs = stateChangeMs;
    this.incarnation = incarnation;
    this.addr = addr;
    this.meta = meta;
    this.state = state;
    this.vsn = vsn;
    this.cap = cap;
  }

  /** Bytes held by this table's arrays (for memory reports). */
  byteSize(): number {
    return this.cap * BYTES_PER_MEMBER + this.order.byteLength;
  }
}

/** 8 (state change) + 4 (incarnation) + 4 (address) + 4 (meta) + 1 (state) + 6 (Vsn). */
const BYTES_PER_MEMBER = 27;
