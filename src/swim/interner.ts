/**
 * Small-integer ids for the strings and byte strings every member record repeats: node names,
 * addresses (raw wire IP bytes + port) and meta blobs. The member table stores these ids in typed
 * arrays instead of per-member objects, which is what lets one process hold 10,000 nodes that each
 * know 10,000 members (10^8 records).
 *
 * By default every Swim makes its own interner. A simulator passes one interner to every node of a
 * world: the ids are shared, the knowledge is not (whether a node knows a member lives in that
 * node's own table), so nothing leaks between nodes. Ids are reference counted: an id is freed
 * (and later reused) once no table refers to it, so a long-lived node with member churn does not
 * grow without bound. Ids never influence protocol decisions, only storage.
 */
import type { Address } from '../core/io.js';
import { ipFromBytes } from '../wire/ip.js';
import { utf8Length } from '../wire/msgpack.js';

/** One kind of interned value: key string → id, with a reference count per id. */
class RefTable<V> {
  private readonly ids = new Map<string, number>();
  private keys: (string | undefined)[] = [];
  private values: (V | undefined)[] = [];
  private refs = new Int32Array(16);
  private readonly free: number[] = [];

  /** Highest id ever handed out + 1 (the size a table indexed by these ids needs). */
  get capacity(): number {
    return this.keys.length;
  }

  /** Number of live ids. */
  get size(): number {
    return this.ids.size;
  }

  lookup(key: string): number {
    const id = this.ids.get(key);
    return id === undefined ? -1 : id;
  }

  /** Id for `key` (created with `make()` if new), with one more reference. */
  retain(key: string, make: () => V): number {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.free.length > 0 ? (this.free.pop() as number) : this.keys.length;
      if (id === this.keys.length) {
        this.keys.push(key);
        this.values.push(make());
      } else {
        this.keys[id] = key;
        this.values[id] = make();
      }
      if (id >= this.refs.length) {
        const r = new Int32Array(Math.max(16, this.refs.length * 2));
        r.set(this.refs);
        this.refs = r;
      }
      this.ids.set(key, id);
    }
    this.refs[id] = (this.refs[id] as number) + 1;
    return id;
  }

  /** One more reference to a live id. */
  retainId(id: number): void {
    if (this.keys[id] === undefined) throw new Error(`interner: retain of free id ${id}`);
    this.refs[id] = (this.refs[id] as number) + 1;
  }

  /** One reference less; the id is freed at zero. */
  release(id: number): void {
    const r = (this.refs[id] as number) - 1;
    if (r < 0 || this.keys[id] === undefined) throw new Error(`interner: release of free id ${id}`);
    this.refs[id] = r;
    if (r === 0) {
      this.ids.delete(this.keys[id] as string);
      this.keys[id] = undefined;
      this.values[id] = undefined;
      this.free.push(id);
    }
  }

  value(id: number): V {
    const v = this.values[id];
    if (v === undefined) throw new Error(`interner: unknown id ${id}`);
    return v;
  }

  refCount(id: number): number {
    return this.keys[id] === undefined ? 0 : (this.refs[id] as number);
  }
}

/** An interned address: the raw wire IP bytes (4 or 16), the port, and its textual form. */
export interface InternedAddress {
  /** IP exactly as on the wire (memberlist compares these bytes to detect address conflicts). */
  readonly ip: Uint8Array;
  readonly port: number;
  /** The same address as text, for outputs and snapshots (frozen, shared). */
  readonly address: Address;
}

/** latin1 view of bytes: a compact, exact string key for byte strings. */
export function bytesKey(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}

/** Shared id spaces for names, addresses and meta blobs. See the module comment. */
export class Interner {
  private readonly nameTable = new RefTable<string>();
  private readonly addrTable = new RefTable<InternedAddress>();
  private readonly metaTable = new RefTable<Uint8Array>();
  /** UTF-8 length of each live name id, measured once when the id is created. */
  private nameUtf8 = new Uint32Array(16);

  /** Size a table indexed by name ids must have to hold every live id. */
  get nameCapacity(): number {
    return this.nameTable.capacity;
  }

  /** Live ids per kind (for memory reports and tests). */
  stats(): { names: number; addrs: number; metas: number } {
    return { names: this.nameTable.size, addrs: this.addrTable.size, metas: this.metaTable.size };
  }

  /** Id of `name`, or −1 if no table holds it. Adds no reference. */
  lookupName(name: string): number {
    return this.nameTable.lookup(name);
  }

  /** Id of `name`, with one more reference. */
  retainName(name: string): number {
    const id = this.nameTable.retain(name, () => name);
    if (this.nameTable.refCount(id) === 1) {
      if (id >= this.nameUtf8.length) {
        const a = new Uint32Array(Math.max(id + 1, this.nameUtf8.length * 2));
        a.set(this.nameUtf8);
        this.nameUtf8 = a;
      }
      this.nameUtf8[id] = utf8Length(name);
    }
    return id;
  }

  /** Bytes of UTF-8 in the name behind a live id (what it costs on the wire). */
  nameBytes(id: number): number {
    return this.nameUtf8[id] as number;
  }

  /** One more reference to a live name id. */
  retainNameId(id: number): void {
    this.nameTable.retainId(id);
  }

  /** Drop one reference to a name id. */
  releaseName(id: number): void {
    this.nameTable.release(id);
  }

  /** The name behind an id. */
  name(id: number): string {
    return this.nameTable.value(id);
  }

  /**
   * Id of the address `ip` (raw wire bytes, 4 or 16 of them) : `port`, with one more reference.
   * Throws wire's DecodeError for any other IP length: callers validate untrusted input first.
   */
  retainAddr(ip: Uint8Array, port: number): number {
    const key = `${bytesKey(ip)}|${port}`;
    return this.addrTable.retain(key, () => ({
      ip: ip.slice(),
      port,
      address: Object.freeze({ ip: ipFromBytes(ip), port }),
    }));
  }

  /** One more reference to a live address id. */
  retainAddrId(id: number): void {
    this.addrTable.retainId(id);
  }

  /** Drop one reference to an address id. */
  releaseAddr(id: number): void {
    this.addrTable.release(id);
  }

  /** The address behind an id. Do not mutate `ip`. */
  addr(id: number): InternedAddress {
    return this.addrTable.value(id);
  }

  /** Id of the meta blob `meta`, with one more reference. */
  retainMeta(meta: Uint8Array): number {
    return this.metaTable.retain(bytesKey(meta), () => meta.slice());
  }

  /** One more reference to a live meta id. */
  retainMetaId(id: number): void {
    this.metaTable.retainId(id);
  }

  /** Drop one reference to a meta id. */
  releaseMeta(id: number): void {
    this.metaTable.release(id);
  }

  /** The meta blob behind an id (shared: do not mutate). */
  meta(id: number): Uint8Array {
    return this.metaTable.value(id);
  }

  /** Reference counts, for invariant checks. */
  refCounts(kind: 'name' | 'addr' | 'meta', id: number): number {
    const t = kind === 'name' ? this.nameTable : kind === 'addr' ? this.addrTable : this.metaTable;
    return t.refCount(id);
  }
}
