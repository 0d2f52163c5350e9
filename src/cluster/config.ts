/**
 * Configuration of the Serf-compatible layer: serf 0.9.4's tunables (serf: serf/config.go
 * `DefaultConfig`, and the agent defaults where they differ) with units in their names.
 * `resolveSerfConfig(partial)` returns a frozen, complete {@link SerfConfig} and reports every
 * problem in one {@link ConfigError}.
 */
import { applyRules, bool, int, type FieldRule } from '../core/config-rules.js';
import { ConfigError } from '../wire/errors.js';

/** The complete, frozen configuration of one Serf core. */
export interface SerfConfig {
  /** Our node name; unique in the cluster. Required. */
  readonly nodeName: string;
  /** Our tags, advertised in node meta. Default {}. */
  readonly tags: Readonly<Record<string, string>>;
  /** Serf (delegate) protocol version spoken, 2…5. Default 5, as the serf agent. Queries need ≥ 4. */
  readonly protocolVersion: number;
  /** How long `leave` waits for the leave intent (and setTags for its alive) to go out. Default 5000. */
  readonly broadcastTimeoutMs: number;
  /** After the memberlist leave, stay up this long to answer probes. Default 1000. */
  readonly leavePropagateDelayMs: number;
  /** User-event dedupe ring slots. Default 512. */
  readonly eventBuffer: number;
  /** Query dedupe ring slots. Default 512. */
  readonly queryBuffer: number;
  /** Period of reaping failed/left members and stale intents. Default 15000. */
  readonly reapIntervalMs: number;
  /** Period of reconnect attempts to failed members. Default 30000. 0 disables them. */
  readonly reconnectIntervalMs: number;
  /** A failed member is reaped after this long. Default 24 h. */
  readonly reconnectTimeoutMs: number;
  /** A left member is reaped after this long. Default 24 h. */
  readonly tombstoneTimeoutMs: number;
  /** Buffered intents for unknown nodes expire after this long. Default 5 min. */
  readonly recentIntentTimeoutMs: number;
  /** Period of the broadcast-queue depth check. Default 30000. */
  readonly queueCheckIntervalMs: number;
  /** A queue above this is pruned. Default 4096. */
  readonly maxQueueDepth: number;
  /** If > 0, the limit becomes max(2 × members, this). Default 0. */
  readonly minQueueDepth: number;
  /** Default query timeout = gossipIntervalMs × this × ceil(log10(n + 1)). Default 16. */
  readonly queryTimeoutMult: number;
  /** Largest encoded query response. Default 1024. */
  readonly queryResponseSizeLimit: number;
  /** Largest encoded query. Default 1024. */
  readonly querySizeLimit: number;
  /** Largest user event (name + payload, and encoded). Default 512; at most 9216. */
  readonly userEventSizeLimit: number;
  /** Run `_serf_conflict` and shut down when we lose a name conflict. Default true. */
  readonly enableNameConflictResolution: boolean;
  /** memberlist's RetransmitMult (Serf's queues use it too). Default 4 (LAN). */
  readonly retransmitMult: number;
  /** memberlist's GossipInterval (the query-timeout base). Default 200 (LAN). */
  readonly gossipIntervalMs: number;
  /** Hold coalescable user events this long at most (agent: 3000). Default 0 = deliver at once. */
  readonly userCoalescePeriodMs: number;
  /** …or until no new one came for this long (agent: 1000). */
  readonly userQuiescentPeriodMs: number;
  /** Keep the members list of a snapshot after a leave, to rejoin them on restart. Default false. */
  readonly rejoinAfterLeave: boolean;
  /**
   * Neither carry network coordinates in acks nor learn them from probes (serf
   * `DisableCoordinates`). Default false: Serf agents rely on them for `serf rtt`.
   */
  readonly disableCoordinates: boolean;
}

