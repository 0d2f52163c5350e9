/**
 * The options of {@link createNode}, their documented defaults, and their resolution: the one
 * place a node's configuration is validated (every problem reported at once in one `ConfigError`
 * before anything is started) and turned into the finished values the runtime and the protocol
 * cores use ({@link NodeConfig}). Nothing below validates them again.
 */
import { hostname, networkInterfaces } from 'node:os';
import type { Address } from '../core/io.js';
import type { Logger, Metrics } from '../core/logger.js';
import type { Profile } from '../swim/config.js';
import { META_MAX_BYTES } from '../wire/limits.js';
import { encodeTags } from '../cluster/codec.js';
import { ConfigError, TooLargeError } from '../wire/errors.js';
import { int, ruleProblem } from '../core/config-rules.js';
import { ipFamily, parseHostPort } from '../core/host-port.js';
import { DEFAULT_PORT, parseSeedList, type Seed, type SeedInput } from '../core/seeds.js';
import { checkStackConfig, type StackConfig, type StackConfigInput } from './stack.js';

/** Options of {@link createNode}. Every field is optional. */
export interface NodeOptions {
  /**
   * Unique node name. Default: `<hostname>-<port>` with the advertised port, which is stable across
   * restarts on the same port and unique on one host.
   */
  readonly name?: string;
  /**
   * `IP:PORT` (IPv6 as `[::1]:7946`) to bind UDP and TCP to. Default `0.0.0.0:7946`. Port 0 picks a
   * free port (read it from `node.address`).
   */
  readonly bind?: string;
  /**
   * `IP` or `IP:PORT` other nodes reach us at, when it differs from `bind` (NAT, containers, or a
   * wildcard bind). Default: the bind address; with a wildcard bind, the first private IPv4 of the
   * machine (as memberlist's `GetPrivateIP`), else the first non-internal IPv4.
   */
  readonly advertise?: string;
  /**
   * Seeds (`IP:PORT`, `[v6]:PORT`, a bare IP for port 7946, or addresses) to join at start;
   * `createNode` resolves after one of them answered.
   */
  readonly join?: readonly SeedInput[];
  /** Join attempts at start before `createNode` rejects with `GP_ERR_JOIN`. Default 3. */
  readonly joinAttempts?: number;
  /** Delay before the second join attempt, doubled after each failure up to 30 s. Default 1000. */
  readonly joinRetryIntervalMs?: number;
  /** Tags (Serf tags in node meta), at most 512 encoded bytes. Default none. */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * Gossip encryption key(s): base64 text or raw bytes of 16, 24 or 32 bytes (AES-128/192/256).
   * An array is a keyring whose first key encrypts and all of which decrypt. Default: no encryption.
   */
  readonly encryptKey?: string | Uint8Array | readonly (string | Uint8Array)[];
  /** memberlist timing profile. Default `lan`; `local` for loopback tests, `wan` across sites. */
  readonly profile?: Profile;
  /** A pino-compatible logger. Default: no logging. */
  readonly logger?: Logger;
  /**
   * A metrics sink (counters, gauges, observations named after memberlist's and Serf's, e.g.
   * `memberlist_msg_alive`). Default: none. The agent binds it to prom-client.
   */
  readonly metrics?: Metrics;
  /** Aborts `createNode` (and its initial join) and, once running, closes the node. */
  readonly signal?: AbortSignal;
  /** Advanced: memberlist tunables over the profile's values (see `SwimConfig`; not the keyring). */
  readonly swim?: StackConfigInput['swim'];
  /** Advanced: Serf tunables (see `SerfConfig`). */
  readonly serf?: StackConfigInput['serf'];
  /**
   * A snapshot file (serf's `-snapshot`): members and Lamport clocks are persisted there
   * atomically, so a restarted node rejoins the members it knew and replays no old event.
   * Default: none.
   */
  readonly snapshotPath?: string;
  /**
   * Recovery: whenever this node finds itself alone (every other member failed or left), keep
   * trying to join through the seeds and the last known addresses of the failed members, with
   * backoff (1 s doubling to 30 s, jittered), until someone answers (see `keepJoined`). `true`
   * uses `join` as the seeds; an object may name other seeds and intervals. Default true.
   */
  readonly rejoin?: boolean | RejoinSettings;
}

