/**
 * The real clock for the runtime. The protocol core only needs monotonic integer milliseconds;
 * `performance.timeOrigin + performance.now()` is monotonic within a process (it never jumps with
 * NTP adjustments, unlike `Date.now()`) and still reads as Unix epoch ms, so the same number can
 * stamp user-visible events.
 */

/** A source of integer milliseconds. */
export interface Clock {
  /** Monotonic integer ms; also (approximately) Unix epoch ms for the real clock. */
  now(): number;
}

/** Creates the process's real monotonic clock. */
export function realClock(): Clock {
  const origin = performance.timeOrigin;
  return { now: () => Math.round(origin + performance.now()) };
}
