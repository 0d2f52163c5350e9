/**
 * The TCP half of the real transport (memberlist: net_transport.go, net.go `handleConn`): a
 * listener on the node's IP:port for inbound streams, and outbound streams per the `stream` output
 * of src/swim/io.ts. A connection carries one request and at most one reply, then closes.
 *
 * Plaintext memberlist streams carry no length prefix and the dialer does not half-close before
 * reading the reply (wire reference §4), so both directions read incrementally and ask an injected
 * {@link FrameLength} (wire's `streamFrameLength`) whether one complete message has arrived.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { Address, StreamFailure } from '../core/io.js';
import { ipFamily } from '../core/host-port.js';
import { unmapIPv4 } from './address.js';
import { TransportError, bindFailureReason, errorMessage } from './errors.js';
import { MAX_STREAM_BYTES as WIRE_MAX_STREAM_BYTES } from '../wire/limits.js';
import { HeaderDeadline, InboundSlots } from './inbound-slots.js';

/**
 * Finds where the one message of a connection ends (wire's `StreamFramer`). One per connection:
 * each call sees the previous buffer plus new bytes, so it keeps where it got to instead of
 * rescanning everything on every chunk.
 */
export interface Framer {
  /**
   * Length of the first complete stream message at the start of `buf`, `undefined` while more
   * bytes are needed; throws (a `DecodeError`) when the bytes can never form a message.
   */
  frameLength(buf: Uint8Array): number | undefined;
  /** Whether the message's header has arrived (an inbound connection must send it promptly). */
  readonly headerDone: boolean;
}

/** Makes the {@link Framer} of one connection (wire: `newStreamFramer`). */
export type NewFramer = () => Framer;

/** memberlist's cap on concurrent inbound push/pulls (net.go `maxPushPullRequests`). */
export const MAX_INBOUND_STREAMS = 128;

/**
 * The largest stream we buffer: wire's stream limit (memberlist's `maxPushStateBytes`, 20 MiB,
 * which memberlist applies to encrypted push/pull state only; we bound memory anyway) plus 64 KiB
 * for the framing around it.
 */
export const MAX_STREAM_BYTES = WIRE_MAX_STREAM_BYTES + 64 * 1024;

/** What the TCP endpoint reports to its owner. */
export interface TcpHandlers {
  /**
   * One complete inbound request (exactly the framed bytes). Return the reply to write before
   * closing, or `null` to just close. Must not throw.
   */
  onStream(from: Address, request: Uint8Array): Uint8Array | null | Promise<Uint8Array | null>;
  /** An inbound connection failed, was refused for load, or sent garbage; the listener keeps running. */
  onError(err: TransportError): void;
}

/** Options of {@link TcpEndpoint.open}. */
export interface TcpOptions {
  /** Literal IP to listen on. */
  readonly ip: string;
  /** Port to listen on (normally the UDP socket's, so both share one port); 0 picks one. */
  readonly port: number;
  /** A fresh framer per connection: has a complete message arrived? (wire's `StreamFramer`). */
  readonly newFramer: NewFramer;
  /** Deadline for an inbound connection to deliver its request and take its reply (memberlist TCPTimeout). */
  readonly readTimeoutMs: number;
  /**
   * Concurrent inbound connections. Default {@link MAX_INBOUND_STREAMS}. When all are taken, a
   * source holding fewer takes the slot of the largest holder's oldest one (inbound-slots.ts).
   */
  readonly maxInbound?: number;
  /** Time an inbound connection has to send its message header; default: learnt (inbound-slots.ts). */
  readonly headerTimeoutMs?: number;
  /** Largest request or reply buffered; default {@link MAX_STREAM_BYTES}. */
  readonly maxStreamBytes?: number;
}

