/**
 * Seed lists: the one place that turns the `host:port` / `[v6]:port` text of `join`, `rejoin`,
 * `--join`, `--retry-join`, a seed-mode argument or a snapshot's member line into typed seeds.
 *
 * A {@link Seed} is either an IP address or a host name to resolve. Names are refused unless the
 * caller asks for them (`names: true`): nothing resolves them yet, so every seed list today holds
 * addresses only, with the same problem text as before. Resolution (DNS names, SRV records) can
 * then be added beside the join loop without touching any of the readers.
 */
import { formatAddress, type Address } from './io.js';
import { ipFamily, notAnIpProblem, parsePort, splitHostPort } from './host-port.js';
import { invariant } from './invariant.js';

/** memberlist's and Serf's default port, used when a seed has none. */
export const DEFAULT_PORT = 7946;

/** A seed that is an IP address and port. */
export interface AddressSeed {
  readonly kind: 'address';
  readonly address: Address;
}

/** A seed written as a host name, to be resolved before it can be contacted. */
export interface NameSeed {
  readonly kind: 'name';
  /** The name as written, without a trailing dot. */
  readonly host: string;
  readonly port: number;
}

/** One entry of a seed list. */
export type Seed = AddressSeed | NameSeed;

/** How {@link parseSeed} reads a seed. */
export interface SeedParseOptions {
  /** Port of a seed written without one; `null` requires a port. Default {@link DEFAULT_PORT}. */
  readonly defaultPort?: number | null;
  /** Accept host names (as {@link NameSeed}s). Default false: an IP address is required. */
  readonly names?: boolean;
}

/**
 * RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens, at most 63
 * characters each and 253 in all; underscores allowed for SRV-style labels (`_serf._tcp`).
 */
function isHostName(host: string): boolean {
  const h = host.endsWith('.') ? host.slice(0, -1) : host;
  if (h.length === 0 || h.length > 253) return false;
  return h.split('.').every((l) => /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/.test(l));
}

/**
 * Parses one seed: `ip:port`, `[ipv6]:port`, a bare IP (default port), and with `names` a
 * `host[:port]`. Port 0 is refused (nothing listens there). Returns a problem string instead of
 * throwing, so option validation can list every problem.
 */
export function parseSeed(text: string, opts: SeedParseOptions = {}): Seed | string {
  const { host, portText } = splitHostPort(text);
  const family = ipFamily(host);
  if (family === 0 && !(opts.names === true && isHostName(host))) return notAnIpProblem(text);
  const port = parsePort(
    text,
    portText,
    opts.defaultPort === null ? undefined : (opts.defaultPort ?? DEFAULT_PORT),
  );
  if (typeof port === 'string') return port;
  if (port === 0) return `"${text}" has port 0`;
  if (family === 0) return { kind: 'name', host: host.replace(/\.$/, ''), port };
  return { kind: 'address', address: { ip: host, port } };
}

/** A seed as a caller may give it: text, an address, or an already parsed seed. */
export type SeedInput = string | Address | Seed;

/** How {@link parseSeedList} reads a list and names its problems. */
export interface SeedListOptions extends SeedParseOptions {
  /** The list's name in problems, e.g. `join` or `--join`. */
  readonly where: string;
  /**
   * Whether entries are named by index (`join[1]: …`, for options) or all by the list's name
   * (`--join: …`, for flags that repeat). Default true.
   */
  readonly indexed?: boolean;
  /**
   * Also accept {@link Address} and {@link Seed} objects (API callers), not only text (flags and
   * files). Default false.
   */
  readonly objects?: boolean;
}

/**
 * Parses a whole seed list of unknown shape (options, flags, a JSON file). Returns the seeds that
 * parsed and one problem per entry that did not, each prefixed with where it was.
 */
export function parseSeedList(
  value: unknown,
  opts: SeedListOptions,
): { readonly seeds: Seed[]; readonly problems: string[] } {
  const seeds: Seed[] = [];
  const problems: string[] = [];
  if (!Array.isArray(value)) {
    problems.push(`${opts.where}: must be a list of IP:PORT`);
    return { seeds, problems };
  }
  (value as unknown[]).forEach((entry, i) => {
    const where = opts.indexed === false ? opts.where : `${opts.where}[${i}]`;
    const s = seedOf(entry, opts);
    if (typeof s === 'string') problems.push(`${where}: ${s}`);
    else seeds.push(s);
  });
  return { seeds, problems };
}

/** One list entry as a seed, or its problem. Objects are checked as strictly as text. */
function seedOf(entry: unknown, opts: SeedListOptions): Seed | string {
  if (typeof entry === 'string') return parseSeed(entry, opts);
  if (opts.objects !== true || entry === null || typeof entry !== 'object') return 'must be IP:PORT';
  const e = entry as { kind?: unknown; address?: unknown; host?: unknown; ip?: unknown; port?: unknown };
  if (e.kind === 'address' && e.address !== undefined) return seedOf(e.address, opts);
  if (e.kind === 'name' && typeof e.host === 'string' && typeof e.port === 'number') {
    return parseSeed(`${e.host}:${e.port}`, opts);
  }
  if (typeof e.ip === 'string' && typeof e.port === 'number') {
    return parseSeed(formatAddress({ ip: e.ip, port: e.port }), opts);
  }
  return 'must be IP:PORT';
}

/** The text of a seed (`10.0.0.5:7946`, `[::1]:7946`, `seed.example.com:7946`). */
export function formatSeed(s: Seed): string {
  return s.kind === 'address' ? formatAddress(s.address) : `${s.host}:${s.port}`;
}

/**
 * The addresses to contact for `seeds`. Host-name seeds cannot occur yet: {@link parseSeed} refuses
 * names unless asked, and nothing asks until they can be resolved here.
 */
export function seedAddresses(seeds: readonly Seed[]): Address[] {
  return seeds.map((s) => {
    invariant(s.kind === 'address', () => `seed ${formatSeed(s)} is a host name; names are not resolved`);
    return s.address;
  });
}
