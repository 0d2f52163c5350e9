/**
 * A one-way delay in front of one node, for tests on loopback: the node advertises the relay's
 * port, so everything other nodes send it (UDP datagrams, TCP streams) arrives `delayMs` later;
 * what the node sends goes straight to the others' (relayed) addresses. Round trips between two
 * relayed nodes are then the sum of their two delays, like nodes behind access links of those
 * lengths — the shape Vivaldi's heights model.
 *
 * Written because the kernel here has no `netem` qdisc (`tc qdisc add … netem` fails with
 * "Specified qdisc kind is unknown"), so delays cannot be added in network namespaces.
 *
 * UDP: each sender gets its own upstream socket, so the node's replies to a packet's source (rare:
 * memberlist replies to the address inside a ping) come back through the relay to that sender.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { createServer, connect, type Server, type Socket as TcpSocket } from 'node:net';

export class DelayRelay {
  private readonly udp: Socket;
  private readonly tcp: Server;
  private readonly upstream = new Map<string, Socket>();
  private readonly conns = new Set<TcpSocket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  private constructor(
    readonly port: number,
    private readonly target: number,
    private readonly delayMs: number,
    udp: Socket,
    tcp: Server,
  ) {
    this.udp = udp;
    this.tcp = tcp;
  }

  /** Relay 127.0.0.1:`port` → 127.0.0.1:`target`, UDP and TCP, `delayMs` one way. */
  static async start(port: number, target: number, delayMs: number): Promise<DelayRelay> {
    const udp = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(port, '127.0.0.1', () => resolve());
    });
    const tcp = createServer();
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(port, '127.0.0.1', () => resolve());
    });
    const r = new DelayRelay(port, target, delayMs, udp, tcp);
    udp.on('message', (msg, from) => r.onDatagram(msg, from));
    tcp.on('connection', (c) => r.onConnection(c));
    return r;
  }

  private later(fn: () => void): void {
    if (this.closed) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, this.delayMs);
    this.timers.add(t);
  }

  private onDatagram(msg: Buffer, from: RemoteInfo): void {
    const key = `${from.address}:${from.port}`;
    let up = this.upstream.get(key);
    if (up === undefined) {
      up = createSocket('udp4');
      up.bind(0, '127.0.0.1');
      // Replies from the node to this socket go back to the original sender, undelayed.
      up.on('message', (reply) => this.udp.send(reply, from.port, from.address));
      up.on('error', () => {});
      this.upstream.set(key, up);
    }
    const sock = up;
    this.later(() => sock.send(msg, this.target, '127.0.0.1'));
  }

  private onConnection(c: TcpSocket): void {
    this.conns.add(c);
    const up = connect(this.target, '127.0.0.1');
    this.conns.add(up);
    c.on('data', (b) => this.later(() => up.writable && up.write(b)));
    c.on('end', () => this.later(() => up.end()));
    up.on('data', (b) => c.writable && c.write(b));
    up.on('end', () => c.end());
    const drop = (): void => {
      c.destroy();
      up.destroy();
      this.conns.delete(c);
      this.conns.delete(up);
    };
    c.on('error', drop);
    up.on('error', drop);
    c.on('close', drop);
    up.on('close', drop);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    for (const c of this.conns) c.destroy();
    for (const u of this.upstream.values()) u.close();
    this.udp.close();
    await new Promise<void>((r) => this.tcp.close(() => r()));
  }
}
