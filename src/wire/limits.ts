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

/**
 * The most bytes a push-pull node entry adds beyond its name, address and meta bytes: a map of
 * seven fields, their key strings, value headers, port, incarnation, state and Vsn (67 at most;
 * rounded up). A test encodes the extremes to check it.
 */
export const PUSH_NODE_STATE_OVERHEAD_BYTES = 72;

/**
 * The budget of the member table: the sum of its members' push-pull entry sizes. A new member
 * that does not fit is refused until dead ones are forgotten. 6 MiB holds about 8,000 members
 * with the longest names and meta, and about 60,000 with typical ones; with the Serf layer's
 * own budgets ({@link MAX_DEPARTED_MEMBER_BYTES}, {@link MAX_RECENT_INTENT_BYTES},
 * {@link MAX_USER_EVENT_RING_BYTES}) it keeps every push-pull under {@link MAX_STREAM_BYTES} by
 * construction, so a node never becomes unjoinable (issue 11). memberlist has no such bound.
 */
export const MAX_MEMBER_STATE_BYTES = 6 * 1024 * 1024;

/**
 * New members one UDP source may introduce at once, and per second after that. Gossip brings a
 * handful per round; an attacker thousands per packet (issue 11). Push-pull is not limited
 * this way (a join brings the whole cluster through one stream); {@link MAX_MEMBER_STATE_BYTES}
 * bounds both.
 */
export const NEW_MEMBERS_PER_SOURCE_BURST = 1024;
/** See {@link NEW_MEMBERS_PER_SOURCE_BURST}. */
export const NEW_MEMBERS_PER_SOURCE_PER_SECOND = 128;

/** Most sources (or destinations) a per-address rate limiter remembers at once. */
export const MAX_RATE_LIMITED_SOURCES = 4096;

/**
 * The Serf layer's budget for members it still remembers after they failed or left (reconnect
 * and tombstone lists, 24 h by default): their names appear in every push-pull (`StatusLTimes`,
 * `LeftMembers`). Over it, the oldest departed member is reaped early. serf has no bound; a
 * flood of fake members that come and go would otherwise grow every push-pull without limit.
 */
export const MAX_DEPARTED_MEMBER_BYTES = 2 * 1024 * 1024;

/** The Serf layer's budget for intents buffered about nodes it does not know yet (memory only). */
export const MAX_RECENT_INTENT_BYTES = 1024 * 1024;

/**
 * The Serf layer's budget for the user-event ring (it travels in every push-pull as `Events`).
 * A new event that does not fit is dropped. 512 slots of one 8 KiB event each fit; serf bounds
 * the slots but not the events per slot.
 */
export const MAX_USER_EVENT_RING_BYTES = 4 * 1024 * 1024;

/**
 * Furthest ahead of the incarnation we know for a member that an accusation (suspect, dead) about
 * it may be, for us to believe it. A real accusation carries an incarnation we have seen or one
 * of the few refutations we missed; one 2^32 − 1 ahead is a forgery meant to be unrefutable
 * (issue 11). memberlist believes any larger number.
 */
export const MAX_INCARNATION_JUMP = 1 << 16;
