/**
 * The text form of addresses: `ip:port`, `[ipv6]:port`, and bare IPs, as flags, options, config
 * files, snapshots and seed lists write them. Every layer that reads such text goes through here
 * (seed lists through ./seeds.ts), so they all accept and refuse the same spellings with the same
 * words.
 *
 * Pure: IP literals are checked by wire's parser, not node:net, which the protocol layers may not
 * import (and whose IPv6 check is a very large regular expression whose first use costs ~16 ms of
 * CPU). A test holds {@link ipFamily} equal to node:net's `isIP` on addresses and garbage alike.
 */
import { parseIp } from '../wire/ip.js';
import type { Address } from './io.js';

/** A zone suffix as node:net accepts it on IPv6 literals (`fe80::1%eth0`). */
const ZONE = /^[0-9a-zA-Z.:-]+$/;

/** `4` or `6` for a literal IP address (IPv6 with an optional `%zone`), `0` for anything else. */
export function ipFamily(text: string): 0 | 4 | 6 {
  if (!text.includes(':')) return parseIp(text) !== undefined ? 4 : 0;
  const pct = text.indexOf('%');
  const ip = pct < 0 ? text : text.slice(0, pct);
  if (pct >= 0 && !ZONE.test(text.slice(pct + 1))) return 0;
  return ip.includes(':') && parseIp(ip) !== undefined ? 6 : 0;
}

/** How a host:port text was written, before the host is judged. */
export interface HostPortParts {
  readonly host: string;
  /** The port text, or undefined when none was written. */
  readonly portText: string | undefined;
}

/**
 * Splits `host:port`, `[host]:port`, `[host]`, a bare IPv6 literal, or a bare host. A text with two
 * or more colons and no brackets is a bare IPv6 literal when it is one (`ip:port` has one colon).
 */
export function splitHostPort(text: string): HostPortParts {
  const bracket = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (bracket) return { host: bracket[1] ?? '', portText: bracket[2] };
  if (text.indexOf(':') !== text.lastIndexOf(':') && ipFamily(text) === 6) {
    return { host: text, portText: undefined };
  }
  const i = text.lastIndexOf(':');
  if (i < 0) return { host: text, portText: undefined };
  return { host: text.slice(0, i), portText: text.slice(i + 1) };
}

/**
 * The port of `text` written as `portText` (0…65535), `defaultPort` when none was written, or a
 * problem naming `text`.
 */
export function parsePort(text: string, portText: string | undefined, defaultPort?: number): number | string {
  if (portText === undefined) {
    return defaultPort ?? `"${text}" has no port (expected IP:PORT)`;
  }
  if (!/^\d{1,5}$/.test(portText)) return `"${text}" has an invalid port`;
  const port = Number(portText);
  if (port > 65535) return `"${text}" has a port above 65535`;
  return port;
}

/** The problem of a host that is not an IP literal. */
export function notAnIpProblem(text: string): string {
  return `"${text}" is not an IP address (expected IP:PORT, e.g. 127.0.0.1:7946 or [::1]:7946)`;
}

/**
 * Parses `ip:port`, `[ipv6]:port`, or (when `defaultPort` is given) a bare `ip` / `[ipv6]` / `ipv6`.
 * Returns a problem string instead of throwing, so option validation can list every problem.
 */
export function parseHostPort(text: string, defaultPort?: number): Address | string {
  const { host, portText } = splitHostPort(text);
  if (ipFamily(host) === 0) return notAnIpProblem(text);
  const port = parsePort(text, portText, defaultPort);
  if (typeof port === 'string') return port;
  return { ip: host, port };
}
