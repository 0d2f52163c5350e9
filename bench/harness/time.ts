/**
 * The harness's one clock: wall-clock milliseconds with sub-millisecond resolution, read from the
 * monotonic `performance` timer (so an NTP step during a run cannot bend a measurement). Every
 * event of both systems is stamped with it when its line reaches the harness.
 */
import { performance } from 'node:perf_hooks';

/** Milliseconds since the epoch, monotonic within this process. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
