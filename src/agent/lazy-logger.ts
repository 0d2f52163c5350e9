/**
 * The agent's logger: pino, created on the first line actually written. At the default level
 * (`warn`) a healthy agent writes nothing, so it never pays for loading pino (about 40 ms of CPU
 * and its worker-thread transport machinery) when it starts. Methods below the level are no-ops
 * from the start, as pino's own are; children made before pino is loaded keep their bindings and
 * become real pino children when one of them first writes.
 */
import { createRequire } from 'node:module';
import type * as PinoModule from 'pino';
import type { DestinationStream } from 'pino';
import type { LogFn, Logger } from '../core/logger.js';
import type { LogLevel } from './config.js';

type Pino = typeof PinoModule.pino;
type Method = Exclude<keyof Logger, 'child'>;

/** pino's numeric levels (pino lib/constants.js); `silent` writes nothing. */
const LEVELS: Readonly<Record<Method, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
};
const METHODS = Object.keys(LEVELS) as Method[];
const noop: LogFn = () => {};

/** Options of {@link lazyPino}. */
export interface LazyPinoOptions {
  readonly level: LogLevel;
  /** Where the JSON lines go (the agent's stderr). */
  readonly destination: DestinationStream;
  /** Bindings of the root logger (pino's `base`). */
  readonly base: Record<string, unknown>;
}

/**
 * A pino logger (ISO timestamps, `base` bindings, at `level`, writing to `destination`) that loads
 * pino synchronously on its first enabled call.
 */
export function lazyPino(opts: LazyPinoOptions): Logger {
  const threshold = opts.level === 'silent' ? Infinity : LEVELS[opts.level];
  let root: Logger | undefined;
  const makeRoot = (): Logger => {
    // pino is CommonJS: require() loads it synchronously, inside the log call that needs it.
    const pino = createRequire(import.meta.url)('pino') as Pino;
    return pino(
      { level: opts.level, base: opts.base, timestamp: pino.stdTimeFunctions.isoTime },
      opts.destination,
    ) as unknown as Logger;
  };

  const make = (real: () => Logger): Logger => {
    let resolved: Logger | undefined;
    const get = (): Logger => (resolved ??= real());
    const logger = {
      child: (bindings: Record<string, unknown>) => make(() => get().child(bindings)),
    } as Logger;
    for (const m of METHODS) {
      logger[m] =
        LEVELS[m] < threshold
          ? noop
          : (...args: unknown[]): void => {
              const r = get();
              (r[m] as (...a: unknown[]) => void).apply(r, args);
            };
    }
    return logger;
  };

  return make(() => (root ??= makeRoot()));
}
