/**
 * Internal assertions. A failed one is a bug in gossip-peer, never a peer's bytes or a caller's
 * input (those get their own typed errors): it throws an `InternalError` (`GP_ERR_INTERNAL`), so
 * even a bug reaches a caller as a registered error.
 */
import { InternalError } from '../wire/errors.js';

/** Throws an `InternalError` with `message` unless `condition` holds. */
export function invariant(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new InternalError(typeof message === 'string' ? message : message());
}
