/**
 * Everything the core emits goes through here (memberlist net.go sendMsg / rawSendMsgPacket,
 * broadcast.go getBroadcasts): packets padded with queued broadcasts up to the UDP budget, sealed
 * by wire (compress-if-smaller, CRC for known members speaking protocol ≥ 5, encryption), and TCP
 * streams with the bookkeeping that routes their replies back.
 */
import type { Address, Output } from '../core/io.js';
import type { SwimDelegate } from './api.js';
import type { SwimConfig } from './config.js';
import type { TransmitLimitedQueue } from './broadcast-queue.js';
import type { Membership } from './membership.js';
import type { Logger, Metrics } from '../core/logger.js';
import type { Random } from '../core/random.js';
import type { Message } from '../wire/messages.js';
import type { Writer } from '../wire/msgpack.js';
import { encodeMessage, encodeStreamMessage } from '../wire/memberlist-codec.js';
import { sealPacket } from '../wire/packet.js';
import { sealStream } from '../wire/stream.js';
import {
  COMPOUND_HEADER_OVERHEAD,
  COMPOUND_PART_OVERHEAD,
  CRC_HEADER_BYTES,
  ENCRYPTION_OVERHEAD,
  MAX_COMPOUND_PARTS_SENT,
} from '../wire/limits.js';

/** What a stream we opened is for, so that its reply reaches the right handler. */
export type PendingStream =
  | { readonly kind: 'join'; readonly requestId: number; readonly seed: Address }
  | { readonly kind: 'push-pull' }
  | { readonly kind: 'fallback'; readonly seqNo: number };

/** Counters a driver or test may read (also reported through `Metrics`). */
export interface SwimCounters {
  packetsIn: number;
  packetsOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Packets or parts dropped because they could not be decoded. */
  decodeErrors: number;
}

/** Everything the sender shares with the rest of the core. */
export interface SenderDeps {
  readonly config: SwimConfig;
  readonly queue: TransmitLimitedQueue;
  readonly delegate: SwimDelegate | undefined;
  readonly membership: Membership;
  readonly random: Random;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly counters: SwimCounters;
  readonly writer: Writer;
}

/** See the module comment. */
export class Sender {
  private readonly d: SenderDeps;
  private outputs: Output[] = [];
  private readonly streams = new Map<number, PendingStream>();
  private nextStreamId = 0;

  constructor(deps: SenderDeps) {
    this.d = deps;
  }

  /** Take all pending outputs, in emission order. */
  drain(): Output[] {
    const out = this.outputs;
    if (out.length === 0) return out;
    this.outputs = [];
    return out;
  }

  /** Bytes available for a gossip packet's messages, each costing its length + 2. */
  gossipBudget(crc: boolean): number {
    const c = this.d.config;
    return (
      c.udpBufferBytes -
      COMPOUND_HEADER_OVERHEAD -
      (c.keyring !== null ? ENCRYPTION_OVERHEAD : 0) -
      (crc ? CRC_HEADER_BYTES : 0)
    );
  }

  /**
   * Queued broadcasts for one packet (broadcast.go getBroadcasts): ours first, then the
   * delegate's, each with the `08` user-message prefix. Each message costs its length + `overhead`.
   */
  getBroadcasts(overhead: number, limit: number): Uint8Array[] {
    const out = this.d.queue.getBroadcasts(overhead, limit);
    const del = this.d.delegate;
    if (del === undefined) return out;
    let used = 0;
    for (const msg of out) used += msg.length + overhead;
    let avail = limit - used;
    if (avail <= overhead + 1) return out;
    for (const body of del.getBroadcasts(overhead + 1, avail)) {
      // The delegate promised to respect the limit; a message that does not fit is dropped
      // rather than sending a packet over budget.
      const cost = body.length + 1 + overhead;
      if (cost > avail) {
        this.d.metrics.incr('memberlist_delegate_broadcast_oversize');
        continue;
      }
      avail -= cost;
      out.push(userMessage(body));
    }
    return out;
  }

  /** net.go sendMsg: one message to an address, padded with queued broadcasts. No CRC. */
  sendMsg(to: Address, msg: Uint8Array): void {
    const c = this.d.config;
    // memberlist leaves out the main message's own 2-byte part length; we count it so that a
    // compound never exceeds udpBufferBytes.
    const avail =
      c.udpBufferBytes -
      msg.length -
      COMPOUND_HEADER_OVERHEAD -
      COMPOUND_PART_OVERHEAD -
      (c.keyring !== null ? ENCRYPTION_OVERHEAD : 0);
    const extra = this.getBroadcasts(COMPOUND_PART_OVERHEAD, avail);
    if (extra.length === 0) this.emitPacket(to, [msg], false);
    else this.emitPacket(to, [msg, ...extra], false);
  }

