/**
 * A tiny protocol core for testing the simulator's network and driver (the network is the unit
 * under test, so this core is deliberately trivial — it is not a membership protocol).
 *
 * - A datagram whose first byte is 1 ("ping") is answered with the same bytes, first byte 2.
 * - Every datagram received is logged and reported as an event `recv <from-ip> <first byte> <len>`.
 * - A stream request is answered with its bytes reversed, or closed without a reply if it starts with 0.
 * - Stream outcomes are reported as `reply <id> <len>` / `fail <id> <kind>`.
 * - `join` sends one datagram (first byte 4) to each seed; `leave` reports an event.
 * - With `periodMs`, every period it sends one ping to each address in `peers` (a deadline-driven
 *   sender, to exercise ticks, pause and resume).
 */
import type { Address, Output, ProtocolCore, StreamFailure } from '../../src/core/io.js';
import { formatAddress } from '../../src/core/io.js';

/** One received datagram. */
export interface Received {
  readonly now: number;
  readonly from: string;
  readonly bytes: Uint8Array;
}

/** Options of an {@link EchoCore}. */
export interface EchoOptions {
  readonly periodMs?: number;
  readonly peers?: readonly Address[];
  readonly startMs?: number;
}

/** See the module comment. */
export class EchoCore implements ProtocolCore<string> {
  readonly received: Received[] = [];
  readonly ticks: number[] = [];
  private outputs: Output[] = [];
  private events: string[] = [];
  private next: number | undefined;
  private streamId = 0;
  private pingSeq = 0;

  constructor(private readonly opts: EchoOptions = {}) {
    if (opts.periodMs !== undefined) this.next = (opts.startMs ?? 0) + opts.periodMs;
  }

  /** "Join": one datagram (first byte 4) to each seed; returns the number of seeds. */
  join(_now: number, seeds: readonly Address[]): number {
    for (const s of seeds) this.outputs.push({ kind: 'packet', to: s, bytes: Uint8Array.of(4) });
    return seeds.length;
  }

  /** "Leave": reported as an event. */
  leave(_now: number, timeoutMs: number): void {
    this.events.push(`leave ${timeoutMs}`);
  }

  /** Queue one datagram to `to`. */
  send(to: Address, bytes: Uint8Array): void {
    this.outputs.push({ kind: 'packet', to, bytes });
  }

  /** Queue one stream to `to` (handshake bounded by `connectDeadline` when given); returns its id. */
  openStream(
    to: Address,
    bytes: Uint8Array,
    deadline: number,
    expectReply = true,
    connectDeadline?: number,
  ): number {
    const id = ++this.streamId;
    this.outputs.push({
      kind: 'stream',
      id,
      to,
      bytes,
      deadline,
      expectReply,
      ...(connectDeadline !== undefined ? { connectDeadline } : {}),
    });
    return id;
  }

  handlePacket(now: number, from: Address, bytes: Uint8Array): void {
    this.received.push({ now, from: formatAddress(from), bytes });
    this.events.push(`recv ${from.ip} ${bytes[0]} ${bytes.length}`);
    if (bytes[0] === 1) {
      const pong = Uint8Array.from(bytes);
      pong[0] = 2;
      this.outputs.push({ kind: 'packet', to: from, bytes: pong });
    }
  }

  handleStream(_now: number, _from: Address, request: Uint8Array): Uint8Array | null {
    this.events.push(`stream ${request.length}`);
    if (request[0] === 0) return null;
    return Uint8Array.from(request).reverse();
  }

  handleStreamReply(_now: number, id: number, reply: Uint8Array | StreamFailure): void {
    if (reply instanceof Uint8Array) this.events.push(`reply ${id} ${reply.length}`);
    else this.events.push(`fail ${id} ${reply.kind}`);
  }

  tick(now: number): void {
    this.ticks.push(now);
    const period = this.opts.periodMs;
    if (this.next === undefined || period === undefined || now < this.next) return;
    for (const p of this.opts.peers ?? []) {
      const b = new Uint8Array(8);
      b[0] = 3;
      new DataView(b.buffer).setUint32(4, ++this.pingSeq);
      this.outputs.push({ kind: 'packet', to: p, bytes: b });
    }
    while (this.next <= now) this.next += period;
  }

  nextDeadline(): number | undefined {
    return this.next;
  }

  drainOutputs(): Output[] {
    const o = this.outputs;
    this.outputs = [];
    return o;
  }

  drainEvents(): string[] {
    const e = this.events;
    this.events = [];
    return e;
  }
}
