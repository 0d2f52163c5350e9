/**
 * The agent's configuration: command-line flags over an optional JSON config file, validated into
 * one frozen {@link AgentConfig}. Every problem (flags and file alike) is collected and reported in
 * one `ConfigError` before anything is started, like `createNode`'s options.
 *
 * The file uses the flags' names in camelCase (`{"node": "web-1", "join": ["10.0.0.5:7946"],
 * "tags": {"role": "web"}, "retryJoin": [...], "eventHandlers": [...]}`); a flag given on the
 * command line wins over the file, and list flags given on the command line replace the file's list.
 */
import { readFileSync } from 'node:fs';
import type { Detector, Profile } from '../swim/config.js';
import type { Address } from '../core/io.js';
import { oneOf, ruleProblem } from '../core/config-rules.js';
import { parseHostPort } from '../core/host-port.js';
import { DEFAULT_PORT, parseSeedList, type Seed } from '../core/seeds.js';
import { ConfigError } from '../wire/errors.js';
import { parseEventScript } from './event-handlers.js';

/**
 * Where the agent serves its HTTP API unless told otherwise, and where client subcommands look for
 * it: serf's RPC port plus one, so a serf agent and ours can run side by side on one machine.
 */
export const DEFAULT_HTTP_ADDR = '127.0.0.1:7374';

/** Environment variable the client subcommands read when `--http` is not given (like `SERF_RPC_ADDR`). */
export const HTTP_ADDR_ENV = 'GOSSIP_PEER_HTTP_ADDR';

/** How events are printed on stdout: one JSON object per line, one human line, or nothing. */
export type EventsFormat = 'json' | 'text' | 'none';

/** pino's levels, plus `silent`. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

const EVENTS_FORMATS: readonly EventsFormat[] = ['json', 'text', 'none'];
const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
const PROFILES: readonly Profile[] = ['lan', 'wan', 'local'];
const DETECTORS: readonly Detector[] = ['adaptive', 'memberlist'];

/** The complete, validated agent configuration. */
export interface AgentConfig {
  /** Node name; undefined = createNode's default (`<hostname>-<port>`). */
  readonly node: string | undefined;
  /** `IP:PORT` for gossip (UDP+TCP). Default `0.0.0.0:7946`, as serf. */
  readonly bind: string;
  /** `IP` or `IP:PORT` peers reach us at; undefined = derived from `bind`. */
  readonly advertise: string | undefined;
  /** Seeds joined at start; none answering is fatal (serf's `-join`). */
  readonly join: readonly Seed[];
  /** Seeds joined in the background until one answers (serf's `-retry-join`). */
  readonly retryJoin: readonly Seed[];
  readonly tags: Readonly<Record<string, string>>;
  /** Base64 AES key (16, 24 or 32 bytes); undefined = no encryption. */
  readonly encrypt: string | undefined;
  readonly profile: Profile;
  /**
   * Failure detector: `adaptive` (default) or `memberlist` (memberlist 0.2.2 exactly, for
   * like-for-like comparison with serf); docs/failure-detection.md.
   */
  readonly detector: Detector;
  /** `IP:PORT` of the HTTP API, or null when disabled. Default {@link DEFAULT_HTTP_ADDR}. */
  readonly http: Address | null;
  /** Event printing on stdout. Default `text`. */
  readonly events: EventsFormat;
  /** Log level of the stderr logger. Default `warn`: a healthy agent is quiet on stderr. */
  readonly logLevel: LogLevel;
  /** Serf-style `[filter=]script` event handlers. */
  readonly eventHandlers: readonly string[];
  /**
   * Keep retrying the seeds and the last known members, with backoff, whenever this node finds
   * itself alone (every peer failed, or a long partition). Default true.
   */
  readonly rejoin: boolean;
  /** Snapshot file (serf `-snapshot`): members and clocks survive a restart. Default none. */
  readonly snapshot: string | undefined;
}

/**
 * Raw values before validation: what commander hands over (strings, string lists, booleans) or
 * what a JSON config file holds (anything). Undefined = not given.
 */