  /** A packet to a known member, CRC-wrapped if it speaks protocol ≥ 5 (net.go rawSendMsgPacket). */
  sendToMember(id: number, parts: Uint8Array[]): void {
    this.emitPacket(this.d.membership.addressOf(id), parts, this.crcFor(id));
  }

  /** Will packets to member `id` carry the CRC wrapper? */
  crcFor(id: number): boolean {
    return this.d.config.crc && this.d.membership.table.vsnAt(id, 1) >= 5;
  }

  /** A memberlist user message (`08` + body) to an address, as is (memberlist SendToAddress). */
  sendUser(to: Address, body: Uint8Array): void {
    this.emitPacket(to, [userMessage(body)], false);
  }

  /** Several memberlist user messages to an address in one compound packet, as is. */
  sendUsers(to: Address, bodies: readonly Uint8Array[]): void {
    this.emitPacket(to, bodies.map(userMessage), false);
  }

  /**
   * Seal and emit; more than 127 parts (which v0.2.2 receivers mishandle) go in several packets.
   * A packet that cannot be sealed is dropped, counted and logged, never thrown: the caller is in
   * the middle of a step (a probe, a gossip round) whose timers must stay armed (issue 11: one
   * unencodable ping used to switch probing off for good).
   */
  emitPacket(to: Address, parts: Uint8Array[], crc: boolean): void {
    const d = this.d;
    const opts = { compress: d.config.compression, crc, keyring: d.config.keyring };
    for (let i = 0; i < parts.length; i += MAX_COMPOUND_PARTS_SENT) {
      const chunk =
        parts.length <= MAX_COMPOUND_PARTS_SENT ? parts : parts.slice(i, i + MAX_COMPOUND_PARTS_SENT);
      let bytes: Uint8Array;
      try {
        bytes = sealPacket(chunk, opts, d.random);
      } catch (e) {
        this.dropped('packet', e);
        continue;
      }
      d.counters.packetsOut++;
      d.counters.bytesOut += bytes.length;
      this.outputs.push({ kind: 'packet', to, bytes });
    }
  }

  /**
   * A stream message sealed as configured (compressed always when on, encrypted with a keyring),
   * or undefined when it cannot be encoded (dropped, counted and logged, like a packet).
   */
  sealStreamMessage(msg: Message): Uint8Array | undefined {
    let encoded: Uint8Array;
    try {
      encoded = encodeStreamMessage(msg, this.d.writer);
    } catch (e) {
      this.dropped('stream', e);
      return undefined;
    }
    return this.sealStreamBytes(encoded);
  }

  /** Already encoded stream bytes, sealed as configured, or undefined (dropped) if that fails. */
  sealStreamBytes(encoded: Uint8Array): Uint8Array | undefined {
    const c = this.d.config;
    try {
      return sealStream(encoded, { compress: c.compression, keyring: c.keyring }, this.d.random);
    } catch (e) {
      this.dropped('stream', e);
      return undefined;
    }
  }

  /** An output that could not be encoded: counted and logged (debug: the core never logs louder). */
  dropped(what: 'packet' | 'stream', e: unknown): void {
    this.d.metrics.incr('gossip_peer_send_encode_failed');
    this.d.logger.debug(
      { err: e instanceof Error ? e.message : String(e), what },
      'an output could not be encoded; dropped',
    );
  }

  /** Emit a stream output expecting one reply; returns its id. */
  openStream(to: Address, bytes: Uint8Array, deadline: number, pending: PendingStream): number {
    const id = ++this.nextStreamId;
    this.streams.set(id, pending);
    this.d.metrics.incr('memberlist_tcp_connect');
    this.outputs.push({ kind: 'stream', id, to, bytes, deadline, expectReply: true });
    return id;
  }

  /** Emit a one-way stream output (write, close, no reply expected). */
  sendOneWay(to: Address, bytes: Uint8Array, deadline: number): void {
    const id = ++this.nextStreamId;
    this.d.metrics.incr('memberlist_tcp_connect');
    this.outputs.push({ kind: 'stream', id, to, bytes, deadline, expectReply: false });
  }

  /** What stream `id` was for (and forget it), or undefined if unknown or abandoned. */
  takeStream(id: number): PendingStream | undefined {
    const s = this.streams.get(id);
    if (s !== undefined) this.streams.delete(id);
    return s;
  }

  /** Ignore the reply of stream `id` when it comes. */
  abandonStream(id: number): void {
    this.streams.delete(id);
  }

  /** The streams awaiting a reply (for invariant checks). */
  pendingStreams(): IterableIterator<[number, PendingStream]> {
    return this.streams.entries();
  }
}

/** `08` + body: a memberlist user message (Serf's carrier). */
function userMessage(body: Uint8Array): Uint8Array {
  return encodeMessage({ type: 'user', body });
}
