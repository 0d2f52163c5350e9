/**
 * Configuration of the SWIM core: memberlist 0.2.2's tunables with units in their names.
 *
 * `resolveConfig(partial, profile)` starts from one of memberlist's three profiles
 * (config.go: DefaultLANConfig / DefaultWANConfig / DefaultLocalConfig), applies the caller's
 * overrides, validates everything and returns a frozen, complete {@link SwimConfig}. Every problem
 * is reported at once in a single {@link ConfigError}.
 */
import { applyRules, check, int, bool, oneOf, ruleProblem, type FieldRule } from '../core/config-rules.js';
import { ConfigError } from '../wire/errors.js';
import { Keyring } from '../wire/keyring.js';
import { MAX_UDP_PAYLOAD_BYTES, UDP_BUFFER_BYTES } from '../wire/limits.js';

/** memberlist's three default profiles (config.go). */
export type Profile = 'lan' | 'wan' | 'local';

/**
 * How failures are detected (docs/failure-detection.md):
 * - `memberlist`: exactly memberlist 0.2.2 (fixed probe timeout, Lifeguard suspicion, gossip
 *   only): byte- and timing-compatible, for like-for-like comparison with serf;
 * - `adaptive`: the same protocol and wire messages, with timeouts learnt from round trips and
 *   loss, stall awareness, a last check of the suspect before declaring it dead, immediate
 *   refutation, and all-to-all dissemination in small clusters.
 */
export type Detector = 'adaptive' | 'memberlist';

