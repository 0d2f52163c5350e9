/**
 * The real transport: one UDP socket and one TCP listener on the same IP:port (memberlist:
 * net_transport.go), behind the small {@link Transport} interface the runtime driver uses.
 */
import type { Address, StreamFailure } from '../core/io.js';
import { TcpEndpoint, type DialRequest, type NewFramer } from './tcp.js';
import { UdpEndpoint } from './udp.js';
import { TransportError } from './errors.js';

/** What a transport reports to the driver. */
export interface TransportHandlers {
  /** One datagram arrived. */
  onPacket(from: Address, bytes: Uint8Array): void;
  /** One complete inbound stream request; return the reply or `null`. Must not throw. */
  onStream(from: Address, request: Uint8Array): Uint8Array | null | Promise<Uint8Array | null>;
  /** A socket problem; the transport keeps running. */
  onError(err: TransportError): void;
}

/** The I/O surface the runtime driver needs. */
export interface Transport {
  /** The bound address (real port when 0 was asked for). */
  readonly address: Address;
  /** Sends one datagram; failures go to `onError`. */
  send(to: Address, bytes: Uint8Array): void;
  /** One outbound stream; resolves with the reply, `null` (no reply expected), or a failure. */
  dial(req: DialRequest): Promise<Uint8Array | StreamFailure | null>;
  /** Closes every socket; idempotent. */
  close(): Promise<void>;
}

/** Options of {@link openNetTransport}. */
export interface NetTransportOptions {
  /** Address to bind both sockets to; port 0 picks one free for both UDP and TCP. */
  readonly bind: Address;
  /** A fresh stream framer per connection (wire's `StreamFramer`). */
  readonly newFramer: NewFramer;
  /** memberlist TCPTimeout: inbound read deadline (outbound deadlines come from the core). */
  readonly tcpTimeoutMs: number;
  /** Kernel UDP receive buffer to ask for. */
  readonly udpRecvBufferBytes?: number;
  /** Cap on concurrent inbound streams. */
  readonly maxInboundStreams?: number;
}

/** Attempts at finding a port free for both UDP and TCP when port 0 is asked for. */
const PORT_ZERO_ATTEMPTS = 10;

/** UDP + TCP on one port. */
export class NetTransport implements Transport {
  readonly #udp: UdpEndpoint;
  readonly #tcp: TcpEndpoint;

  private constructor(udp: UdpEndpoint, tcp: TcpEndpoint) {
    this.#udp = udp;
    this.#tcp = tcp;
  }

  /** @internal */
  static create(udp: UdpEndpoint, tcp: TcpEndpoint): NetTransport {
    return new NetTransport(udp, tcp);
  }

  get address(): Address {
    return this.#udp.address;
  }

  send(to: Address, bytes: Uint8Array): void {
    this.#udp.send(to, bytes);
  }

  dial(req: DialRequest): Promise<Uint8Array | StreamFailure | null> {
    return this.#tcp.dial(req);
  }

  async close(): Promise<void> {
    await Promise.all([this.#udp.close(), this.#tcp.close()]);
  }
}

/**
 * Binds UDP and TCP on `opts.bind`. With port 0 the UDP socket picks a port and TCP takes the
 * same one, retrying with a fresh port if TCP finds it taken. Rejects with a
 * {@link TransportError} (op `bind`) when the address cannot be bound; nothing stays open then.
 */
export async function openNetTransport(
  opts: NetTransportOptions,
  handlers: TransportHandlers,
): Promise<NetTransport> {
  const attempts = opts.bind.port === 0 ? PORT_ZERO_ATTEMPTS : 1;
  let lastError: unknown;
  for (let i = 0; i < attempts; i++) {
    const udp = await UdpEndpoint.open(
      {
        ip: opts.bind.ip,
        port: opts.bind.port,
        ...(opts.udpRecvBufferBytes ? { recvBufferBytes: opts.udpRecvBufferBytes } : {}),
      },
      { onPacket: (from, bytes) => handlers.onPacket(from, bytes), onError: (e) => handlers.onError(e) },
    );
    try {
      const tcp = await TcpEndpoint.open(
        {
          ip: opts.bind.ip,
          port: udp.address.port,
          newFramer: opts.newFramer,
          readTimeoutMs: opts.tcpTimeoutMs,
          ...(opts.maxInboundStreams ? { maxInbound: opts.maxInboundStreams } : {}),
        },
        { onStream: (from, req) => handlers.onStream(from, req), onError: (e) => handlers.onError(e) },
      );
      return NetTransport.create(udp, tcp);
    } catch (err) {
      await udp.close();
      lastError = err;
      const inUse = err instanceof TransportError && err.syscallCode === 'EADDRINUSE';
      if (!inUse || opts.bind.port !== 0) throw err;
    }
  }
  throw lastError instanceof Error ? lastError : new TransportError('bind', 'no free port for UDP and TCP');
}
