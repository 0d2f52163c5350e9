/**
 * Incarnation numbers compared as serial numbers (RFC 1982, 32 bits), not as plain integers.
 *
 * memberlist compares plain uint32s, so a member accused at 2^32 − 1 can never refute: its
 * refutation wraps to 0, which everyone ignores (issue 11: one forged dead left a live node
 * failed for good, one forged alive pinned forged tags). As serial numbers, `b` is newer than `a`
 * when it is less than 2^31 ahead of it, so 0 follows 2^32 − 1 and every accusation can be
 * refuted. Among real nodes incarnations move by small steps, so the two orders agree; they differ
 * only for the forged jumps and the wrap. (A serf peer still compares plain integers: what it
 * accepted at 2^32 − 1 stays; see docs/security.md.)
 *
 * We also refuse accusations implausibly far ahead of what we know ({@link MAX_INCARNATION_JUMP});
 * an accused node still follows any accusation that is ahead (refuting one past it), since a
 * memberlist peer may have believed it, and our own peers accept that refutation as an alive,
 * whose window is the whole half-space.
 */
import { MAX_INCARNATION_JUMP } from '../wire/limits.js';

const HALF = 2 ** 31;

/** How far `a` is ahead of `b`, mod 2^32. */
function ahead(a: number, b: number): number {
  return (a - b) >>> 0;
}

/** Is `a` newer than `b` (strictly ahead by less than 2^31)? */
export function isNewer(a: number, b: number): boolean {
  const d = ahead(a, b);
  return d !== 0 && d < HALF;
}

/** Is `a` older than `b` (behind it)? Neither newer nor equal. */
export function isOlder(a: number, b: number): boolean {
  return ahead(a, b) >= HALF;
}

/** Is an accusation at `a` about a member we know at `known` implausibly far ahead? */
export function isImplausibleJump(a: number, known: number): boolean {
  const d = ahead(a, known);
  return d > MAX_INCARNATION_JUMP && d < HALF;
}

/**
 * The incarnation that refutes an accusation at `accused` when ours is `own`: one past the
 * accusation if it is not behind `own + 1`, else `own + 1` (state.go refute, in serial order).
 */
export function refutationOf(own: number, accused: number): number {
  const next = (own + 1) >>> 0;
  return isOlder(accused, next) ? next : (accused + 1) >>> 0;
}
