/**
 * Recovery for a node that has lost every peer: while it is alone (every other member failed or
 * left, e.g. after a long partition or when the whole rest of the cluster restarted), keep trying
 * to join through the seeds and the last known addresses of the failed members, with exponential
 * backoff and jitter, until someone answers. Serf's own reconnect (src/cluster/reap.ts) only tries
 * failed members, once per reconnect interval (30 s) and never seeds; a node restarted with a
 * fresh address book, or whose seeds came back on new processes, needs this too.
 *
 * Built on the node's public API only (members, join, events), so it is a thin runtime helper: the
 * protocol core stays pure. The agent turns it on by default (`--no-rejoin` to opt out).
 */
import { formatAddress } from '../core/io.js';
import { formatSeed, parseSeedList, type Seed, type SeedInput } from '../core/seeds.js';
import { noopLogger, type Logger } from '../core/logger.js';
import { ConfigError, GossipError } from '../wire/errors.js';
import type { NodeMemberEvent } from './events.js';
import type { GossipNode } from './node.js';

/** Options of {@link keepJoined}. */
export interface RejoinOptions {
  /** Seeds (`IP:PORT`, addresses or parsed seeds) to try whenever the node is alone. */
  readonly seeds?: readonly SeedInput[];
  /** Also try the last known address of every failed member. Default true. */
  readonly knownMembers?: boolean;
  /** First delay after the node became alone, and after every success. Default 1000. */
  readonly minIntervalMs?: number;
  /** Cap of the doubling delay between failed attempts. Default 30000. */
  readonly maxIntervalMs?: number;
  /** Called after every attempt (for logs and tests). */
  readonly onAttempt?: (info: RejoinAttempt) => void;
  readonly logger?: Logger;
}

/** The outcome of one rejoin attempt. */
export interface RejoinAttempt {
  readonly attempt: number;
  /** Addresses tried (`ip:port`). */
  readonly targets: readonly string[];
  /** Seeds that answered (0 = failed). */
  readonly contacted: number;
  readonly errors: readonly string[];
  /** Delay before the next attempt, when it failed. */
  readonly nextDelayMs: number | undefined;
}

/** A running rejoin loop. */
export interface RejoinLoop {
  /** Re-evaluates now (e.g. after the caller changed something); normally driven by member events. */
  check(): void;
  /** Stops for good (also happens when the node closes). */
  stop(): void;
  /** Whether an attempt is scheduled or running. */
  readonly active: boolean;
}

/**
 * Watches `node` and rejoins it whenever it finds itself alone. Throws `ConfigError` for a bad
 * seed or interval.
 */
export function keepJoined(node: GossipNode, opts: RejoinOptions = {}): RejoinLoop {
  const { seeds, problems } = parseSeedList(opts.seeds ?? [], { where: 'seeds', objects: true });
  const minMs = opts.minIntervalMs ?? 1000;
  const maxMs = opts.maxIntervalMs ?? 30_000;
  if (!Number.isInteger(minMs) || minMs < 1) problems.push('minIntervalMs: must be a positive integer');
  if (!Number.isInteger(maxMs) || maxMs < minMs)
    problems.push('maxIntervalMs: must be an integer ≥ minIntervalMs');
  if (problems.length > 0) throw new ConfigError(problems);
  const useKnown = opts.knownMembers ?? true;
  const log = opts.logger ?? noopLogger;

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: AbortController | undefined;
  let backoffMs = minMs;
  let attempt = 0;

  const isAlone = (): boolean =>
    !node.members().some((m) => m.name !== node.name && (m.status === 'alive' || m.status === 'leaving'));

  const selfBusy = (): boolean => {
    const s = node.localMember().status;
    return s === 'leaving' || s === 'left';
  };

  const targets = (): Seed[] => {
    const seen = new Set<string>([formatAddress(node.advertiseAddress), formatAddress(node.address)]);
    const out: Seed[] = [];
    const add = (s: Seed): void => {
      const k = formatSeed(s);
      if (seen.has(k)) return;
      seen.add(k);
      out.push(s);
    };
    seeds.forEach(add);
    if (useKnown)
      for (const m of node.members({ status: 'failed' })) add({ kind: 'address', address: m.addr });
    return out;
  };

  /** ±20 % so that nodes cut off together do not retry in lockstep. */
  const jitter = (ms: number): number => Math.max(1, Math.round(ms * (0.8 + 0.4 * Math.random())));

  const schedule = (ms: number): void => {
    if (stopped || timer !== undefined || running !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      void tryOnce();
    }, jitter(ms));
    timer.unref();
  };

  const tryOnce = async (): Promise<void> => {
    if (stopped || node.closed || selfBusy() || !isAlone()) return;
    const list = targets();
    if (list.length === 0) return; // nothing to try until a member fails again or seeds exist
    attempt++;
    const ac = new AbortController();
    running = ac;
    let contacted = 0;
    let errors: string[] = [];
    try {
      contacted = await node.join(list, { attempts: 1, signal: ac.signal });
    } catch (err) {
      if (err instanceof GossipError && err.code === 'GP_ERR_ABORTED') {
        running = undefined;
        return;
      }
      errors = [err instanceof Error ? err.message : String(err)];
    }
    running = undefined;
    if (stopped || node.closed) return;
    const ok = contacted > 0;
    if (!ok) backoffMs = Math.min(maxMs, backoffMs * 2);
    const nextDelayMs = ok ? undefined : backoffMs;
    const info: RejoinAttempt = { attempt, targets: list.map(formatSeed), contacted, errors, nextDelayMs };
    opts.onAttempt?.(info);
    if (ok) {
      log.info({ attempt, contacted }, 'rejoined the cluster');
      backoffMs = minMs;
      attempt = 0;
      // The join's member events arrive right after; if we are still alone then, check() reschedules.
      return;
    }
    log.debug({ attempt, targets: info.targets, errors, nextDelayMs }, 'alone: rejoin attempt failed');
    schedule(backoffMs);
  };

  const check = (): void => {
    if (stopped || node.closed) return;
    if (!isAlone()) {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      backoffMs = minMs;
      attempt = 0;
      return;
    }
    if (selfBusy()) return;
    schedule(backoffMs);
  };

  const onMember = (_e: NodeMemberEvent): void => check();
  const kinds = ['member-join', 'member-leave', 'member-failed', 'member-reap'] as const;
  for (const k of kinds) node.on(k, onMember);

  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    running?.abort();
    for (const k of kinds) node.off(k, onMember);
  };
  node.closedSignal.addEventListener('abort', stop, { once: true });

  return {
    check,
    stop,
    get active() {
      return timer !== undefined || running !== undefined;
    },
  };
}
