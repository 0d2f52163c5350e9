/**
 * Port blocks for a benchmark cluster: one contiguous block of loopback ports free for both TCP
 * and UDP, so that nft rules can match each system's gossip ports as one range.
 *
 * Blocks are taken below Linux's ephemeral range (32768+ by default) so that the TCP client ports
 * the agents open for push-pull and the other helpers' port-0 sockets never land inside them.
 */
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';

const LOW = 20_000;
const HIGH = 32_000;

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host: '127.0.0.1', port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(false);
    });
    s.bind({ port, address: '127.0.0.1', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** Whether `port` is free for TCP and UDP on 127.0.0.1 right now. */
export async function portFree(port: number): Promise<boolean> {
  return (await tcpFree(port)) && (await udpFree(port));
}

/**
 * The first port of `count` consecutive ports that are all free, starting the search at a
 * pseudo-random offset (from `salt`, e.g. the PID) so that two runs rarely probe the same block.
 * Tries at most 50 blocks; throws when none is free.
 */
export async function findPortBlock(count: number, salt: number): Promise<number> {
  const span = HIGH - LOW - count;
  if (span <= 0) throw new Error(`cannot fit ${count} ports between ${LOW} and ${HIGH}`);
  let start = LOW + ((salt * 7919) % span);
  for (let attempt = 0; attempt < 50; attempt++) {
    let ok = true;
    for (let p = start; p < start + count; p++) {
      if (!(await portFree(p))) {
        ok = false;
        break;
      }
    }
    if (ok) return start;
    start = LOW + ((start - LOW + count + 97) % span);
  }
  throw new Error(`no block of ${count} free loopback ports found`);
}
