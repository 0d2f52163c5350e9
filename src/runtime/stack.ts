/**
 * The one place that builds a real node's protocol stack: memberlist's `Swim` core under the
 * Serf-compatible `Serf` core, with the keyring both share. Keeping it here means the runtime, the
 * agent and the simulator-facing code agree on how a node is assembled.
 */
import { Serf } from '../cluster/serf.js';
import { resolveSerfConfig, type SerfConfig } from '../cluster/config.js';
import { resolveConfig, type Profile, type SwimConfig } from '../swim/config.js';
import { Swim } from '../swim/swim.js';
import type { Address } from '../core/io.js';
import type { Logger, Metrics } from '../core/logger.js';
import type { Random } from '../core/random.js';
import { Keyring } from '../wire/keyring.js';
import type { SnapshotData } from '../cluster/snapshot.js';

/** What {@link buildStack} needs. */
export interface StackOptions {
  readonly name: string;
  readonly advertise: Address;
  readonly tags: Readonly<Record<string, string>>;
  /** Primary first; empty = no encryption. */
  readonly keys: readonly Uint8Array[];
  readonly profile: Profile;
  readonly swim: Partial<SwimConfig>;
  readonly serf: Partial<Omit<SerfConfig, 'nodeName' | 'tags'>>;
  readonly now: number;
  readonly random: Random;
  readonly logger: Logger;
  /** A restored snapshot (clocks continue from it, its members are rejoined). */
  readonly snapshot?: SnapshotData;
  /** Keep the core's snapshot state up to date (a snapshot file is configured). */
  readonly recordSnapshot?: boolean;
  /** Metrics sink shared by both cores; default none. */
  readonly metrics?: Metrics;
}

/** A built stack: the core to drive and the resolved memberlist config (for transport timeouts). */
export interface Stack {
  readonly core: Serf;
  readonly swimConfig: SwimConfig;
  readonly keyring: Keyring | null;
}

/** Builds Swim + Serf. Throws `ConfigError` (every problem) or `TooLargeError` (tags). */
export function buildStack(o: StackOptions): Stack {
  const keyring = o.keys.length > 0 ? new Keyring(o.keys) : null;
  const swimConfig = resolveConfig({ ...o.swim, keyring }, o.profile);
  const serfConfig = resolveSerfConfig({
    // Serf's queues and query timeouts follow memberlist's profile unless overridden.
    retransmitMult: swimConfig.retransmitMult,
    gossipIntervalMs: swimConfig.gossipIntervalMs,
    ...o.serf,
    nodeName: o.name,
    tags: o.tags,
  });
  const core = new Serf({
    config: serfConfig,
    random: o.random,
    now: o.now,
    keyring,
    logger: o.logger,
    ...(o.snapshot !== undefined ? { snapshot: o.snapshot } : {}),
    recordSnapshot: o.recordSnapshot ?? false,
    ...(o.metrics ? { metrics: o.metrics } : {}),
    createSwim: (delegate) =>
      new Swim({
        name: o.name,
        advertise: o.advertise,
        config: swimConfig,
        now: o.now,
        random: o.random,
        delegate,
        logger: o.logger,
        ...(o.metrics ? { metrics: o.metrics } : {}),
      }),
  });
  return { core, swimConfig, keyring };
}
