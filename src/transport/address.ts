/**
 * Address forms the UDP and TCP endpoints need on top of core's text parsing (../core/host-port.ts):
 * folding IPv4-mapped IPv6 addresses (what a dual-stack `::` socket reports for IPv4 peers) back to
 * plain IPv4 so that the core sees one spelling, and the reverse for sending from such a socket.
 */
import { ipFamily } from '../core/host-port.js';

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
