/**
 * Name-conflict resolution (serf: serf/serf.go `handleNodeConflict`, `resolveNodeConflict`;
 * reference §11.9). When memberlist sees another address claim our name, we ask the cluster
 * (`_serf_conflict` with our name as payload) which address it knows for that name. We stay only
 * if a majority of the answers name our own address and port; otherwise we shut down.
 */
import type { Address } from '../core/io.js';

/** Counts `_serf_conflict` answers for our own name. */
export class ConflictTally {
  private responses = 0;
  private matching = 0;

  constructor(private readonly self: Address) {}

  /**
   * Count one decoded answer: the member the responder knows under our name (`null` when it knows
   * none — Go decodes that as an empty member, which counts as an answer that does not match).
   */
  add(member: { readonly addr: Address } | null): void {
    this.responses++;
    if (member !== null && member.addr.ip === this.self.ip && member.addr.port === this.self.port)
      this.matching++;
  }

  /** Answers counted so far, and how many named our address. */
  counts(): { responses: number; matching: number } {
    return { responses: this.responses, matching: this.matching };
  }

  /**
   * Whether we keep our name: `matching >= floor(responses / 2) + 1`. With no answers at all this
   * is false, exactly as in Serf (a conflict means somebody else exists and should have answered).
   */
  keep(): boolean {
    return this.matching >= Math.floor(this.responses / 2) + 1;
  }
}