/** The complete, frozen configuration of one SWIM core. */
export interface SwimConfig {
  /**
   * Time between failure-detection rounds. Default 1000 (lan, local), 5000 (wan). One random
   * member is probed per round; it also scales the suspicion timeout.
   */
  readonly probeIntervalMs: number;
  /**
   * How long to wait for a direct ack before asking other members to probe indirectly (also the
   * intermediary's nack timer). Default 500 (lan), 3000 (wan), 200 (local): a LAN round trip with
   * room to spare. Must be below `probeIntervalMs`.
   */
  readonly probeTimeoutMs: number;
  /** Members asked to probe indirectly after a missed direct ack. Default 3 (lan, wan), 1 (local). */
  readonly indirectChecks: number;
  /**
   * Each broadcast is handed out `retransmitMult × ceil(log10(n + 1))` times. Default 4 (lan, wan),
   * 2 (local): enough copies that an epidemic reaches everyone with high probability.
   */
  readonly retransmitMult: number;
  /**
   * Suspicion minimum = `suspicionMult × max(1, log10(n)) × probeIntervalMs`. Default 4 (lan),
   * 6 (wan), 3 (local): gives a suspect time to hear the rumour and refute it.
   */
  readonly suspicionMult: number;
  /**
   * Suspicion maximum = `suspicionMaxTimeoutMult ×` the minimum; the timeout starts there and
   * shrinks towards the minimum as independent confirmations arrive (Lifeguard). Default 6.
   */
  readonly suspicionMaxTimeoutMult: number;
  /**
   * Period of the full state exchange with one random member (anti-entropy); scaled up above 32
   * members. Default 30000 (lan), 60000 (wan), 15000 (local). 0 disables periodic push-pull.
   */
  readonly pushPullIntervalMs: number;
  /**
   * Period of the gossip round that sends queued broadcasts to `gossipNodes` random members.
   * Default 200 (lan), 500 (wan), 100 (local). 0 disables gossip rounds (piggy-backing remains).
   */
  readonly gossipIntervalMs: number;
  /** Members gossiped to per gossip round. Default 3 (lan, local), 4 (wan). */
  readonly gossipNodes: number;
  /**
   * How long a dead member still receives gossip (so it can learn it is dead and refute), and how
   * long it is remembered before being forgotten at a probe-list wrap-around. Default 30000 (lan),
   * 60000 (wan), 15000 (local).
   */
  readonly gossipToTheDeadMs: number;
  /** Deadline of every TCP exchange (push-pull, join). Default 10000 (lan), 30000 (wan), 1000 (local). */
  readonly tcpTimeoutMs: number;
  /**
   * Lifeguard local-health ceiling: the awareness score ranges 0…max−1 and a failed probe waits up
   * to `probeIntervalMs × (score + 1)`. Default 8.
   */
  readonly awarenessMaxMultiplier: number;
  /** Packing budget of one UDP packet, in bytes. Default 1400 (memberlist UDPBufferSize): below common MTUs. */
  readonly udpBufferBytes: number;
  /**
   * Disable the TCP fallback ping sent alongside indirect probes to members with PMax ≥ 3.
   * Default false: it masks UDP-only loss, exactly as memberlist does.
   */
  readonly disableTcpPings: boolean;
  /**
   * Compress UDP packets with LZW when that makes them smaller, and TCP streams always.
   * Default true (serf's agent default; receivers always accept both).
   */
  readonly compression: boolean;
  /**
   * Add the CRC-32 wrapper to packets sent to known members whose PMax ≥ 5 (gossip and the
   * ping+suspect compound), as memberlist 0.2.2 does. Default true.
   */
  readonly crc: boolean;
  /** Lowest memberlist protocol version we understand (Vsn[0]). Default 1, like memberlist. */
  readonly protocolMin: number;
  /** Highest memberlist protocol version we understand (Vsn[1]). Default 5: CRC, nacks, TCP pings. */
  readonly protocolMax: number;
  /** memberlist protocol version we speak (Vsn[2]). Default 2: serf 0.9.4 runs memberlist at 2. */
  readonly protocolVersion: number;
  /** Lowest delegate (Serf) protocol version understood (Vsn[3]). Default 2, as serf 0.9.4. */
  readonly delegateMin: number;
  /** Highest delegate (Serf) protocol version understood (Vsn[4]). Default 5, as serf 0.9.4. */
  readonly delegateMax: number;
  /** Delegate (Serf) protocol version spoken (Vsn[5]). Default 5, as the serf 0.9.4 agent. */
  readonly delegateVersion: number;
  /**
   * A dead member may come back at another address once it has been dead this long. Default 0
   * (never: memberlist's DeadNodeReclaimTime), so a failed node restarting elsewhere is refused
   * until forgotten; a node that *left* may always come back elsewhere.
   */
  readonly deadNodeReclaimMs: number;
  /**
   * Also forget members in state `left` at a probe-list wrap-around (like dead ones, after
   * `gossipToTheDeadMs`). Default false: memberlist 0.2.2 (util.go moveDeadNodes) only forgets
   * dead members and keeps left ones (later memberlist versions purge both).
   */
  readonly forgetLeftMembers: boolean;
  /**
   * AES-GCM keyring (wire's `Keyring`) encrypting every packet and stream, or null for plaintext.
   * Default null. With a keyring every plaintext input is dropped (no mixed mode, like memberlist).
   */
  readonly keyring: Keyring | null;
  /**
   * Failure detector: `adaptive` (default) or `memberlist` (exact memberlist 0.2.2 timings). The
   * fields below apply to `adaptive` only; see docs/failure-detection.md.
   */
  readonly detector: Detector;
  /**
   * Adaptive: floor of the round-trip-based direct-ack timeout (which is `srtt + 4 × rttvar`,
   * capped at `probeTimeoutMs`). Default 50: above the scheduling jitter of a busy host, so that a
   * slow-but-alive peer rarely costs an indirect probe and a TCP connection.
   */
  readonly probeTimeoutMinMs: number;
  /**
   * Adaptive: suspicion timeout of a member whose port refused our TCP probe (no process is
   * listening there: it crashed or exited), instead of the full one. Default 500 (lan, local),
   * 2000 (wan). The member is still pinged before being declared dead, so one that answers is kept.
   */
  readonly refusedSuspicionMs: number;
  /**
   * Adaptive: the shortest suspicion of a member that merely went silent, so that a peer whose
   * process stalls (GC, a blocked event loop, CPU starvation) for less than this is not declared
   * failed. Default 6000 (lan, local), 30000 (wan). Loss stretches suspicions beyond it.
   */
  readonly stallToleranceMs: number;
  /**
   * Adaptive: our own timers firing this late (or an explicit `notifyStall`) means this process was
   * stalled: timeouts that ran out meanwhile are restarted instead of fired, and a stall of at least
   * one probe interval is refuted at once. Default 250.
   */
  readonly stallThresholdMs: number;
  /**
   * Adaptive: state changes this node originates (its alive and refutations, its suspicions, its
   * death declarations) are also sent straight to every member while the cluster has at most this
   * many live members, then gossip only. 0 disables all-to-all. Default 48 (docs/failure-detection.md
   * has the measurement behind it).
   */
  readonly allToAllMaxNodes: number;
  /**
   * Adaptive: after switching to gossip, return to all-to-all only once the cluster is at most this
   * many live members (hysteresis, so that a cluster near the threshold does not flap). Default 40.
   */
  readonly allToAllResumeNodes: number;
}

