/**
 * Issue 11, defect 5: one client holding 128 idle TCP connections (renewed every 10 s) blocked
 * joins, push-pulls and fallback probes until they closed. Now an inbound connection must send
 * its message header within a short deadline, and when every slot is taken a source holding
 * fewer takes the slot of the largest holder's oldest connection.
 *
 * Seen failing before the fix: the idle connection was still open after 3 s (it closed at the
 * 10 s read timeout); the join through a node whose 128 slots an attacker held failed with
 * "could not join any seed: … connection closed before a complete reply".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { TcpEndpoint } from '../../src/transport/tcp.js';
import { newStreamFramer } from '../../src/wire/stream.js';
import { encodeStreamMessage } from '../../src/wire/memberlist-codec.js';
import { createNode, type GossipNode } from '../../src/index.js';
import { deferred, waitUntil, withTimeout } from '../helpers/wait.js';

/** Connect from `localAddress` and resolve once connected. */
function open(port: number, localAddress: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, localAddress });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** A push-pull header announcing 1,000 node states that never come: a complete header, then silence. */
function headerOnly(): Uint8Array {
  const full = encodeStreamMessage({
    type: 'pushPull',
    body: {
      join: false,
      nodes: Array.from({ length: 1_000 }, (_, i) => ({
        name: `n${i}`,
        addr: Uint8Array.from([10, 0, 0, 1]),
        port: 1,
        meta: new Uint8Array(0),
        incarnation: 1,
        state: 0,
        vsn: Uint8Array.from([1, 5, 2, 2, 5, 5]),
      })),
      userState: new Uint8Array(0),
    },
  });
  return full.subarray(0, 40);
}

test('a connection that sends no header is closed after the header deadline, long before the read timeout', async () => {
  const errors: string[] = [];
  const ep = await TcpEndpoint.open(
    { ip: '127.0.0.1', port: 0, newFramer: newStreamFramer, readTimeoutMs: 10_000 },
    { onStream: () => null, onError: (e) => errors.push(e.message) },
  );
  try {
    const s = await open(ep.address.port, '127.0.0.1');
    const closed = deferred<void>();
    s.on('close', () => closed.resolve());
    s.on('error', () => {});
    await withTimeout('the idle connection to be closed', closed.promise, 3_000);
    assert.ok(
      errors.some((m) => m.includes('no message header')),
      errors.join('\n'),
    );
  } finally {
    await ep.close();
  }
});

test('a join succeeds while an attacker holds every inbound stream slot', async () => {
  const sockets: Socket[] = [];
  let a: GossipNode | undefined;
  let b: GossipNode | undefined;
  try {
    a = await createNode({ name: 'a', bind: '127.0.0.1:0', profile: 'lan' });
    const port = a.address.port;
    // 128 connections from four attacker addresses, each with a complete push-pull header and
    // then nothing: they pass the header deadline and would be held until the 10 s read timeout.
    const header = headerOnly();
    for (let i = 0; i < 128; i++) {
      const s = await open(port, `127.0.0.${10 + (i % 4)}`);
      s.on('error', () => {});
      s.write(header);
      sockets.push(s);
    }
    // Every slot is taken once one more connection from an attacker address is closed at once.
    await waitUntil('every slot to be taken', async () => {
      const s = await open(port, '127.0.0.10');
      s.on('error', () => {});
      s.write(header);
      sockets.push(s);
      const closed = deferred<boolean>();
      s.on('close', () => closed.resolve(true));
      const t = setTimeout(() => closed.resolve(false), 200);
      const r = await closed.promise;
      clearTimeout(t);
      return r;
    });
    b = await createNode({ name: 'b', bind: '127.0.0.1:0', profile: 'lan' });
    await withTimeout('b to join a', b.join([`127.0.0.1:${port}`]), 5_000);
    const bb = b;
    await waitUntil('a and b to see each other', () =>
      bb.members({ status: 'alive' }).some((m) => m.name === 'a'),
    );
  } finally {
    for (const s of sockets) s.destroy();
    await Promise.all([a?.close(), b?.close()]);
  }
});