/** Arguments of one outbound stream. */
export interface DialRequest {
  readonly to: Address;
  readonly bytes: Uint8Array;
  /** Milliseconds from now until the whole exchange (connect + write + reply) must be done. */
  readonly timeoutMs: number;
  /**
   * Milliseconds from now until the handshake must be complete (at most `timeoutMs`); past it the
   * dial gives up and resolves `unreachable`. Default: `timeoutMs`.
   */
  readonly connectTimeoutMs?: number;
  /** `false`: write, close, and resolve `null` (memberlist one-way user messages). */
  readonly expectReply: boolean;
}

/** A TCP listener plus the outbound dialer that goes with it. */
export class TcpEndpoint {
  readonly #server: Server;
  readonly #opts: TcpOptions;
  readonly #handlers: TcpHandlers;
  readonly #address: Address;
  readonly #sockets = new Set<Socket>();
  readonly #slots: InboundSlots;
  readonly #headerDeadline = new HeaderDeadline();
  #closed = false;

  private constructor(server: Server, opts: TcpOptions, handlers: TcpHandlers, address: Address) {
    this.#server = server;
    this.#opts = opts;
    this.#handlers = handlers;
    this.#address = address;
    this.#slots = new InboundSlots(opts.maxInbound ?? MAX_INBOUND_STREAMS);
  }

