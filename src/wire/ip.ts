/**
 * IP addresses between their text form (what our `Address` carries) and the raw `net.IP` bytes on
 * the wire: 4 bytes for IPv4, 16 for IPv6. Go also sends IPv4 as 16-byte IPv4-mapped
 * (`::ffff:a.b.c.d`) when a node binds 0.0.0.0 without an advertise address (reference §1), so
 * every reader accepts both and renders a mapped address as plain dotted IPv4, as Go's
 * `net.IP.String()` does.
 */

import { DecodeError, EncodeError } from './errors.js';

/** Parse a dotted-quad IPv4 address (no leading zeros beyond a single 0 per octet, as Go). */
function parseIpv4(text: string, out: Uint8Array, at: number): boolean {
  const parts = text.split('.');
  if (parts.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^[0-9]{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return false;
    const v = Number(p);
    if (v > 255) return false;
    out[at + i] = v;
  }
  return true;
}

/** Parse an IPv6 address, optionally ending in an embedded dotted IPv4. No zone (`%eth0`). */
function parseIpv6(text: string): Uint8Array | undefined {
  if (text.length < 2 || text.length > 45) return undefined;
  const out = new Uint8Array(16);
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (s: string, allowV4Tail: boolean): number[] | undefined => {
    if (s === '') return [];
    const groups = s.split(':');
    const words: number[] = [];
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i]!;
      if (allowV4Tail && i === groups.length - 1 && g.includes('.')) {
        const v4 = new Uint8Array(4);
        if (!parseIpv4(g, v4, 0)) return undefined;
        words.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      words.push(parseInt(g, 16));
    }
    return words;
  };
  let words: number[];
  if (halves.length === 2) {
    const head = parseGroups(halves[0]!, false);
    const tail = parseGroups(halves[1]!, true);
    if (head === undefined || tail === undefined || head.length + tail.length > 7) return undefined;
    words = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    const all = parseGroups(text, true);
    if (all === undefined || all.length !== 8) return undefined;
    words = all;
  }
  for (let i = 0; i < 8; i++) {
    out[2 * i] = words[i]! >>> 8;
    out[2 * i + 1] = words[i]! & 0xff;
  }
  return out;
}

/**
 * Parse a textual IP into wire bytes: IPv4 → 4 bytes, IPv6 (including `::ffff:a.b.c.d`) → 16.
 * Returns `undefined` for anything else (host names, zones, brackets).
 */
export function parseIp(text: string): Uint8Array | undefined {
  if (text.includes(':')) return parseIpv6(text);
  const out = new Uint8Array(4);
  return parseIpv4(text, out, 0) ? out : undefined;
}

/** {@link parseIp}, throwing an {@link EncodeError} when `text` is not an IP address. */
export function ipToBytes(text: string): Uint8Array {
  const b = parseIp(text);
  if (b === undefined) throw new EncodeError(`not an IP address: ${JSON.stringify(text)}`);
  return b;
}

/** Whether 16 wire bytes are an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`). */
export function isIpv4Mapped(b: Uint8Array): boolean {
  if (b.length !== 16) return false;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/**
 * The canonical wire form: 4 bytes for IPv4 or IPv4-mapped input, 16 for other IPv6. Use it to
 * compare addresses that may arrive in either form. Other lengths are a {@link DecodeError}.
 */
export function canonicalIp(b: Uint8Array): Uint8Array {
  if (b.length === 4) return b;
  if (b.length === 16) return isIpv4Mapped(b) ? b.slice(12, 16) : b;
  throw new DecodeError(`IP address must be 4 or 16 bytes, got ${b.length}`);
}

/**
 * Text form of wire IP bytes: dotted IPv4 for 4 bytes and IPv4-mapped 16 bytes, RFC 5952 text
 * (lower case, longest zero run compressed) for other IPv6. Other lengths are a {@link DecodeError}.
 */
export function ipFromBytes(b: Uint8Array): string {
  const c = canonicalIp(b);
  if (c.length === 4) return `${c[0]}.${c[1]}.${c[2]}.${c[3]}`;
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((c[2 * i]! << 8) | c[2 * i + 1]!);
  // Longest run of two or more zero words; the first one wins a tie (RFC 5952 §4.2.3).
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]): string => ws.map((w) => w.toString(16)).join(':');
  if (bestStart < 0) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLen))}`;
}

/** Whether two wire IPs name the same address (4-byte and IPv4-mapped 16-byte forms are equal). */
export function ipEquals(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== 4 && a.length !== 16) return false;
  if (b.length !== 4 && b.length !== 16) return false;
  const x = canonicalIp(a);
  const y = canonicalIp(b);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
