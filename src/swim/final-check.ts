/**
 * Adaptive mode: the last check before a suspect is declared dead.
 *
 * In memberlist a suspicion that runs out is a death, even when the suspect refuted long ago and
 * only this node missed the refutation: its own pings of the suspect carry the old incarnation,
 * which the suspect ignores (docs/swim.md, "Observations"). Under sustained loss that is the
 * source of memberlist's rare false failures (see docs/failure-detection.md, where the simulator's
 * timelines show it). So when a suspicion runs out we first ping the suspect a few more times,
 * each ping carrying the accusation, so that a live suspect refutes — or, having refuted already,
 * answers with its current alive (swim.ts) — and declare it dead only if none of them is answered.
 * The number of pings grows with the loss we measure (`AdaptiveDetector.finalCheckAttempts`); each
 * waits one direct-ack timeout, so a crashed member costs a few round trips more, not seconds.
 *
 * An ack without a refutation (a suspect that does not speak adaptive mode and ignores the stale
 * accusation) restarts the suspicion: the member stays suspect, is never declared dead while it
 * answers, and push-pull brings its newer incarnation.
 */
import type { AdaptiveDetector } from './detector.js';
import { SUSPECT } from './members.js';
import type { Membership } from './membership.js';
import { suspectTimer, type SwimDeadlines } from './timers.js';
import type { Suspicion } from './suspicion.js';
import type { Message } from '../wire/messages.js';
import type { Writer } from '../wire/msgpack.js';
import { encodeMessage } from '../wire/memberlist-codec.js';
import type { Metrics } from '../core/logger.js';

/** What the final check needs from the rest of the core. */
export interface FinalCheckDeps {
  readonly heap: SwimDeadlines;
  readonly membership: Membership;
  readonly detector: AdaptiveDetector;
  readonly metrics: Metrics;
  readonly writer: Writer;
  /** Our advertised address (the ping's source, so the ack comes back to us). */
  readonly selfAddr: { readonly ip: Uint8Array; readonly port: number };
  /** A fresh probe sequence number (shared with the prober, so acks are told apart). */
  nextSeqNo(): number;
  /** Send these parts as one packet to a known member. */
  sendToMember(id: number, parts: Uint8Array[]): void;
}

/** See the module comment. */
export class FinalChecks {
  private readonly d: FinalCheckDeps;
  /** Sequence number of an outstanding final-check ping → member id. */
  private readonly bySeq = new Map<number, number>();

  constructor(deps: FinalCheckDeps) {
    this.d = deps;
  }

  /**
   * The suspicion of `id` ran out (or its last ping went unanswered): ping again and return true,
   * or return false when every ping is spent (the caller declares the member dead).
   */
  expired(now: number, id: number, sus: Suspicion): boolean {
    const d = this.d;
    if (sus.finalSeq >= 0) this.bySeq.delete(sus.finalSeq);
    sus.finalSeq = -1;
    // A refused TCP probe is the kernel's word that nothing listens there (loss cannot forge it):
    // one ping, in case a process came back on that port, is enough.
    const attempts = Number.isFinite(sus.capMs) ? 1 : d.detector.finalCheckAttempts();
    if (sus.finalAttempts >= attempts) return false;
    sus.finalAttempts++;
    const m = d.membership;
    const name = m.nameOf(id);
    const seqNo = d.nextSeqNo();
    sus.finalSeq = seqNo;
    this.bySeq.set(seqNo, id);
    const ping: Message = {
      type: 'ping',
      body: {
        seqNo,
        node: name,
        sourceAddr: d.selfAddr.ip,
        sourcePort: d.selfAddr.port,
        sourceNode: m.selfName,
      },
    };
    const suspect: Message = {
      type: 'suspect',
      body: { incarnation: sus.incarnation, node: name, from: m.selfName },
    };
    d.sendToMember(id, [encodeMessage(ping, d.writer), encodeMessage(suspect, d.writer)]);
    d.metrics.incr('gossip_peer_final_check_ping');
    d.heap.set(suspectTimer(name), now + d.detector.directTimeoutMs(id));
    return true;
  }

  /** An ack arrived: true if it answers one of our final-check pings (then it is consumed). */
  onAck(now: number, seqNo: number): boolean {
    const id = this.bySeq.get(seqNo);
    if (id === undefined) return false;
    this.bySeq.delete(seqNo);
    const m = this.d.membership;
    const sus = m.suspicions.get(id);
    if (sus === undefined || sus.finalSeq !== seqNo || m.table.state[id] !== SUSPECT) return true;
    // Alive after all: keep suspecting (only a newer incarnation clears a suspicion), from scratch.
    this.d.metrics.incr('gossip_peer_final_check_answered');
    sus.finalAttempts = 0;
    sus.finalSeq = -1;
    sus.deadlineMs = now + sus.minMs;
    this.d.heap.set(suspectTimer(m.nameOf(id)), sus.deadlineMs);
    return true;
  }

  /** A suspicion ended: forget its outstanding ping. */
  cleared(sus: Suspicion): void {
    if (sus.finalSeq >= 0) this.bySeq.delete(sus.finalSeq);
    sus.finalSeq = -1;
  }

  /** Outstanding pings (for invariant checks). */
  get pending(): number {
    return this.bySeq.size;
  }
}
