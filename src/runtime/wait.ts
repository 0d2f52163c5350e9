/**
 * One abortable wait for the node's calls (join, its retry delay, leave, key operations): start
 * something, wait for its result, and stop waiting with `GP_ERR_ABORTED` as soon as any of the
 * caller's signals (the call's own, the node's close) aborts — removing every listener and the
 * waiter either way, so nothing leaks however the wait ends.
 */
import { GossipError } from '../wire/errors.js';

/** The error every aborted call rejects with. */
export function abortedError(what: string): GossipError {
  return new GossipError('GP_ERR_ABORTED', `${what} aborted`);
}

/**
 * Waits for the value `start` settles with, unless a signal aborts first (then rejects with
 * `GP_ERR_ABORTED` naming `what`, and calls the cleanup `start` returned). `start` registers its
 * waiter and returns how to unregister it; if it throws, the wait rejects with that error.
 * An already-aborted signal rejects before `start` runs.
 */
export function abortableWait<T>(
  what: string,
  signals: readonly (AbortSignal | undefined)[],
  start: (settle: (value: T) => void) => () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const active = signals.filter((s): s is AbortSignal => s !== undefined);
    if (active.some((s) => s.aborted)) return reject(abortedError(what));
    let cleanup: (() => void) | undefined;
    let settled = false;
    const detach = (): void => {
      for (const s of active) s.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      if (settled) return;
      settled = true;
      detach();
      cleanup?.();
      reject(abortedError(what));
    };
    for (const s of active) s.addEventListener('abort', onAbort, { once: true });
    try {
      cleanup = start((value) => {
        if (settled) return;
        settled = true;
        detach();
        resolve(value);
      });
    } catch (err) {
      settled = true;
      detach();
      reject(err);
    }
  });
}

/** Sleeps `ms` unless a signal aborts first (then rejects with `GP_ERR_ABORTED` naming `what`). */
export function abortableDelay(
  what: string,
  ms: number,
  signals: readonly (AbortSignal | undefined)[],
): Promise<void> {
  return abortableWait<void>(what, signals, (settle) => {
    const t = setTimeout(settle, ms);
    return () => clearTimeout(t);
  });
}
