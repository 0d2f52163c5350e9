/**
 * The adaptive failure detector's measurements and the timeouts derived from them
 * (docs/failure-detection.md). Pure: it only sees what the core tells it, with the core's `now`.
 *
 * - **Direct-ack timeout** from round trips: `srtt + 4 × rttvar` over our direct probes
 *   (Jacobson/Karels, RFC 6298), or the peer's own smoothed round trip plus the node-wide
 *   deviation when that is longer, bounded by `[probeTimeoutMinMs, probeTimeoutMs]`. memberlist
 *   waits a fixed 500 ms; on a LAN the ack comes in a millisecond, so this is what lets a failed
 *   probe go to indirect probes and the TCP check early, while a congested network (round trips
 *   growing and varying) stretches it instead of raising alarms.
 * - **Loss**, estimated from our own probes: the share of probes of members that turned out
 *   alive whose direct ack did not come in time (EWMA). It stretches suspicion timeouts (a
 *   refutation needs more time to get through a lossy network) and sets how many times a
 *   suspect is pinged before it is declared dead ({@link finalCheckAttempts}).
 * - **Dissemination mode**: all-to-all while the cluster is small, gossip above
 *   `allToAllMaxNodes`, back below `allToAllResumeNodes` (hysteresis).
 */
import type { SwimConfig } from './config.js';
import { PeerRtts, RttEstimator } from './rtt.js';
import { suspicionTimeoutMs } from './suspicion.js';

/** EWMA gain of the direct-miss rate: reacts within ~8 probes (seconds) to a change of loss. */
const MISS_GAIN = 1 / 8;
/** Peers whose own round trip is remembered. */
const PEER_RTT_CAPACITY = 256;
/** A suspect still answering is declared dead with at most this probability per check. */
const FINAL_CHECK_ERROR = 1e-6;
/** Bounds of the number of pings of the final check. */
const FINAL_CHECK_MIN_ATTEMPTS = 4;
const FINAL_CHECK_MAX_ATTEMPTS = 24;
/** The miss rate assumed at least, so that a sudden loss is not met with too few pings. */
const FINAL_CHECK_MISS_FLOOR = 0.03;

/** What a probe of a member that turned out alive says about the network. */
export type ProbeOutcome = 'direct' | 'missed';

/** See the module comment. One per core, only in `adaptive` mode. */
export class AdaptiveDetector {
  /** Node-wide round trips of direct probes. */
  readonly rtt = new RttEstimator();
  /** Recently probed peers' own round trips. */
  readonly peers = new PeerRtts(PEER_RTT_CAPACITY);
  private readonly config: SwimConfig;
  private missRate = 0;
  private allToAll: boolean;

  constructor(config: SwimConfig) {
    this.config = config;
    this.allToAll = config.allToAllMaxNodes > 0;
  }

  // ------------------------------------------------------------------ round trips

  /** One of our direct probes of member `id` was acked after `rttMs`. */
  observeRtt(id: number, rttMs: number): void {
    this.rtt.observe(rttMs);
    this.peers.observe(id, rttMs);
  }

  /** How long to wait for the direct ack from member `id` before probing indirectly. */
  directTimeoutMs(id: number): number {
    const c = this.config;
    const base = this.rtt.timeoutMs();
    if (base === undefined) return c.probeTimeoutMs;
    const peer = this.peers.get(id);
    const t = peer === undefined ? base : Math.max(base, peer + 4 * this.rtt.rttvarMs);
    return Math.min(c.probeTimeoutMs, Math.max(c.probeTimeoutMinMs, Math.ceil(t)));
  }

  // ------------------------------------------------------------------ loss

  /** A probe of a member that turned out alive: acked directly in time, or not. */
  observeProbe(outcome: ProbeOutcome): void {
    this.missRate += MISS_GAIN * ((outcome === 'missed' ? 1 : 0) - this.missRate);
  }

  /** Estimated probability that a ping or its ack is lost or late (round trip), 0…1. */
  roundTripLoss(): number {
    return this.missRate;
  }

  /** Estimated one-way loss: `1 − √(1 − round-trip loss)`. */
  linkLoss(): number {
    return 1 - Math.sqrt(Math.max(0, 1 - this.missRate));
  }

  /**
   * Suspicion bounds for a member that went silent, in a cluster of `n`: memberlist's minimum
   * (`suspicionMult × max(1, log10 n) × probeInterval`) stretched by `1 + 2 × round-trip loss`, and
   * never below `stallToleranceMs`; the maximum is `suspicionMaxTimeoutMult` times that.
   */
  suspicionBounds(n: number): { minMs: number; maxMs: number } {
    const c = this.config;
    const memberlistMin = suspicionTimeoutMs(c.suspicionMult, n, c.probeIntervalMs);
    const minMs = Math.max(c.stallToleranceMs, Math.floor(memberlistMin * (1 + 2 * this.missRate)));
    return { minMs, maxMs: minMs * c.suspicionMaxTimeoutMult };
  }

  /**
   * How many times a suspect whose suspicion ran out is pinged (with the accusation, so that it
   * can refute) before being declared dead: enough that a live one fails every ping with
   * probability below 10⁻⁶ at the loss we measure, between 4 and 24.
   */
  finalCheckAttempts(): number {
    const miss = Math.min(0.9, Math.max(FINAL_CHECK_MISS_FLOOR, this.missRate));
    const n = Math.ceil(Math.log(FINAL_CHECK_ERROR) / Math.log(miss));
    return Math.min(FINAL_CHECK_MAX_ATTEMPTS, Math.max(FINAL_CHECK_MIN_ATTEMPTS, n));
  }

  // ------------------------------------------------------------------ dissemination

  /**
   * Should state changes we originate go straight to every member? Re-evaluated with the current
   * number of live members; switches to gossip above `allToAllMaxNodes` and back only at or below
   * `allToAllResumeNodes`.
   */
  useAllToAll(liveMembers: number): boolean {
    this.observeLiveMembers(liveMembers);
    return this.allToAll;
  }

  /** Whether all-to-all is on, as of the last count seen. */
  get allToAllOn(): boolean {
    return this.allToAll;
  }

  /**
   * The number of live members changed: switch to gossip above `allToAllMaxNodes`, back to
   * all-to-all only at or below `allToAllResumeNodes`. Returns true if the mode changed.
   */
  observeLiveMembers(liveMembers: number): boolean {
    const before = this.allToAll;
    const c = this.config;
    if (c.allToAllMaxNodes === 0) return false;
    if (this.allToAll && liveMembers > c.allToAllMaxNodes) this.allToAll = false;
    else if (!this.allToAll && liveMembers <= c.allToAllResumeNodes) this.allToAll = true;
    return this.allToAll !== before;
  }
}