/** The tunable part of {@link NodeOptions.rejoin}. */
export interface RejoinSettings {
  /** Seeds to retry when alone (as {@link NodeOptions.join}). Default: the `join` seeds. */
  readonly seeds?: readonly SeedInput[];
  /** First delay once alone. Default 1000. */
  readonly minIntervalMs?: number;
  /** Cap of the doubling delay. Default 30000. */
  readonly maxIntervalMs?: number;
}

/** A node's configuration after validation and defaulting: finished values, frozen. */
export interface NodeConfig {
  /** Explicit name, or undefined to derive `<hostname>-<port>` once the port is known. */
  readonly name: string | undefined;
  readonly bind: Address;
  /** Advertised IP (never a wildcard) and port (undefined = the bound port). */
  readonly advertiseIp: string;
  readonly advertisePort: number | undefined;
  readonly join: readonly Seed[];
  readonly joinAttempts: number;
  readonly joinRetryIntervalMs: number;
  readonly tags: Readonly<Record<string, string>>;
  /** Primary first; empty = no encryption. */
  readonly keys: readonly Uint8Array[];
  readonly profile: Profile;
  readonly logger: Logger | undefined;
  readonly metrics: Metrics | undefined;
  readonly signal: AbortSignal | undefined;
  /** memberlist's and Serf's tunables, resolved for `profile` (see `resolveStackConfig`). */
  readonly stack: StackConfig;
  readonly snapshotPath: string | undefined;
  /** false = off; otherwise the seeds (default `join`) and intervals. */
  readonly rejoin: false | { seeds: readonly Seed[]; minIntervalMs: number; maxIntervalMs: number };
}

const KNOWN = new Set([
  'name',
  'bind',
  'advertise',
  'join',
  'joinAttempts',
  'joinRetryIntervalMs',
  'tags',
  'encryptKey',
  'profile',
  'logger',
  'metrics',
  'signal',
  'swim',
  'serf',
  'snapshotPath',
  'rejoin',
]);

const LOGGER_METHODS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'child'] as const;

/**
 * Validates and resolves `opts`, tunables included. Throws one {@link ConfigError} listing every
 * problem, then `TooLargeError` when the tags do not fit in node meta.
 */