const TUNABLE_DEFAULTS: SerfTunables = {
  protocolVersion: 5,
  broadcastTimeoutMs: 5000,
  leavePropagateDelayMs: 1000,
  eventBuffer: 512,
  queryBuffer: 512,
  reapIntervalMs: 15_000,
  reconnectIntervalMs: 30_000,
  reconnectTimeoutMs: 24 * 3600_000,
  tombstoneTimeoutMs: 24 * 3600_000,
  recentIntentTimeoutMs: 5 * 60_000,
  queueCheckIntervalMs: 30_000,
  maxQueueDepth: 4096,
  minQueueDepth: 0,
  queryTimeoutMult: 16,
  queryResponseSizeLimit: 1024,
  querySizeLimit: 1024,
  userEventSizeLimit: 512,
  enableNameConflictResolution: true,
  retransmitMult: 4,
  gossipIntervalMs: 200,
  userCoalescePeriodMs: 0,
  userQuiescentPeriodMs: 0,
  rejoinAfterLeave: false,
  disableCoordinates: false,
};

/** Serf's hard cap on user events (serf: serf.go `UserEventSizeLimit`). */
export const USER_EVENT_SIZE_HARD_LIMIT = 9 * 1024;

/** Every tunable's rule (core/config-rules.ts). */
const RULES: { readonly [K in keyof SerfTunables]: FieldRule } = {
  protocolVersion: int(2, 5),
  broadcastTimeoutMs: int(0, 2 ** 31),
  leavePropagateDelayMs: int(0, 2 ** 31),
  eventBuffer: int(1, 1 << 20),
  queryBuffer: int(1, 1 << 20),
  reapIntervalMs: int(1, 2 ** 31),
  reconnectIntervalMs: int(0, 2 ** 31),
  reconnectTimeoutMs: int(0, 2 ** 42),
  tombstoneTimeoutMs: int(0, 2 ** 42),
  recentIntentTimeoutMs: int(0, 2 ** 42),
  queueCheckIntervalMs: int(1, 2 ** 31),
  maxQueueDepth: int(1, 1 << 24),
  minQueueDepth: int(0, 1 << 24),
  queryTimeoutMult: int(1, 1000),
  queryResponseSizeLimit: int(64, 1 << 16),
  querySizeLimit: int(64, 1 << 16),
  userEventSizeLimit: int(1, USER_EVENT_SIZE_HARD_LIMIT),
  enableNameConflictResolution: bool,
  retransmitMult: int(1, 1000),
  gossipIntervalMs: int(0, 2 ** 31),
  userCoalescePeriodMs: int(0, 2 ** 31),
  userQuiescentPeriodMs: int(0, 2 ** 31),
  rejoinAfterLeave: bool,
  disableCoordinates: bool,
};

/**
 * Every Serf tunable, without the node's identity (name and tags): what a node's configuration
 * resolves once (runtime/stack.ts `resolveStackConfig`) before the name is known (it may derive
 * from the bound port).
 */
export type SerfTunables = Omit<SerfConfig, 'nodeName' | 'tags'>;

/**
 * Complete, frozen tunables: serf's defaults overridden by `partial`. Throws one ConfigError
 * listing every problem (unknown keys, wrong types, out-of-range values).
 */
export function resolveSerfTunables(partial: Partial<SerfTunables> = {}): SerfTunables {
  const problems: string[] = [];
  const out = applyRules(TUNABLE_DEFAULTS, RULES, partial, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(out);
}

/**
 * The core's configuration: resolved tunables plus the node's identity. Nothing is validated
 * again; the name and tags were checked where the node's options were resolved.
 */
export function serfConfigFor(
  tunables: SerfTunables,
  nodeName: string,
  tags: Readonly<Record<string, string>>,
): SerfConfig {
  return Object.freeze({ ...tunables, nodeName, tags: Object.freeze({ ...tags }) });
}

/** Build a complete, frozen configuration; throws one ConfigError listing every problem. */
export function resolveSerfConfig(partial: Partial<SerfConfig> & { nodeName: string }): SerfConfig {
  const problems: string[] = [];
  const { nodeName, tags, ...rest } = partial;
  if (typeof nodeName !== 'string' || nodeName.length === 0)
    problems.push('nodeName: must be a non-empty string');
  const out = applyRules(TUNABLE_DEFAULTS, RULES, rest, problems);
  const t: unknown = tags ?? {};
  if (typeof t !== 'object' || t === null || Object.values(t).some((v) => typeof v !== 'string')) {
    problems.push('tags: must be an object of string values');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return serfConfigFor(out, nodeName, t as Record<string, string>);
}
