/**
 * Error types of gossip-peer. Every error we throw is a {@link GossipError} with a stable `code`;
 * docs/errors.md lists every code and a test keeps that list and this file in sync.
 *
 * Peer misbehaviour (bytes from the network) and caller misuse (bad options, wrong state) are kept
 * apart: the first is {@link DecodeError}, never thrown out of a public API call, only reported.
 *
 * This file lives in `wire` because `wire` may import nothing of ours and every layer needs it.
 */

/** Every stable error code, in order. Append only; never renumber or rename. */
export const GOSSIP_ERROR_CODES = [
  'GP_ERR_DECODE',
  'GP_ERR_ENCODE',
  'GP_ERR_CONFIG',
  'GP_ERR_STATE',
  'GP_ERR_TIMEOUT',
  'GP_ERR_ABORTED',
  'GP_ERR_JOIN',
  'GP_ERR_TRANSPORT',
  'GP_ERR_TOO_LARGE',
  'GP_ERR_KEYRING',
  'GP_ERR_INTERNAL',
  'GP_ERR_NO_CANDIDATE',
] as const;

/** One stable error code (see {@link GOSSIP_ERROR_CODES} and docs/errors.md). */
export type GossipErrorCode = (typeof GOSSIP_ERROR_CODES)[number];

/** Base class of every error gossip-peer throws or reports. */
export class GossipError extends Error {
  /** Stable machine-readable code, see docs/errors.md. */
  readonly code: GossipErrorCode;
  constructor(code: GossipErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * Untrusted bytes could not be decoded. Thrown only by `wire` decode functions; the protocol core
 * catches it, counts it and drops the packet. State is never changed by a failed decode.
 *
 * It carries no stack trace: it describes a peer's bytes, not our code path, and it is built on
 * hot paths (a simulator or a flood of garbage makes millions), where capturing a stack would
 * dominate the cost of decoding.
 */
export class DecodeError extends GossipError {
  constructor(message: string, options?: { cause?: unknown }) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super('GP_ERR_DECODE', message, options);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}

/** A value could not be encoded (e.g. a field out of range). A caller bug, not a peer's. */
export class EncodeError extends GossipError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('GP_ERR_ENCODE', message, options);
  }
}

/** One or more configuration problems, all reported at once in `problems`. Nothing was started. */
export class ConfigError extends GossipError {
  /** Each problem as one human-readable line, e.g. `probeIntervalMs: must be > 0`. */
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super('GP_ERR_CONFIG', `invalid configuration: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** A payload, tag set or message exceeds a protocol size limit. Nothing was sent or changed. */
export class TooLargeError extends GossipError {
  constructor(message: string) {
    super('GP_ERR_TOO_LARGE', message);
  }
}

/** An operation was called in a state that does not allow it (e.g. after close). Nothing changed. */
export class StateError extends GossipError {
  constructor(message: string) {
    super('GP_ERR_STATE', message);
  }
}

/**
 * A bug: an internal assertion failed (see `invariant` in core/invariant.ts). Never caused by a
 * peer's bytes or a caller's input; state may be inconsistent, so the node should be closed.
 */
export class InternalError extends GossipError {
  constructor(message: string) {
    super('GP_ERR_INTERNAL', message);
  }
}

/**
 * A balancer had no member to pick: none matches its tags, or every match is suspect, failed or
 * left. Nothing was picked and no in-flight count changed.
 */
export class NoCandidateError extends GossipError {
  constructor(message: string) {
    super('GP_ERR_NO_CANDIDATE', message);
  }
}