export function resolveNodeConfig(opts: NodeOptions = {}): NodeConfig {
  if (opts === null || typeof opts !== 'object') throw new ConfigError(['options: must be an object']);
  const problems: string[] = [];
  for (const k of Object.keys(opts)) if (!KNOWN.has(k)) problems.push(`${k}: unknown option`);

  let name: string | undefined;
  if (opts.name !== undefined) {
    if (typeof opts.name !== 'string' || opts.name.length === 0)
      problems.push('name: must be a non-empty string');
    else name = opts.name;
  }

  let bind: Address = { ip: '0.0.0.0', port: DEFAULT_PORT };
  if (opts.bind !== undefined) {
    const b =
      typeof opts.bind === 'string' ? parseHostPort(opts.bind, DEFAULT_PORT) : 'must be a string IP:PORT';
    if (typeof b === 'string') problems.push(`bind: ${b}`);
    else bind = b;
  }

  let advertiseIp: string | undefined;
  let advertisePort: number | undefined;
  if (opts.advertise !== undefined) {
    const a =
      typeof opts.advertise === 'string'
        ? parseHostPort(opts.advertise, -1)
        : 'must be a string IP or IP:PORT';
    if (typeof a === 'string') problems.push(`advertise: ${a}`);
    else if (isWildcard(a.ip))
      problems.push(`advertise: ${a.ip} is a wildcard address; advertise one peers can reach`);
    else if (a.port === 0) problems.push('advertise: port must not be 0');
    else {
      advertiseIp = a.ip;
      advertisePort = a.port === -1 ? undefined : a.port;
    }
  }
  if (advertiseIp === undefined && opts.advertise === undefined) {
    if (!isWildcard(bind.ip)) advertiseIp = bind.ip;
    else {
      advertiseIp = defaultAdvertiseIp(ipFamily(bind.ip) === 6 ? 6 : 4);
      if (advertiseIp === undefined)
        problems.push(
          `advertise: bind ${bind.ip} is a wildcard and no usable interface address was found; set advertise`,
        );
    }
  }

  let join: Seed[] = [];
  if (opts.join !== undefined) {
    const r = parseSeedList(opts.join, { where: 'join', objects: true });
    problems.push(...r.problems);
    join = r.seeds;
  }

  const joinAttempts = intOption(opts.joinAttempts, 'joinAttempts', 3, 1, 1_000_000, problems);
  const joinRetryIntervalMs = intOption(
    opts.joinRetryIntervalMs,
    'joinRetryIntervalMs',
    1000,
    1,
    3_600_000,
    problems,
  );

  let tags: Readonly<Record<string, string>> = {};
  if (opts.tags !== undefined) {
    if (opts.tags === null || typeof opts.tags !== 'object' || Array.isArray(opts.tags))
      problems.push('tags: must be an object of strings');
    else {
      for (const [k, v] of Object.entries(opts.tags))
        if (typeof v !== 'string') problems.push(`tags.${k}: must be a string`);
      tags = Object.freeze({ ...opts.tags });
    }
  }

  const keys: Uint8Array[] = [];
  if (opts.encryptKey !== undefined) {
    const list = Array.isArray(opts.encryptKey) ? (opts.encryptKey as unknown[]) : [opts.encryptKey];
    if (list.length === 0) problems.push('encryptKey: an empty keyring; omit the option for no encryption');
    list.forEach((k, i) => {
      const where = Array.isArray(opts.encryptKey) ? `encryptKey[${i}]` : 'encryptKey';
      const key = decodeKey(k);
      if (typeof key === 'string') problems.push(`${where}: ${key}`);
      else keys.push(key);
    });
  }

  let profile: Profile = 'lan';
  if (opts.profile !== undefined) {
    if (opts.profile !== 'lan' && opts.profile !== 'wan' && opts.profile !== 'local')
      problems.push(`profile: must be lan, wan or local (got ${String(opts.profile)})`);
    else profile = opts.profile;
  }

  if (opts.logger !== undefined) {
    const missing = LOGGER_METHODS.filter(
      (m) => typeof (opts.logger as unknown as Record<string, unknown>)?.[m] !== 'function',
    );
    if (missing.length > 0) problems.push(`logger: must be pino-compatible (missing ${missing.join(', ')})`);
  }
  if (opts.metrics !== undefined) {
    const missing = (['incr', 'observe', 'gauge'] as const).filter(
      (m) => typeof (opts.metrics as unknown as Record<string, unknown>)?.[m] !== 'function',
    );
    if (missing.length > 0)
      problems.push(`metrics: must have incr, observe and gauge (missing ${missing.join(', ')})`);
  }
  if (opts.signal !== undefined && !(opts.signal instanceof AbortSignal))
    problems.push('signal: must be an AbortSignal');
  for (const k of ['swim', 'serf'] as const) {
    const v = opts[k];
    if (v !== undefined && !isObject(v)) problems.push(`${k}: must be an object`);
  }
  if (
    opts.snapshotPath !== undefined &&
    (typeof opts.snapshotPath !== 'string' || opts.snapshotPath === '')
  ) {
    problems.push('snapshotPath: must be a non-empty file path');
  }

  let rejoin: NodeConfig['rejoin'] = { seeds: join, minIntervalMs: 1000, maxIntervalMs: 30_000 };
  if (opts.rejoin === false) rejoin = false;
  else if (opts.rejoin !== undefined && opts.rejoin !== true) {
    const r = opts.rejoin as RejoinSettings;
    if (r === null || typeof r !== 'object') problems.push('rejoin: must be true, false or an object');
    else {
      let seeds: Seed[] = join;
      if (r.seeds !== undefined) {
        const list = parseSeedList(r.seeds, { where: 'rejoin.seeds', objects: true });
        problems.push(...list.problems);
        seeds = list.seeds;
      }
      const minIntervalMs = intOption(r.minIntervalMs, 'rejoin.minIntervalMs', 1000, 1, 3_600_000, problems);
      const maxIntervalMs = intOption(
        r.maxIntervalMs,
        'rejoin.maxIntervalMs',
        30_000,
        1,
        3_600_000,
        problems,
      );
      if (maxIntervalMs < minIntervalMs)
        problems.push('rejoin.maxIntervalMs: must be ≥ rejoin.minIntervalMs');
      rejoin = { seeds, minIntervalMs, maxIntervalMs };
    }
  }

  // The tunables: checked together with the options above, resolved here once.
  const stackInput = {
    profile,
    ...(isObject(opts.swim) ? { swim: opts.swim } : {}),
    ...(isObject(opts.serf) ? { serf: opts.serf } : {}),
  };
  const stack = checkStackConfig(stackInput);
  problems.push(...stack.problems);

  if (problems.length > 0 || stack.config === undefined) throw new ConfigError(problems);
  if (encodeTags(tags).length > META_MAX_BYTES) {
    throw new TooLargeError(`Encoded length of tags exceeds limit of ${META_MAX_BYTES} bytes`);
  }
  return Object.freeze({
    name,
    bind,
    advertiseIp: advertiseIp as string,
    advertisePort,
    join,
    joinAttempts,
    joinRetryIntervalMs,
    tags,
    keys,
    profile,
    logger: opts.logger,
    metrics: opts.metrics,
    signal: opts.signal,
    stack: stack.config,
    snapshotPath: opts.snapshotPath,
    rejoin,
  });
}

