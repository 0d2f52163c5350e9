/**
 * The sans-I/O contract between a protocol core (Swim, or the Serf-compatible cluster layer that
 * wraps it) and whatever drives it: the real runtime (sockets + one setTimeout) or the simulator
 * (in-memory network + virtual clock). quinn-proto / foca style:
 *
 *   - the driver feeds inputs: `handlePacket`, `handleStream`, `handleStreamReply`, `tick`, commands;
 *   - after each call it drains `drainOutputs()` (bytes to send) and `drainEvents()` (for the user);
 *   - it re-arms its single timer to `nextDeadline()`.
 *
 * `now` is always integer milliseconds from the injected clock. A core never reads a clock itself.
 * Every byte a core emits is final wire bytes (compressed / CRC-wrapped / encrypted as configured),
 * so MTU and piggyback budgets are exact and the simulator exercises the real codec.
 */

/** A UDP/TCP endpoint. `ip` is textual: `127.0.0.1`, `::1`, `10.0.0.5`. */
export interface Address {
  readonly ip: string;
  readonly port: number;
}

/**
 * Why an outbound stream produced no reply. The first three tell the kinds of silence of
 * docs/failure-detection.md apart, from what the far side's kernel did with the handshake:
 *
 * - `refused`: it answered with a reset — the host is up, nothing listens on that port;
 * - `unreachable`: nobody answered the handshake by the stream's `connectDeadline` (or its
 *   `deadline`), or the network reported the host unreachable — host down, path cut;
 * - `timeout`: the handshake completed (a kernel is there) but no complete reply came before the
 *   deadline — the process is stalled or slow.
 */
export type StreamFailure =
  | { readonly kind: 'refused' }
  | { readonly kind: 'unreachable' }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'closed' } // the peer closed without a complete reply
  | { readonly kind: 'error'; readonly message: string };

/** One thing the driver must do on the core's behalf. */
export type Output =
  /** Send one UDP datagram. */
  | { readonly kind: 'packet'; readonly to: Address; readonly bytes: Uint8Array }
  /**
   * Open a TCP connection to `to`, write `bytes`, read exactly one framed reply (see wire's
   * stream framing), close, and report it with `handleStreamReply(now, id, reply)`. If no complete
   * reply arrives by `deadline` (absolute ms, same clock as `now`), report a {@link StreamFailure}.
   * `expectReply: false` (one-way messages) → write, close, and report nothing. With
   * `connectDeadline` (absolute ms, at most `deadline`), a handshake not complete by then is given
   * up and reported `unreachable` at that time.
   */
  | {
      readonly kind: 'stream';
      readonly id: number;
      readonly to: Address;
      readonly bytes: Uint8Array;
      readonly deadline: number;
      readonly connectDeadline?: number;
      readonly expectReply: boolean;
    };

/** What every protocol core exposes to its driver. */
export interface ProtocolCore<E> {
  /** One UDP datagram arrived from `from`. Never throws for bad bytes (they are counted and dropped). */
  handlePacket(now: number, from: Address, bytes: Uint8Array): void;
  /**
   * One complete inbound TCP request arrived (framed by wire's stream framing). Returns the reply
   * bytes to write before closing, or `null` to just close.
   */
  handleStream(now: number, from: Address, request: Uint8Array): Uint8Array | null;
  /** The reply (or failure) for a `stream` output this core emitted with `id`. */
  handleStreamReply(now: number, id: number, reply: Uint8Array | StreamFailure): void;
  /** Time passed; run every deadline <= now. */
  tick(now: number): void;
  /**
   * Optional: this process was stalled (event loop blocked, GC, CPU starvation) for `ms` up to
   * `now`, as the driver measured it (its timer firing late). A core that can tell a stall from
   * silent peers uses it not to act on timeouts that ran out meanwhile (docs/failure-detection.md).
   */
  notifyStall?(now: number, ms: number): void;
  /** The earliest pending deadline (absolute ms), or `undefined` if none. */
  nextDeadline(): number | undefined;
  /** Take all pending outputs, in emission order. */
  drainOutputs(): Output[];
  /** Take all pending user-visible events, in emission order. */
  drainEvents(): E[];
}

/** `ip:port` (IPv6 in brackets), for logs and map keys. */
export function formatAddress(a: Address): string {
  return a.ip.includes(':') ? `[${a.ip}]:${a.port}` : `${a.ip}:${a.port}`;
}
