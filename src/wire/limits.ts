/**
 * Protocol constants and the bounds every decoder enforces. Numbers that mirror memberlist 0.2.2
 * cite the Go constant; the others are our own guards against hostile input (memberlist 0.2.2 has
 * none of them, later versions added similar ones).
 */

/** Bytes a compound message adds once: type byte + part count (memberlist: net.go `compoundHeaderOverhead`). */
export const COMPOUND_HEADER_OVERHEAD = 2;

/** Bytes a compound message adds per part: its uint16 length (memberlist: net.go `compoundOverhead`). */
export const COMPOUND_PART_OVERHEAD = 2;

/** Bytes encryption version 1 adds to a UDP packet: version + 12-byte nonce + 16-byte GCM tag (memberlist: security.go). */
export const ENCRYPTION_OVERHEAD = 29;

/** Bytes encryption version 0 may add at worst (version + nonce + up to 16 padding bytes + tag). */
export const ENCRYPTION_OVERHEAD_V0 = 45;

/** Budget for one gossip packet (memberlist: config.go `UDPBufferSize`). */
export const UDP_BUFFER_BYTES = 1400;

/** Largest UDP payload: 65,535 − 8 (UDP header) − 20 (IPv4 header) bytes. */
export const MAX_UDP_PAYLOAD_BYTES = 65_507;

/** Largest node metadata (Serf tags) a sender may advertise (memberlist: memberlist.go `MetaMaxSize`). */
export const META_MAX_BYTES = 512;

/** Bytes of a CRC wrapper: type byte + CRC-32 (memberlist: net.go `hasCrcMsg`). */
export const CRC_HEADER_BYTES = 5;

/**
 * Most parts we put in one compound message. The wire allows 255, but a v0.2.2 receiver multiplies
 * the count by 2 in a uint8, so 128 or more defeats its length check and can panic it (reference §3.2).
 */
export const MAX_COMPOUND_PARTS_SENT = 127;

/** Largest single part of a compound message (its length is a uint16). */
export const MAX_COMPOUND_PART_BYTES = 0xffff;

/** Largest total a UDP packet may expand to through LZW, summed over every compressed layer in it. */
export const MAX_UDP_DECOMPRESSED_BYTES = 1 << 20;

/** Largest stream we read: memberlist's `maxPushStateBytes` (20 MiB), applied to every stream form. */
export const MAX_STREAM_BYTES = 20 * 1024 * 1024;

/** Most node states one push-pull may announce. memberlist has no bound; 2^18 is far above any real cluster. */
export const MAX_PUSH_PULL_NODES = 1 << 18;

/** Deepest nesting of compound/compress layers we unwrap in one UDP packet. Go recurses without bound. */
export const MAX_PACKET_NESTING = 8;

/** Most messages (decoded or failed) we report from one UDP packet. */
export const MAX_PACKET_MESSAGES = 1024;

/**
 * Longest node name, in UTF-8 bytes, that we accept from the network or take for ourselves.
 * memberlist has no limit (a 64 KiB name then fails to encode in every ping to that member);
 * serf ≥ 0.9.5 documents 128 characters (serf.go `MaxNodeNameLength`, checked when
 * `ValidateNodeNames` is on), which is the bound we enforce always.
 */
export const MAX_NODE_NAME_BYTES = 128;
