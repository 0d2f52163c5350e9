/**
 * Adaptive mode's additions around the memberlist state machine (docs/failure-detection.md),
 * kept out of swim.ts so that `memberlist` mode is the untouched code path:
 *
 * - **all-to-all**: a state change this node originates (its alive or refutation, its accusation,
 *   its death declaration, its leave) is sent straight to every live member while the cluster is
 *   small (the blog post's all-to-all; `AdaptiveDetector.useAllToAll` adds hysteresis), and to
 *   the accused member in any case, so that a live one can refute at once. It is queued for
 *   gossip as well, so a lost direct packet is still repaired by gossip.
 * - **final check** (final-check.ts): a suspicion that runs out pings the suspect first.
 * - **stale accusations**: a member that accuses us at an incarnation we already refuted missed our
 *   refutation; memberlist ignores it, we answer with our current alive.
 *
 * Pure like the rest of the core: it only emits packets through the sender.
 */
import type { AdaptiveDetector } from './detector.js';
import { FinalChecks } from './final-check.js';
import { ALIVE, SUSPECT } from './members.js';
import type { Membership, MembershipHooks } from './membership.js';
import { suspectTimer, type SwimDeadlines } from './timers.js';
import type { Suspicion } from './suspicion.js';
import type { Metrics } from '../core/logger.js';
import type { Sender } from './sender.js';
import type { Writer } from '../wire/msgpack.js';
import { encodeMessage } from '../wire/memberlist-codec.js';

/** What the adaptive layer needs from the core. */
export interface AdaptiveDeps {
  readonly detector: AdaptiveDetector;
  readonly heap: SwimDeadlines;
  readonly membership: Membership;
  readonly sender: Sender;
  readonly metrics: Metrics;
  readonly writer: Writer;
  readonly selfAddr: { readonly ip: Uint8Array; readonly port: number };
  /** A fresh probe sequence number (the prober's counter). */
  nextSeqNo(): number;
}

/** See the module comment. One per core, only in `adaptive` mode. */
export class AdaptiveLayer implements MembershipHooks {
  private readonly d: AdaptiveDeps;
  readonly finalChecks: FinalChecks;

  constructor(deps: AdaptiveDeps) {
    this.d = deps;
    this.finalChecks = new FinalChecks({
      heap: deps.heap,
      membership: deps.membership,
      detector: deps.detector,
      metrics: deps.metrics,
      writer: deps.writer,
      selfAddr: deps.selfAddr,
      nextSeqNo: () => deps.nextSeqNo(),
      sendToMember: (id, parts) => deps.sender.sendToMember(id, parts),
    });
  }

  /** Is all-to-all on right now? */
  allToAll(): boolean {
    return this.d.detector.allToAllOn;
  }

  liveCountChanged(n: number): void {
    if (this.d.detector.observeLiveMembers(n)) {
      this.d.metrics.gauge('gossip_peer_all_to_all', this.d.detector.allToAllOn ? 1 : 0);
      this.d.metrics.incr('gossip_peer_dissemination_switch');
    }
  }

  originated(_now: number, encoded: Uint8Array, aboutId: number): void {
    const m = this.d.membership;
    const t = m.table;
    const self = m.selfId;
    if (this.allToAll()) {
      let sent = 0;
      for (let i = 0; i < t.count; i++) {
        const id = t.order[i] as number;
        if (id === self) continue;
        const st = t.state[id];
        if (st !== ALIVE && st !== SUSPECT && id !== aboutId) continue;
        this.d.sender.sendToMember(id, [encoded]);
        sent++;
      }
      this.d.metrics.incr('gossip_peer_all_to_all_packets', sent);
    } else if (aboutId !== self && aboutId >= 0 && t.has(aboutId)) {
      // Gossip mode: at least the accused hears it first-hand and can refute at once.
      this.d.sender.sendToMember(aboutId, [encoded]);
    }
  }

  /**
   * Our join merged a seed's member list. Our alive was queued for gossip before we knew anyone
   * but the seed, so in a small cluster it now goes straight to every member: each learns of us
   * in one trip instead of a few gossip rounds relayed through the seed.
   */
  joined(): void {
    if (!this.allToAll()) return;
    const m = this.d.membership;
    this.originated(0, encodeMessage(m.selfAliveMessage(), this.d.writer), m.selfId);
  }

  suspicionExpired(now: number, id: number, sus: Suspicion): boolean {
    return this.finalChecks.expired(now, id, sus);
  }

  suspicionCleared(_id: number, sus: Suspicion): void {
    this.finalChecks.cleared(sus);
  }

  staleAccusation(_now: number, from: string): void {
    const m = this.d.membership;
    const id = m.idOf(from);
    if (id < 0 || id === m.selfId) return;
    const st = m.table.state[id];
    if (st !== ALIVE && st !== SUSPECT) return;
    this.d.sender.sendToMember(id, [encodeMessage(m.selfAliveMessage(), this.d.writer)]);
    this.d.metrics.incr('gossip_peer_stale_accusation_answered');
  }

  /**
   * This node was stalled for `ms` up to `now`: every suspicion it holds stops its clock for that
   * long (a final check under way starts over), so that no member is declared dead on a timeout
   * that ran out while we could not hear its refutation.
   */
  postponeSuspicions(now: number, ms: number): void {
    const m = this.d.membership;
    for (const [id, sus] of m.suspicions) {
      if (sus.finalAttempts > 0) {
        this.finalChecks.cleared(sus);
        sus.finalAttempts = 0;
      }
      sus.postpone(ms);
      this.d.heap.set(suspectTimer(m.nameOf(id)), Math.max(now, sus.deadlineMs));
    }
  }

  /** An ack arrived: true if it answered a final-check ping (the prober need not look at it). */
  onAck(now: number, seqNo: number): boolean {
    return this.finalChecks.onAck(now, seqNo);
  }
}
