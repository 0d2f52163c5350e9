/**
 * The runtime driver: binds any sans-I/O {@link ProtocolCore} to a {@link Transport} and one
 * `setTimeout` re-armed to the core's `nextDeadline()` (quinn's proto/socket split, foca's
 * runtime). After every input it drains the core's outputs to the sockets and its events to a
 * callback, so the core never sees a socket, a timer or a clock.
 *
 * No module-level state: each driver owns its core, transport and timer, so two nodes in one
 * process never share anything.
 */
import type { Address, Output, ProtocolCore, StreamFailure } from '../core/io.js';
import { formatAddress } from '../core/io.js';
import { noopLogger, type Logger } from '../core/logger.js';
import type { Clock } from '../transport/clock.js';
import type { TransportError } from '../transport/errors.js';
import type { Transport, TransportHandlers } from '../transport/net.js';

/** setTimeout's largest delay (2^31 − 1 ms); longer waits are re-armed on wake-up. */
const MAX_TIMER_MS = 2_147_483_647;

/** Options of {@link Driver}. */
export interface DriverOptions<E> {
  /** The protocol state machine (`Swim`, `Serf`, …). */
  readonly core: ProtocolCore<E>;
  /** Monotonic integer ms fed to the core as `now`. */
  readonly clock: Clock;
  /** Receives every core event, in emission order, after the outputs of the same step were sent. */
  readonly onEvent: (event: E) => void;
  /** Receives socket problems (already typed); default: logged at debug. */
  readonly onTransportError?: (err: TransportError) => void;
  /** Where internal failures are logged. */
  readonly logger?: Logger;
}

/** Drives one core over one transport. */
export class Driver<E> {
  readonly #core: ProtocolCore<E>;
  readonly #clock: Clock;
  readonly #onEvent: (event: E) => void;
  readonly #onTransportError: (err: TransportError) => void;
  readonly #log: Logger;
  #transport: Transport | undefined;
  #timer: NodeJS.Timeout | undefined;
  #armedFor: number | undefined;
  #flushing = false;
  #stopped = false;
  readonly #pendingStreams = new Set<Promise<void>>();

  constructor(opts: DriverOptions<E>) {
    this.#core = opts.core;
    this.#clock = opts.clock;
    this.#onEvent = opts.onEvent;
    this.#log = opts.logger ?? noopLogger;
    this.#onTransportError =
      opts.onTransportError ?? ((err) => this.#log.debug({ err, op: err.op }, 'transport error'));
  }

  /**
   * Handlers to pass to the transport when opening it. They may be called before {@link start};
   * outputs produced then are sent once the transport is attached.
   */
  get handlers(): TransportHandlers {
    return {
      onPacket: (from, bytes) =>
        this.#input('packet', from, (now) => this.#core.handlePacket(now, from, bytes)),
      onStream: (from, request) =>
        this.#input('stream', from, (now) => this.#core.handleStream(now, from, request)) ?? null,
      onError: (err) => {
        if (!this.#stopped) this.#onTransportError(err);
      },
    };
  }

  /** Attaches the opened transport and sends whatever the core has queued. */
  start(transport: Transport): void {
    this.#transport = transport;
    this.#flush();
  }

  /** The core's clock reading. */
  now(): number {
    return this.#clock.now();
  }

  /** Whether {@link stop} was called. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /**
   * Runs a command on the core at the current time, then sends its outputs, delivers its events
   * and re-arms the timer. Exceptions from the core (caller misuse such as `TooLargeError`)
   * propagate to the caller; outputs queued before the throw are still flushed.
   */
  run<T>(command: (now: number) => T): T {
    try {
      return command(this.#clock.now());
    } finally {
      this.#flush();
    }
  }

  /** Stops the timer and ignores every later input; in-flight stream replies are dropped. Idempotent. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedFor = undefined;
  }

  /** Resolves once every outbound stream started so far has settled (for an orderly close). */
  async settled(): Promise<void> {
    while (this.#pendingStreams.size > 0) await Promise.all([...this.#pendingStreams]);
  }

  /** An input from the network: never throws into a socket callback. */
  #input<T>(what: string, from: Address, fn: (now: number) => T): T | undefined {
    if (this.#stopped) return undefined;
    try {
      return this.run(fn);
    } catch (err) {
      // A throw here is a core bug (bad bytes must be dropped by the core): log it, keep serving.
      this.#log.error({ err, from: formatAddress(from) }, `protocol core failed on an inbound ${what}`);
      return undefined;
    }
  }

  #flush(): void {
    if (this.#flushing || this.#transport === undefined) return;
    this.#flushing = true;
    try {
      for (let guard = 0; guard < 10_000; guard++) {
        if (this.#stopped) return;
        const outputs = this.#core.drainOutputs();
        for (const out of outputs) this.#send(out);
        const events = this.#core.drainEvents();
        for (const ev of events) {
          try {
            this.#onEvent(ev);
          } catch (err) {
            this.#log.error({ err }, 'event listener threw');
          }
        }
        if (outputs.length === 0 && events.length === 0) break;
      }
    } finally {
      this.#flushing = false;
    }
    this.#arm();
  }

  #send(out: Output): void {
    const transport = this.#transport;
    if (transport === undefined) return;
    if (out.kind === 'packet') {
      transport.send(out.to, out.bytes);
      return;
    }
    const { id, expectReply } = out;
    const now = this.#clock.now();
    const p = transport
      .dial({
        to: out.to,
        bytes: out.bytes,
        timeoutMs: out.deadline - now,
        ...(out.connectDeadline !== undefined ? { connectTimeoutMs: out.connectDeadline - now } : {}),
        expectReply,
      })
      .then((reply) => {
        if (!expectReply || reply === null) return;
        this.#input('stream reply', out.to, (now) => this.#core.handleStreamReply(now, id, reply));
      })
      .catch((err: unknown) => {
        // dial never rejects by contract; keep the core's bookkeeping whole if it ever does.
        const failure: StreamFailure = {
          kind: 'error',
          message: err instanceof Error ? err.message : String(err),
        };
        if (expectReply)
          this.#input('stream reply', out.to, (now) => this.#core.handleStreamReply(now, id, failure));
      })
      .finally(() => this.#pendingStreams.delete(p));
    this.#pendingStreams.add(p);
  }

  #arm(): void {
    if (this.#stopped) return;
    const deadline = this.#core.nextDeadline();
    if (deadline === this.#armedFor && this.#timer !== undefined) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedFor = deadline;
    if (deadline === undefined) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, deadline - this.#clock.now()));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#armedFor = undefined;
      if (this.#stopped) return;
      try {
        this.run((now) => {
          // A timer this late means the event loop was blocked (or the process starved) meanwhile:
          // tell the core, which then restarts rather than fires the timeouts that ran out.
          if (now > deadline) this.#core.notifyStall?.(now, now - deadline);
          this.#core.tick(now);
        });
      } catch (err) {
        this.#log.error({ err }, 'protocol core failed on tick');
        this.#arm();
      }
    }, delay);
  }
}