const LAN: SwimConfig = {
  probeIntervalMs: 1000,
  probeTimeoutMs: 500,
  indirectChecks: 3,
  retransmitMult: 4,
  suspicionMult: 4,
  suspicionMaxTimeoutMult: 6,
  pushPullIntervalMs: 30_000,
  gossipIntervalMs: 200,
  gossipNodes: 3,
  gossipToTheDeadMs: 30_000,
  tcpTimeoutMs: 10_000,
  awarenessMaxMultiplier: 8,
  udpBufferBytes: UDP_BUFFER_BYTES,
  disableTcpPings: false,
  compression: true,
  crc: true,
  protocolMin: 1,
  protocolMax: 5,
  protocolVersion: 2,
  delegateMin: 2,
  delegateMax: 5,
  delegateVersion: 5,
  deadNodeReclaimMs: 0,
  forgetLeftMembers: false,
  keyring: null,
  detector: 'adaptive',
  probeTimeoutMinMs: 50,
  refusedSuspicionMs: 500,
  stallToleranceMs: 6000,
  stallThresholdMs: 250,
  allToAllMaxNodes: 48,
  allToAllResumeNodes: 40,
};

/** The three profiles, with memberlist's numbers (config.go). */
export const PROFILES: Readonly<Record<Profile, SwimConfig>> = Object.freeze({
  lan: Object.freeze({ ...LAN }),
  wan: Object.freeze({
    ...LAN,
    tcpTimeoutMs: 30_000,
    suspicionMult: 6,
    pushPullIntervalMs: 60_000,
    probeTimeoutMs: 3000,
    probeIntervalMs: 5000,
    gossipNodes: 4,
    gossipIntervalMs: 500,
    gossipToTheDeadMs: 60_000,
    refusedSuspicionMs: 2000,
    stallToleranceMs: 30_000,
  }),
  local: Object.freeze({
    ...LAN,
    tcpTimeoutMs: 1000,
    indirectChecks: 1,
    retransmitMult: 2,
    suspicionMult: 3,
    pushPullIntervalMs: 15_000,
    probeTimeoutMs: 200,
    probeIntervalMs: 1000,
    gossipIntervalMs: 100,
    gossipToTheDeadMs: 15_000,
  }),
});

/**
 * Every field's rule (core/config-rules.ts): integers with their inclusive bounds, booleans, the
 * detector's names, the keyring's type.
 */
