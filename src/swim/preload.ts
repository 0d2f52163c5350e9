/**
 * Pre-joined worlds for simulators: a {@link PreloadBatch} interns a member list once, so that
 * thousands of cores sharing the interner can each learn all of it with a tight loop over ids
 * (10,000 nodes × 10,000 members = 10^8 records) instead of 10^8 name and address lookups.
 */
import type { Address } from '../core/io.js';
import type { Interner } from './interner.js';
import type { Vsn6 } from './members.js';
import { parseIp } from '../wire/ip.js';
import { ConfigError } from '../wire/errors.js';

/** One member known out of band, as alive. */
export interface PreloadedMember {
  readonly name: string;
  readonly addr: Address;
  readonly meta: Uint8Array;
  readonly incarnation: number;
  readonly vsn: Vsn6;
}

/**
 * Interned ids of a member list. The batch holds one reference to each id for as long as it
 * lives (release them with {@link PreloadBatch.release} when the world is torn down).
 */
export class PreloadBatch {
  readonly interner: Interner;
  readonly size: number;
  readonly nameIds: Int32Array;
  readonly addrIds: Uint32Array;
  readonly metaIds: Uint32Array;
  readonly incarnations: Uint32Array;
  /** Six Vsn bytes per member. */
  readonly vsn: Uint8Array;
  /** Largest name id + 1: the table capacity a core needs. */
  readonly maxNameId: number;
  private released = false;

  constructor(interner: Interner, members: readonly PreloadedMember[]) {
    const problems: string[] = [];
    const ips = members.map((m) => parseIp(m.addr.ip));
    ips.forEach((ip, i) => {
      if (ip === undefined)
        problems.push(`members[${i}].addr.ip: not an IP address (${members[i]?.addr.ip})`);
    });
    if (problems.length > 0) throw new ConfigError(problems);
    this.interner = interner;
    const n = members.length;
    this.size = n;
    this.nameIds = new Int32Array(n);
    this.addrIds = new Uint32Array(n);
    this.metaIds = new Uint32Array(n);
    this.incarnations = new Uint32Array(n);
    this.vsn = new Uint8Array(n * 6);
    let max = 0;
    for (let i = 0; i < n; i++) {
      const m = members[i] as PreloadedMember;
      const id = interner.retainName(m.name);
      this.nameIds[i] = id;
      max = Math.max(max, id + 1);
      this.addrIds[i] = interner.retainAddr(ips[i] as Uint8Array, m.addr.port);
      this.metaIds[i] = interner.retainMeta(m.meta);
      this.incarnations[i] = m.incarnation;
      this.vsn.set(m.vsn, i * 6);
    }
    this.maxNameId = max;
  }

  /** Drop the batch's references. */
  release(): void {
    if (this.released) return;
    this.released = true;
    for (let i = 0; i < this.size; i++) {
      this.interner.releaseName(this.nameIds[i] as number);
      this.interner.releaseAddr(this.addrIds[i] as number);
      this.interner.releaseMeta(this.metaIds[i] as number);
    }
  }

  /** Has {@link release} been called? */
  get isReleased(): boolean {
    return this.released;
  }
}