export interface AgentConfigInput {
  readonly node?: unknown;
  readonly bind?: unknown;
  readonly advertise?: unknown;
  readonly join?: unknown;
  readonly retryJoin?: unknown;
  /** Flags give `k=v` strings; a file gives an object. */
  readonly tags?: unknown;
  readonly encrypt?: unknown;
  readonly profile?: unknown;
  readonly detector?: unknown;
  /** `IP:PORT`, or false / `"off"` to disable. */
  readonly http?: unknown;
  readonly events?: unknown;
  readonly logLevel?: unknown;
  readonly eventHandlers?: unknown;
  readonly rejoin?: unknown;
  readonly snapshot?: unknown;
}

const KNOWN_KEYS = new Set<string>([
  'node',
  'bind',
  'advertise',
  'join',
  'retryJoin',
  'tags',
  'encrypt',
  'profile',
  'detector',
  'http',
  'events',
  'logLevel',
  'eventHandlers',
  'rejoin',
  'snapshot',
]);

/**
 * Reads a JSON config file. Throws a `ConfigError` when it cannot be read, is not JSON, or is not
 * an object; unknown keys are reported by {@link resolveAgentConfig}.
 */
export function loadConfigFile(path: string): AgentConfigInput {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`config ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? err})`]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ConfigError([`config ${path}: not valid JSON (${(err as Error).message})`]);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError([`config ${path}: must be a JSON object`]);
  }
  return value as AgentConfigInput;
}

/** Parses one `k=v` tag; the value may contain `=`. Returns a problem string when malformed. */
export function parseTag(text: string): [string, string] | string {
  const eq = text.indexOf('=');
  if (eq <= 0) return `"${text}" is not k=v`;
  return [text.slice(0, eq), text.slice(eq + 1)];
}

/**
 * Merges `flags` over `file` and validates the result. Throws one `ConfigError` listing every
 * problem; `source` names where a value came from in the messages (`--join` or `config join`).
 */