const RULES: { readonly [K in keyof SwimConfig]: FieldRule } = {
  probeIntervalMs: int(1, 2 ** 31),
  probeTimeoutMs: int(1, 2 ** 31),
  indirectChecks: int(0, 64),
  retransmitMult: int(1, 1000),
  suspicionMult: int(1, 1000),
  suspicionMaxTimeoutMult: int(1, 1000),
  pushPullIntervalMs: int(0, 2 ** 31),
  gossipIntervalMs: int(0, 2 ** 31),
  gossipNodes: int(0, 1000),
  gossipToTheDeadMs: int(0, 2 ** 31),
  tcpTimeoutMs: int(1, 2 ** 31),
  awarenessMaxMultiplier: int(1, 1000),
  // Below ~200 bytes not even one alive message fits; above 65,507 a datagram cannot carry it.
  udpBufferBytes: int(200, MAX_UDP_PAYLOAD_BYTES),
  disableTcpPings: bool,
  compression: bool,
  crc: bool,
  protocolMin: int(1, 255),
  protocolMax: int(1, 255),
  protocolVersion: int(2, 5),
  delegateMin: int(0, 255),
  delegateMax: int(0, 255),
  delegateVersion: int(0, 255),
  deadNodeReclaimMs: int(0, 2 ** 31),
  forgetLeftMembers: bool,
  keyring: check((kr) => {
    if (kr !== null && !(kr instanceof Keyring)) return 'must be a wire Keyring or null';
    if (kr instanceof Keyring && kr.size === 0) return 'must hold at least one key';
    return undefined;
  }),
  detector: oneOf('adaptive', 'memberlist'),
  probeTimeoutMinMs: int(1, 2 ** 31),
  refusedSuspicionMs: int(0, 2 ** 31),
  stallToleranceMs: int(0, 2 ** 31),
  stallThresholdMs: int(1, 2 ** 31),
  allToAllMaxNodes: int(0, 2 ** 31),
  allToAllResumeNodes: int(0, 2 ** 31),
};

/**
 * Build a complete, frozen configuration: `profile`'s defaults (memberlist's numbers) overridden
 * by `partial`. Throws one {@link ConfigError} listing every problem (unknown keys, wrong types,
 * out-of-range values, inconsistent combinations). `partial` is not modified.
 */
export function resolveConfig(partial: Partial<SwimConfig> = {}, profile: Profile = 'lan'): SwimConfig {
  const problems: string[] = [];
  const base = Object.hasOwn(PROFILES, profile) ? PROFILES[profile] : undefined;
  if (base === undefined) problems.push(`profile: ${ruleProblem(oneOf('lan', 'wan', 'local'), profile)}`);
  const c = applyRules(base ?? LAN, RULES, partial, problems);
  if (problems.length === 0) {
    if (c.probeTimeoutMs >= c.probeIntervalMs) {
      problems.push(
        `probeTimeoutMs: must be below probeIntervalMs (${c.probeTimeoutMs} >= ${c.probeIntervalMs})`,
      );
    }
    if (c.allToAllResumeNodes > c.allToAllMaxNodes) {
      problems.push(
        `allToAllResumeNodes: must not exceed allToAllMaxNodes (${c.allToAllResumeNodes} > ${c.allToAllMaxNodes})`,
      );
    }
    if (!(c.protocolMin <= c.protocolVersion && c.protocolVersion <= c.protocolMax)) {
      problems.push(
        `protocolVersion: must satisfy protocolMin <= protocolVersion <= protocolMax (${c.protocolMin}, ${c.protocolVersion}, ${c.protocolMax})`,
      );
    }
    if (!(c.delegateMin <= c.delegateVersion && c.delegateVersion <= c.delegateMax)) {
      problems.push(
        `delegateVersion: must satisfy delegateMin <= delegateVersion <= delegateMax (${c.delegateMin}, ${c.delegateVersion}, ${c.delegateMax})`,
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(c);
}

/** The 6-byte Vsn this configuration advertises: `[PMin, PMax, PCur, DMin, DMax, DCur]`. */
export function vsnOf(c: SwimConfig): [number, number, number, number, number, number] {
  return [c.protocolMin, c.protocolMax, c.protocolVersion, c.delegateMin, c.delegateMax, c.delegateVersion];
}
