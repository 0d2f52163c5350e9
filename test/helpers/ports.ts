/**
 * Free loopback ports for tests that need a port number before the process that binds it starts
 * (child processes, serf agents). Binds UDP and TCP on port 0 and releases them; the tiny race
 * with other processes is acceptable on a test machine.
 */
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';

/** A port free for both TCP and UDP on `ip` at the time of the call. */
export async function freePort(ip = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen({ host: ip, port: 0 }, () => {
        const a = srv.address();
        const p = a !== null && typeof a === 'object' ? a.port : 0;
        srv.close(() => resolve(p));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const s = createSocket(ip.includes(':') ? 'udp6' : 'udp4');
      s.once('error', () => {
        s.close();
        resolve(false);
      });
      s.bind(port, ip, () => s.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
  throw new Error('no free port found');
}

/** `n` distinct free ports. */
export async function freePorts(n: number, ip = '127.0.0.1'): Promise<number[]> {
  const out: number[] = [];
  while (out.length < n) {
    const p = await freePort(ip);
    if (!out.includes(p)) out.push(p);
  }
  return out;
}