export function resolveAgentConfig(flags: AgentConfigInput, file: AgentConfigInput = {}): AgentConfig {
  const problems: string[] = [];
  for (const k of Object.keys(file)) if (!KNOWN_KEYS.has(k)) problems.push(`config: unknown key "${k}"`);
  const pick = <K extends keyof AgentConfigInput>(k: K): { value: unknown; where: string } =>
    flags[k] !== undefined
      ? { value: flags[k], where: `--${kebab(k)}` }
      : { value: file[k], where: `config ${k}` };

  const node = pick('node');
  let name: string | undefined;
  if (node.value !== undefined) {
    if (typeof node.value !== 'string' || node.value.length === 0)
      problems.push(`${node.where}: must be a non-empty name`);
    else name = node.value;
  }

  const bindIn = pick('bind');
  let bind = `0.0.0.0:${DEFAULT_PORT}`;
  if (bindIn.value !== undefined) {
    const a =
      typeof bindIn.value === 'string' ? parseHostPort(bindIn.value, DEFAULT_PORT) : 'must be IP:PORT';
    if (typeof a === 'string') problems.push(`${bindIn.where}: ${a}`);
    else bind = bindIn.value as string;
  }

  const advIn = pick('advertise');
  let advertise: string | undefined;
  if (advIn.value !== undefined) {
    const a = typeof advIn.value === 'string' ? parseHostPort(advIn.value, 0) : 'must be IP or IP:PORT';
    if (typeof a === 'string') problems.push(`${advIn.where}: ${a}`);
    else advertise = advIn.value as string;
  }

  const join = seedList(pick('join'), problems);
  const retryJoin = seedList(pick('retryJoin'), problems);

  const tagsIn = pick('tags');
  const tags: Record<string, string> = {};
  if (tagsIn.value !== undefined) {
    if (Array.isArray(tagsIn.value)) {
      for (const t of tagsIn.value as unknown[]) {
        const kv = typeof t === 'string' ? parseTag(t) : 'must be k=v';
        if (typeof kv === 'string') problems.push(`${tagsIn.where}: ${kv}`);
        else tags[kv[0]] = kv[1];
      }
    } else if (tagsIn.value !== null && typeof tagsIn.value === 'object') {
      for (const [k, v] of Object.entries(tagsIn.value)) {
        if (typeof v !== 'string') problems.push(`${tagsIn.where}.${k}: must be a string`);
        else tags[k] = v;
      }
    } else problems.push(`${tagsIn.where}: must be an object of strings`);
  }

  const encIn = pick('encrypt');
  let encrypt: string | undefined;
  if (encIn.value !== undefined) {
    const p = keyProblem(encIn.value);
    if (p !== undefined) problems.push(`${encIn.where}: ${p}`);
    else encrypt = encIn.value as string;
  }

  const profile = choice(pick('profile'), PROFILES, 'lan', problems);
  const detector = choice(pick('detector'), DETECTORS, 'adaptive', problems);

  const httpIn = pick('http');
  let http: Address | null = parseHostPort(DEFAULT_HTTP_ADDR) as Address;
  if (httpIn.value === false || httpIn.value === 'off') http = null;
  else if (httpIn.value !== undefined && httpIn.value !== true) {
    const a = typeof httpIn.value === 'string' ? parseHostPort(httpIn.value) : 'must be IP:PORT, or "off"';
    if (typeof a === 'string') problems.push(`${httpIn.where}: ${a}`);
    else http = a;
  }

  const events = choice(pick('events'), EVENTS_FORMATS, 'text', problems);
  const logLevel = choice(pick('logLevel'), LOG_LEVELS, 'warn', problems);

  const ehIn = pick('eventHandlers');
  const eventHandlers: string[] = [];
  if (ehIn.value !== undefined) {
    if (!Array.isArray(ehIn.value)) problems.push(`${ehIn.where}: must be a list of [filter=]script`);
    else
      for (const h of ehIn.value as unknown[]) {
        if (typeof h !== 'string') {
          problems.push(`${ehIn.where}: must be a list of [filter=]script`);
          continue;
        }
        try {
          parseEventScript(h);
          eventHandlers.push(h);
        } catch (err) {
          if (err instanceof ConfigError) problems.push(...err.problems.map((p) => `${ehIn.where}: ${p}`));
          else throw err;
        }
      }
  }

  const rejoinIn = pick('rejoin');
  let rejoin = true;
  if (rejoinIn.value !== undefined) {
    if (typeof rejoinIn.value !== 'boolean') problems.push(`${rejoinIn.where}: must be true or false`);
    else rejoin = rejoinIn.value;
  }

  const snapIn = pick('snapshot');
  let snapshot: string | undefined;
  if (snapIn.value !== undefined) {
    if (typeof snapIn.value !== 'string' || snapIn.value === '')
      problems.push(`${snapIn.where}: must be a file path`);
    else snapshot = snapIn.value;
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    node: name,
    bind,
    advertise,
    join,
    retryJoin,
    tags: Object.freeze(tags),
    encrypt,
    profile,
    detector,
    http,
    events,
    logLevel,
    eventHandlers,
    rejoin,
    snapshot,
  });
}

/** The flag a config key comes from (`retryJoin` → `retry-join`; list flags are singular). */
function kebab(k: string): string {
  if (k === 'tags') return 'tag';
  if (k === 'eventHandlers') return 'event-handler';
  return k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** A seed list flag (repeatable) or file key (a list, or one string). */
function seedList(input: { value: unknown; where: string }, problems: string[]): Seed[] {
  if (input.value === undefined) return [];
  const list = typeof input.value === 'string' ? [input.value] : input.value;
  const r = parseSeedList(list, { where: input.where, indexed: false });
  problems.push(...r.problems);
  return r.seeds;
}

function choice<T extends string>(
  input: { value: unknown; where: string },
  allowed: readonly T[],
  def: T,
  problems: string[],
): T {
  if (input.value === undefined) return def;
  const problem = ruleProblem(oneOf(...allowed), input.value);
  if (problem !== undefined) {
    problems.push(`${input.where}: ${problem}`);
    return def;
  }
  return input.value as T;
}

/** Why `v` is not a usable base64 AES key, or undefined. (createNode checks again; this names the flag.) */
function keyProblem(v: unknown): string | undefined {
  if (typeof v !== 'string') return 'must be a base64 key';
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0 || v.length === 0) return 'is not valid base64';
  const n = Buffer.from(v, 'base64').length;
  if (n !== 16 && n !== 24 && n !== 32)
    return `must decode to 16, 24 or 32 bytes (AES-128/192/256), got ${n}`;
  return undefined;
}