function isObject(v: unknown): v is object {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The default node name for `port`: `<hostname>-<port>`. */
export function defaultNodeName(port: number): string {
  return `${hostname()}-${port}`;
}

function isWildcard(ip: string): boolean {
  return ip === '0.0.0.0' || ip === '::' || /^0*:0*:0*:0*:0*:0*:0*:0*$/.test(ip);
}

function intOption(
  v: unknown,
  name: string,
  def: number,
  min: number,
  max: number,
  problems: string[],
): number {
  if (v === undefined) return def;
  const problem = ruleProblem(int(min, max), v);
  if (problem !== undefined) {
    problems.push(`${name}: ${problem}`);
    return def;
  }
  return v as number;
}

/** base64 text or raw bytes → a 16/24/32-byte key, or a problem. */
function decodeKey(k: unknown): Uint8Array | string {
  let bytes: Uint8Array;
  if (k instanceof Uint8Array) bytes = k;
  else if (typeof k === 'string') {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(k) || k.length % 4 !== 0) return 'is not valid base64';
    bytes = new Uint8Array(Buffer.from(k, 'base64'));
  } else return 'must be base64 text or bytes';
  if (bytes.length !== 16 && bytes.length !== 24 && bytes.length !== 32) {
    return `must be 16, 24 or 32 bytes (AES-128/192/256), got ${bytes.length}`;
  }
  return new Uint8Array(bytes);
}

/** RFC 1918 and RFC 6598 ranges, as memberlist's `GetPrivateIP` (sockaddr's private blocks) prefers. */
function isPrivateIPv4(ip: string): boolean {
  const [a, b] = ip.split('.').map(Number) as [number, number];
  return (
    a === 10 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 100 && b >= 64 && b <= 127)
  );
}

/** An address peers can reach us at when we bind a wildcard. */
function defaultAdvertiseIp(family: 4 | 6): string | undefined {
  const candidates: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) {
      if (i.internal) continue;
      if (family === 4 && i.family === 'IPv4') candidates.push(i.address);
      if (family === 6 && i.family === 'IPv6' && !i.address.startsWith('fe80')) candidates.push(i.address);
    }
  }
  if (family === 4) return candidates.find(isPrivateIPv4) ?? candidates[0];
  return candidates[0];
}
