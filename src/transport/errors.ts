/**
 * Typed transport errors. A socket problem (bind failure, send failure, a broken inbound stream)
 * becomes a {@link TransportError} with code `GP_ERR_TRANSPORT`: thrown only from `open` calls
 * (nothing was started), otherwise reported to an `onError` handler and never thrown from a socket
 * callback, so a misbehaving peer or a flaky interface can never crash the process.
 */
import { GossipError } from '../wire/errors.js';

/** What the transport was doing when it failed. */
export type TransportOp = 'bind' | 'send' | 'receive' | 'dial' | 'accept' | 'close';

/** A socket could not be opened or failed. Nothing in the protocol state changed because of it. */
export class TransportError extends GossipError {
  /** The failing operation. */
  readonly op: TransportOp;
  /** The system error code when there is one (`EADDRINUSE`, `ECONNREFUSED`, …). */
  readonly syscallCode: string | undefined;
  constructor(op: TransportOp, message: string, options?: { cause?: unknown }) {
    super('GP_ERR_TRANSPORT', message, options);
    this.op = op;
    const cause = options?.cause;
    this.syscallCode =
      cause !== null && typeof cause === 'object' && 'code' in cause && typeof cause.code === 'string'
        ? cause.code
        : undefined;
  }
}

/** Turns anything a socket callback produced into a message string. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const BIND_REASONS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'address not available on this machine',
  EACCES: 'permission denied',
  EAFNOSUPPORT: 'address family not supported',
};

/** A short human reason for a bind failure (`address already in use (EADDRINUSE)`). */
export function bindFailureReason(err: unknown): string {
  const code =
    err !== null && typeof err === 'object' && 'code' in err && typeof err.code === 'string'
      ? err.code
      : undefined;
  const reason = code !== undefined ? BIND_REASONS[code] : undefined;
  return reason !== undefined ? `${reason} (${code})` : errorMessage(err);
}
