/**
 * The UDP half of the real transport (memberlist: net_transport.go): one datagram socket bound to
 * the node's IP:port. Every datagram is handed up as bytes with its source; every failure becomes
 * a {@link TransportError} passed to `onError` and never escapes a socket callback.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { Address } from '../core/io.js';
import { ipFamily } from '../core/host-port.js';
import { toSocketFamily, unmapIPv4 } from './address.js';
import { TransportError, bindFailureReason, errorMessage } from './errors.js';

/**
 * memberlist asks the kernel for a 2 MiB receive buffer and halves the request until it is
 * accepted (net_transport.go `setUDPRecvBuf`), so bursts of gossip are not dropped by the kernel.
 */
export const UDP_RECV_BUFFER_BYTES = 2 * 1024 * 1024;

/** The smallest receive buffer we settle for: one maximal datagram (memberlist's 65 536-byte read buffer). */
export const UDP_MIN_RECV_BUFFER_BYTES = 65_536;

/** What the UDP endpoint reports to its owner. */
export interface UdpHandlers {
  /** One datagram arrived. `bytes` is owned by the callee. */
  onPacket(from: Address, bytes: Uint8Array): void;
  /** A send or receive failed; the socket keeps running. */
  onError(err: TransportError): void;
}

/** Options of {@link UdpEndpoint.open}. */
export interface UdpOptions {
  /** Literal IPv4 or IPv6 address to bind (`0.0.0.0`, `::`, `127.0.0.1`, `::1`). */
  readonly ip: string;
  /** Port to bind; 0 picks a free one (see {@link UdpEndpoint.address}). */
  readonly port: number;
  /** Requested kernel receive buffer; default {@link UDP_RECV_BUFFER_BYTES}. */
  readonly recvBufferBytes?: number;
}

/** One bound UDP socket. */
export class UdpEndpoint {
  readonly #socket: Socket;
  readonly #family: 4 | 6;
  readonly #handlers: UdpHandlers;
  readonly #address: Address;
  #closed = false;

  private constructor(socket: Socket, family: 4 | 6, handlers: UdpHandlers, address: Address) {
    this.#socket = socket;
    this.#family = family;
    this.#handlers = handlers;
    this.#address = address;
  }

  /**
   * Binds a UDP socket. Rejects with a {@link TransportError} (op `bind`, e.g. `syscallCode`
   * `EADDRINUSE`) if the address cannot be bound; then nothing is left open.
   */
  static open(opts: UdpOptions, handlers: UdpHandlers): Promise<UdpEndpoint> {
    const family = ipFamily(opts.ip);
    if (family === 0) return Promise.reject(new TransportError('bind', `not an IP address: ${opts.ip}`));
    // A `::` socket is dual-stack, as Go's "udp" listener on an unspecified IPv6 address is:
    // IPv4 peers then show up as `::ffff:a.b.c.d`, which we fold back to plain IPv4.
    const socket = createSocket({ type: family === 4 ? 'udp4' : 'udp6' });
    return new Promise((resolve, reject) => {
      const onBindError = (err: Error): void => {
        socket.close();
        reject(
          new TransportError('bind', `cannot bind UDP ${opts.ip}:${opts.port}: ${bindFailureReason(err)}`, {
            cause: err,
          }),
        );
      };
      socket.once('error', onBindError);
      socket.bind({ address: opts.ip, port: opts.port, exclusive: true }, () => {
        socket.off('error', onBindError);
        setRecvBuffer(socket, opts.recvBufferBytes ?? UDP_RECV_BUFFER_BYTES);
        const bound = socket.address();
        const ep = new UdpEndpoint(socket, family, handlers, {
          ip: unmapIPv4(bound.address),
          port: bound.port,
        });
        socket.on('message', (msg, rinfo) => {
          // Buffer → plain Uint8Array view; dgram gives each message its own buffer.
          const bytes = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
          ep.#handlers.onPacket({ ip: unmapIPv4(rinfo.address), port: rinfo.port }, bytes);
        });
        socket.on('error', (err) => {
          handlers.onError(new TransportError('receive', `UDP socket error: ${err.message}`, { cause: err }));
        });
        resolve(ep);
      });
    });
  }

  /** The bound address (the real port when 0 was asked for). */
  get address(): Address {
    return this.#address;
  }

  /** The socket's IP family. */
  get family(): 4 | 6 {
    return this.#family;
  }

  /**
   * Sends one datagram. Never throws: an address of the wrong family, an unreachable network or a
   * closed socket is reported through `onError` (op `send`).
   */
  send(to: Address, bytes: Uint8Array): void {
    if (this.#closed) return;
    const fam = ipFamily(to.ip);
    if (fam === 0 || (fam === 6 && this.#family === 4)) {
      this.#handlers.onError(
        new TransportError('send', `cannot send to ${to.ip}:${to.port} from an IPv${this.#family} socket`),
      );
      return;
    }
    try {
      this.#socket.send(bytes, to.port, toSocketFamily(to.ip, this.#family), (err) => {
        if (err && !this.#closed) {
          this.#handlers.onError(
            new TransportError('send', `UDP send to ${to.ip}:${to.port} failed: ${err.message}`, {
              cause: err,
            }),
          );
        }
      });
    } catch (err) {
      this.#handlers.onError(
        new TransportError('send', `UDP send to ${to.ip}:${to.port} failed: ${errorMessage(err)}`, {
          cause: err,
        }),
      );
    }
  }

  /** Closes the socket; idempotent. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    return new Promise((resolve) => {
      try {
        this.#socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}

/** Asks for `bytes` of receive buffer, halving on refusal down to one maximal datagram. */
function setRecvBuffer(socket: Socket, bytes: number): void {
  for (let size = bytes; size >= UDP_MIN_RECV_BUFFER_BYTES; size = Math.floor(size / 2)) {
    try {
      socket.setRecvBufferSize(size);
      return;
    } catch {
      // refused: try half (memberlist net_transport.go setUDPRecvBuf)
    }
  }
}
