/**
 * Injected observability. The core logs at debug/trace only and never requires a logger:
 * the default is a no-op. The shape is pino's, so a pino logger can be passed directly.
 */
export interface LogFn {
  (obj: object, msg?: string): void;
  (msg: string): void;
}

/** A pino-compatible logger. */
export interface Logger {
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}

const noop: LogFn = () => {};

/** A logger that discards everything. */
export const noopLogger: Logger = Object.freeze({
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  fatal: noop,
  child: () => noopLogger,
});

/**
 * Metrics sink. Names mirror memberlist's (`memberlist_msg_alive`, `memberlist_gossip`, …) so
 * dashboards carry over; the agent binds this to prom-client, the core only calls it.
 */
export interface Metrics {
  /** Add `value` (default 1) to a counter. */
  incr(name: string, value?: number, labels?: Record<string, string>): void;
  /** Record one observation (a duration in ms, a size in bytes) in a histogram/summary. */
  observe(name: string, value: number, labels?: Record<string, string>): void;
  /** Set a gauge. */
  gauge(name: string, value: number, labels?: Record<string, string>): void;
}

/** A metrics sink that discards everything. */
export const noopMetrics: Metrics = Object.freeze({ incr: () => {}, observe: () => {}, gauge: () => {} });
