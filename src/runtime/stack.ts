/**
 * The one place that builds a node's protocol stack: memberlist's `Swim` core under the
 * Serf-compatible `Serf` core, with the keyring both share. Keeping it here means the runtime, the
 * agent and the simulator agree on how a node is assembled.
 *
 * Configuration is resolved once, before a stack is built: {@link resolveStackConfig} turns the
 * caller's partial tunables into finished values (reporting every problem in one `ConfigError`),
 * and {@link buildStack} only assembles them — it validates nothing again.
 */
import { Serf } from '../cluster/serf.js';
import type { AnyService } from '../cluster/service-host.js';
import { resolveSerfTunables, serfConfigFor, type SerfConfig, type SerfTunables } from '../cluster/config.js';
import { PROFILES, resolveConfig, type Profile, type SwimConfig } from '../swim/config.js';
import { Swim } from '../swim/swim.js';
import type { Address } from '../core/io.js';
import type { Logger, Metrics } from '../core/logger.js';
import type { Random } from '../core/random.js';
import { ConfigError } from '../wire/errors.js';
import { Keyring } from '../wire/keyring.js';
import type { SnapshotData } from '../cluster/snapshot.js';

/** The protocol tunables of one node, resolved and frozen: what {@link buildStack} consumes. */
export interface StackConfig {
  /** memberlist's configuration for the profile and overrides; its keyring is null (see `keys`). */
  readonly swim: SwimConfig;
  /** Serf's tunables; its queues and query timeouts follow `swim` unless overridden. */
  readonly serf: SerfTunables;
}

/** The caller's view of the tunables before resolution. */
export interface StackConfigInput {
  readonly profile?: Profile;
  /** memberlist overrides (the keyring is not one: it is built from the node's keys). */
  readonly swim?: Partial<Omit<SwimConfig, 'keyring'>>;
  readonly serf?: Partial<SerfTunables>;
}

/**
 * Resolves memberlist's and Serf's tunables once. Throws one `ConfigError` listing every problem,
 * prefixed `swim.` or `serf.`.
 */
export function resolveStackConfig(input: StackConfigInput = {}): StackConfig {
  const r = checkStackConfig(input);
  if (r.config === undefined) throw new ConfigError(r.problems);
  return r.config;
}

/**
 * {@link resolveStackConfig} without throwing, so that option validation can report these problems
 * together with its own: the resolved config, or every problem.
 */
export function checkStackConfig(
  input: StackConfigInput,
):
  | { readonly config: StackConfig; readonly problems: [] }
  | { readonly config: undefined; readonly problems: string[] } {
  const problems: string[] = [];
  const swimIn = input.swim ?? {};
  const serfIn = input.serf ?? {};
  if (!isObject(swimIn)) problems.push('swim: must be an object');
  if (!isObject(serfIn)) problems.push('serf: must be an object');
  if (problems.length > 0) return { config: undefined, problems };
  // The keyring is built from the node's keys (buildStack), never passed as a tunable.
  const { keyring, ...swimTunables } = swimIn as Partial<SwimConfig>;
  if (keyring !== undefined) problems.push('swim.keyring: unknown option (use encryptKey)');
  let swim: SwimConfig | undefined;
  try {
    swim = resolveConfig(swimTunables, input.profile ?? 'lan');
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems.map((p) => `swim.${p}`));
  }
  let serf: SerfTunables | undefined;
  const base = swim ?? PROFILES.lan;
  try {
    serf = resolveSerfTunables({
      // Serf's queues and query timeouts follow memberlist's profile unless overridden.
      retransmitMult: base.retransmitMult,
      gossipIntervalMs: base.gossipIntervalMs,
      ...serfIn,
    });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems.map((p) => `serf.${p}`));
  }
  if (problems.length > 0 || swim === undefined || serf === undefined) return { config: undefined, problems };
  return { config: Object.freeze({ swim, serf }), problems: [] };
}

/** What {@link buildStack} needs: finished values only. */
export interface StackOptions {
  readonly name: string;
  readonly advertise: Address;
  readonly tags: Readonly<Record<string, string>>;
  /** Primary first; empty = no encryption. */
  readonly keys: readonly Uint8Array[];
  /** From {@link resolveStackConfig}. */
  readonly config: StackConfig;
  readonly now: number;
  readonly random: Random;
  readonly logger: Logger;
  /** A restored snapshot (clocks continue from it, its members are rejoined). */
  readonly snapshot?: SnapshotData;
  /** Keep the core's snapshot state up to date (a snapshot file is configured). */
  readonly recordSnapshot?: boolean;
  /** Metrics sink shared by both cores; default none. */
  readonly metrics?: Metrics;
  /** Services this node runs beside Serf (src/cluster/service.ts), fresh instances per node. */
  readonly services?: readonly AnyService[];
}

/** A built stack: the core to drive, the configurations it runs with, and its keyring. */
export interface Stack {
  readonly core: Serf;
  readonly swimConfig: SwimConfig;
  readonly serfConfig: SerfConfig;
  readonly keyring: Keyring | null;
}

/** Builds Swim + Serf from finished values. Throws `TooLargeError` when the tags exceed node meta. */
export function buildStack(o: StackOptions): Stack {
  const keyring = o.keys.length > 0 ? new Keyring(o.keys) : null;
  // The keyring is the node's own (key operations change it), so it joins the config here.
  const swimConfig: SwimConfig = keyring ? Object.freeze({ ...o.config.swim, keyring }) : o.config.swim;
  const serfConfig = serfConfigFor(o.config.serf, o.name, o.tags);
  const core = new Serf({
    config: serfConfig,
    random: o.random,
    now: o.now,
    keyring,
    logger: o.logger,
    ...(o.snapshot !== undefined ? { snapshot: o.snapshot } : {}),
    recordSnapshot: o.recordSnapshot ?? false,
    ...(o.metrics ? { metrics: o.metrics } : {}),
    ...(o.services !== undefined ? { services: o.services } : {}),
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
  return { core, swimConfig, serfConfig, keyring };
}

function isObject(v: unknown): v is object {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
