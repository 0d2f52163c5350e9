/**
 * CRC-32/IEEE (the zlib/Ethernet polynomial, Go's `crc32.ChecksumIEEE`), used by memberlist's
 * hasCrc wrapper (memberlist: net.go, protocol version 5; reference §3.3).
 */

/** The reflected polynomial 0xEDB88320, one entry per byte value. Built once, never written after. */
const TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32/IEEE of `bytes[start..end)`, as an unsigned 32-bit number. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