  /**
   * Starts listening. Rejects with a {@link TransportError} (op `bind`, `syscallCode` e.g.
   * `EADDRINUSE`) if the address cannot be taken; nothing is left open then.
   */
  static open(opts: TcpOptions, handlers: TcpHandlers): Promise<TcpEndpoint> {
    if (ipFamily(opts.ip) === 0)
      return Promise.reject(new TransportError('bind', `not an IP address: ${opts.ip}`));
    // allowHalfOpen: a peer that half-closes after its request still gets its reply.
    const server = createServer({ allowHalfOpen: true });
    return new Promise((resolve, reject) => {
      const onListenError = (err: Error): void => {
        server.close();
        reject(
          new TransportError(
            'bind',
            `cannot listen on TCP ${opts.ip}:${opts.port}: ${bindFailureReason(err)}`,
            {
              cause: err,
            },
          ),
        );
      };
      server.once('error', onListenError);
      server.listen({ host: opts.ip, port: opts.port, exclusive: true }, () => {
        server.off('error', onListenError);
        const a = server.address();
        const port = a !== null && typeof a === 'object' ? a.port : opts.port;
        const ep = new TcpEndpoint(server, opts, handlers, { ip: opts.ip, port });
        server.on('connection', (socket) => ep.#accept(socket));
        server.on('error', (err) => {
          handlers.onError(
            new TransportError('accept', `TCP listener error: ${err.message}`, { cause: err }),
          );
        });
        resolve(ep);
      });
    });
  }

  /** The listening address (the real port when 0 was asked for). */
  get address(): Address {
    return this.#address;
  }

  /** Inbound connections being served right now. */
  get inboundCount(): number {
    return this.#slots.count;
  }

  #accept(socket: Socket): void {
    const from: Address = { ip: unmapIPv4(socket.remoteAddress ?? ''), port: socket.remotePort ?? 0 };
    socket.on('error', () => {
      // A reset or broken pipe from the peer: nothing to do but let 'close' clean up.
    });
    if (this.#closed) {
      socket.destroy();
      return;
    }
    const admitted = this.#slots.admit(from.ip, performance.now(), () => {
      socket.destroy();
      this.#handlers.onError(
        new TransportError(
          'accept',
          `inbound streams full (${this.#slots.max}); closed the oldest of ${from.ip}:${from.port}'s ` +
            'to make room for a source holding fewer',
        ),
      );
    });
    if (admitted === undefined) {
      // memberlist net.go: "Too many pending push/pull requests" → close without reading.
      socket.destroy();
      this.#handlers.onError(
        new TransportError(
          'accept',
          `too many inbound streams (${this.#slots.max}); closed one from ${from.ip}:${from.port}`,
        ),
      );
      return;
    }
    const slot = admitted.slot;
    this.#sockets.add(socket);
    const limit = this.#opts.maxStreamBytes ?? MAX_STREAM_BYTES;
    const buf = new ByteBuffer();
    const framer = this.#opts.newFramer();
    let done = false;
    const timer = setTimeout(() => {
      socket.destroy();
      if (!done) {
        this.#handlers.onError(
          new TransportError(
            'receive',
            `inbound stream from ${from.ip}:${from.port} timed out after ${this.#opts.readTimeoutMs} ms`,
          ),
        );
      }
    }, this.#opts.readTimeoutMs);
    const headerMs = this.#opts.headerTimeoutMs ?? this.#headerDeadline.ms;
    // Decided after the I/O of the turn the timer fires in (setImmediate): a busy listener whose
    // timer is late may have the header sitting unread, and must not blame the peer for it.
    let headerTimer: NodeJS.Timeout | undefined = setTimeout(() => {
      setImmediate(() => {
        if (!done && !framer.headerDone) fail(`no message header within ${Math.round(headerMs)} ms`);
      });
    }, headerMs);
    socket.on('close', () => {
      clearTimeout(timer);
      clearTimeout(headerTimer);
      this.#sockets.delete(socket);
      this.#slots.release(slot);
    });
    const fail = (message: string, cause?: unknown): void => {
      done = true;
      socket.destroy();
      this.#handlers.onError(
        new TransportError('receive', `inbound stream from ${from.ip}:${from.port}: ${message}`, { cause }),
      );
    };
    socket.on('data', (chunk: Buffer) => {
      if (done) return;
      buf.append(chunk);
      let n: number | undefined;
      try {
        n = framer.frameLength(buf.view());
      } catch (err) {
        fail(`unreadable request: ${errorMessage(err)}`, err);
        return;
      }
      if (headerTimer !== undefined && framer.headerDone) {
        clearTimeout(headerTimer);
        headerTimer = undefined;
        this.#headerDeadline.observe(performance.now() - slot.acceptedMs);
      }
      if (n === undefined) {
        if (buf.length > limit) fail(`request larger than ${limit} bytes`);
        return;
      }
      done = true;
      slot.replying = true;
      socket.pause();
      const request = buf.view().slice(0, n);
      void this.#reply(socket, from, request);
    });
    socket.on('end', () => {
      if (!done) fail('closed before a complete request');
    });
  }

  async #reply(socket: Socket, from: Address, request: Uint8Array): Promise<void> {
    let reply: Uint8Array | null;
    try {
      reply = await this.#handlers.onStream(from, request);
    } catch (err) {
      // Handlers must not throw; if one does, the connection is closed and the error reported.
      reply = null;
      this.#handlers.onError(
        new TransportError('receive', `stream handler failed: ${errorMessage(err)}`, { cause: err }),
      );
    }
    if (socket.destroyed) return;
    if (reply === null) socket.end();
    else socket.end(reply);
  }

  /**
   * Opens one outbound stream: connect, write, read one framed reply, close. Resolves (never
   * rejects) with the reply bytes, `null` for `expectReply: false`, or a {@link StreamFailure}:
   * `refused` (the far kernel reset the handshake: nothing listens there), `unreachable` (no
   * handshake by the connect deadline, or the network said the host cannot be reached),
   * `timeout` (connected, but the deadline passed before a complete reply), `closed` (the peer
   * closed before a complete reply), `error` (garbage or another socket error once connected).
   */
  dial(req: DialRequest): Promise<Uint8Array | StreamFailure | null> {
    if (this.#closed) return Promise.resolve({ kind: 'error', message: 'transport closed' });
    if (ipFamily(req.to.ip) === 0) return Promise.resolve({ kind: 'unreachable' });
    const limit = this.#opts.maxStreamBytes ?? MAX_STREAM_BYTES;
    return new Promise((resolve) => {
      let settled = false;
      let connected = false;
      const buf = new ByteBuffer();
      const framer = this.#opts.newFramer();
      // Dial from the address we listen on (when it is a specific one of the same family), so a
      // peer, a firewall rule or a test's fault injection sees our streams come from our node's
      // address, as our datagrams do. memberlist leaves the choice to the kernel (on loopback
      // that is 127.0.0.1 whatever the node's address).
      const local = this.#address.ip;
      const bindLocal = local !== '0.0.0.0' && local !== '::' && ipFamily(local) === ipFamily(req.to.ip);
      const socket = connect({
        host: req.to.ip,
        port: req.to.port,
        ...(bindLocal ? { localAddress: local } : {}),
      });
      this.#sockets.add(socket);
      // A timer runs before the I/O of the same event-loop turn: if this process was busy, the
      // handshake or the reply may be sitting unread when it fires. Decide after that I/O
      // (setImmediate runs after the poll phase), so that a slow observer does not report a
      // silent peer it merely had no time to hear.
      const expire = (): void => {
        setImmediate(() => finish(connected ? { kind: 'timeout' } : { kind: 'unreachable' }));
      };
      const timer = setTimeout(expire, Math.max(0, req.timeoutMs));
      const connectMs = req.connectTimeoutMs;
      let connectTimer =
        connectMs !== undefined && connectMs < req.timeoutMs
          ? setTimeout(
              () => {
                setImmediate(() => {
                  if (!connected) finish({ kind: 'unreachable' });
                });
              },
              Math.max(0, connectMs),
            )
          : undefined;
      const finish = (result: Uint8Array | StreamFailure | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearTimeout(connectTimer);
        socket.destroy();
        resolve(result);
      };
      socket.on('close', () => {
        this.#sockets.delete(socket);
        finish(connected ? { kind: 'closed' } : { kind: 'unreachable' });
      });
      socket.on('error', (err: NodeJS.ErrnoException) => {
        // A reset of the handshake is the far kernel saying nothing listens there; any other
        // failure to connect (EHOSTUNREACH, ENETUNREACH, ETIMEDOUT, …) leaves the host unheard.
        if (!connected) finish({ kind: err.code === 'ECONNREFUSED' ? 'refused' : 'unreachable' });
        else finish({ kind: 'error', message: err.message });
      });
      socket.on('connect', () => {
        connected = true;
        clearTimeout(connectTimer);
        connectTimer = undefined;
        // memberlist's dialer never half-closes before reading the reply (net.go sendAndReceiveState).
        if (req.expectReply) socket.write(req.bytes);
        else socket.end(req.bytes, () => finish(null));
      });
      socket.on('data', (chunk: Buffer) => {
        if (settled || !req.expectReply) return;
        buf.append(chunk);
        let n: number | undefined;
        try {
          n = framer.frameLength(buf.view());
        } catch (err) {
          finish({ kind: 'error', message: `unreadable reply: ${errorMessage(err)}` });
          return;
        }
        if (n !== undefined) finish(buf.view().slice(0, n));
        else if (buf.length > limit) finish({ kind: 'error', message: `reply larger than ${limit} bytes` });
      });
      socket.on('end', () => {
        if (req.expectReply) finish({ kind: 'closed' });
      });
    });
  }

  /** Stops listening and destroys every open connection; idempotent. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    for (const s of this.#sockets) s.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

/** An append-only byte buffer with doubling capacity, so a large push/pull is not copied per chunk. */
class ByteBuffer {
  #bytes = new Uint8Array(4096);
  #length = 0;

  append(chunk: Uint8Array): void {
    if (this.#length + chunk.length > this.#bytes.length) {
      let cap = this.#bytes.length * 2;
      while (cap < this.#length + chunk.length) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.#bytes.subarray(0, this.#length));
      this.#bytes = next;
    }
    this.#bytes.set(chunk, this.#length);
    this.#length += chunk.length;
  }

  get length(): number {
    return this.#length;
  }

  /** A view of the bytes so far (valid until the next append). */
  view(): Uint8Array {
    return this.#bytes.subarray(0, this.#length);
  }
}
