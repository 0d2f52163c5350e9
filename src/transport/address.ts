/**
 * Textual address helpers shared by the UDP and TCP endpoints: parsing `ip:port` / `[v6]:port`
 * strings, telling the families apart, and folding IPv4-mapped IPv6 addresses (what a dual-stack
 * `::` socket reports for IPv4 peers) back to plain IPv4 so that the core sees one spelling.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { Address } from '../core/io.js';

/**
 * `4` or `6` for a literal IP address, `0` for anything else (host names are not resolved here).
 * Node's IPv6 check is a very large regular expression whose first use costs ~16 ms of CPU (and far
 * more on a busy machine), so it only sees text with a colon: every IPv6 literal has two or more.
 */
export function ipFamily(ip: string): 0 | 4 | 6 {
  if (isIPv4(ip)) return 4;
  return ip.includes(':') && isIPv6(ip) ? 6 : 0;
}

/** `::ffff:127.0.0.1` → `127.0.0.1`; any other address unchanged. */
export function unmapIPv4(ip: string): string {
  const m = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i.exec(ip);
  return m?.[1] ?? ip;
}

/** The form of `ip` a socket of `family` can send to (`127.0.0.1` → `::ffff:127.0.0.1` on udp6). */
export function toSocketFamily(ip: string, family: 4 | 6): string {
  if (family === 6 && ipFamily(ip) === 4) return `::ffff:${ip}`;
  return ip;
}

/**
 * Parses `ip:port`, `[ipv6]:port`, or (when `defaultPort` is given) a bare `ip` / `[ipv6]` / `ipv6`.
 * Returns a problem string instead of throwing, so option validation can list every problem.
 */
export function parseHostPort(text: string, defaultPort?: number): Address | string {
  let host: string;
  let portText: string | undefined;
  const bracket = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (bracket) {
    host = bracket[1] ?? '';
    portText = bracket[2];
  } else if (text.indexOf(':') !== text.lastIndexOf(':') && ipFamily(text) === 6) {
    // Two or more colons: maybe a bare IPv6 literal; `ip:port` has exactly one.
    host = text; // bare IPv6 literal without a port
  } else {
    const i = text.lastIndexOf(':');
    if (i < 0) host = text;
    else {
      host = text.slice(0, i);
      portText = text.slice(i + 1);
    }
  }
  if (ipFamily(host) === 0)
    return `"${text}" is not an IP address (expected IP:PORT, e.g. 127.0.0.1:7946 or [::1]:7946)`;
  let port: number;
  if (portText === undefined) {
    if (defaultPort === undefined) return `"${text}" has no port (expected IP:PORT)`;
    port = defaultPort;
  } else {
    if (!/^\d{1,5}$/.test(portText)) return `"${text}" has an invalid port`;
    port = Number(portText);
    if (port > 65535) return `"${text}" has a port above 65535`;
  }
  return { ip: host, port };
}
