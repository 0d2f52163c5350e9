import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { createSocket } from 'node:dgram';
import { openNetTransport, type NetTransport, type TransportHandlers } from '../../src/transport/net.js';
import { TransportError } from '../../src/transport/errors.js';
import type { Framer } from '../../src/transport/tcp.js';
import { DecodeError } from '../../src/wire/errors.js';
import type { Address } from '../../src/core/io.js';
import { deferred, waitUntil, withTimeout } from '../helpers/wait.js';
import { NftTable, nftUsable } from '../helpers/nft.js';

/**
 * A length-prefixed framing (4-byte big-endian length, then the body) standing in for wire's
 * `streamFrameLength`: the transport only needs "complete / need more / garbage". A first byte of
 * 0xff is garbage, as an unknown message type is for memberlist.
 */
function lengthPrefixed(): Framer {
  let seen = 0;
  return {
    frameLength(buf) {
      seen = buf.length;
      if (buf.length >= 1 && buf[0] === 0xff) throw new DecodeError('unknown frame type 0xff');
      if (buf.length < 4) return undefined;
      const n = ((buf[0]! << 24) | (buf[1]! << 16) | (buf[2]! << 8) | buf[3]!) >>> 0;
      return buf.length >= 4 + n ? 4 + n : undefined;
    },
    /** The 4-byte length is the header. */
    get headerDone() {
      return seen >= 4;
    },
  };
}

function frame(text: string): Uint8Array {
  const body = new TextEncoder().encode(text);
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(body, 4);
  return out;
}

function unframe(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes.subarray(4));
}

interface Recorder {
  handlers: TransportHandlers;
  packets: { from: Address; text: string }[];
  errors: TransportError[];
}

/** Handlers that record packets and errors and answer every stream with `reply(request)`. */
function recorder(reply: (req: string) => string | null = (r) => `re:${r}`): Recorder {
  const rec: Recorder = {
    packets: [],
    errors: [],
    handlers: {
      onPacket: (from, bytes) => rec.packets.push({ from, text: new TextDecoder().decode(bytes) }),
      onStream: (_from, request) => {
        const r = reply(unframe(request));
        return r === null ? null : frame(r);
      },
      onError: (e) => rec.errors.push(e),
    },
  };
  return rec;
}

async function open(ip: string, rec: Recorder, port = 0, tcpTimeoutMs = 2000): Promise<NetTransport> {
  return openNetTransport({ bind: { ip, port }, newFramer: lengthPrefixed, tcpTimeoutMs }, rec.handlers);
}

for (const ip of ['127.0.0.1', '::1']) {
  test(`UDP datagrams travel both ways between two transports on ${ip}`, async () => {
    const ra = recorder();
    const rb = recorder();
    const a = await open(ip, ra);
    const b = await open(ip, rb);
    try {
      assert.notEqual(a.address.port, 0, 'port 0 reports the real bound port');
      a.send(b.address, new TextEncoder().encode('hello b'));
      b.send(a.address, new TextEncoder().encode('hello a'));
      await waitUntil('both datagrams', () => ra.packets.length === 1 && rb.packets.length === 1);
      assert.deepEqual(rb.packets[0], { from: a.address, text: 'hello b' });
      assert.deepEqual(ra.packets[0], { from: b.address, text: 'hello a' });
      assert.deepEqual([...ra.errors, ...rb.errors], []);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test(`a framed TCP request on ${ip} gets its framed reply, on the same port as UDP`, async () => {
    const rb = recorder();
    const a = await open(ip, recorder());
    const b = await open(ip, rb);
    try {
      const reply = await a.dial({ to: b.address, bytes: frame('ping'), timeoutMs: 5000, expectReply: true });
      assert.ok(reply instanceof Uint8Array, `expected bytes, got ${JSON.stringify(reply)}`);
      assert.equal(unframe(reply), 're:ping');
    } finally {
      await a.close();
      await b.close();
    }
  });
}

test('an inbound request that arrives one byte at a time is framed and answered', async () => {
  const b = await open('127.0.0.1', recorder());
  try {
    const bytes = frame('slow request');
    const reply = await withTimeout(
      'reply',
      new Promise<string>((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port: b.address.port });
        const chunks: Buffer[] = [];
        s.on('error', reject);
        s.on('data', (c: Buffer) => chunks.push(c));
        s.on('close', () => resolve(unframe(new Uint8Array(Buffer.concat(chunks)))));
        s.on('connect', async () => {
          for (const byte of bytes) {
            s.write(Uint8Array.of(byte));
            await new Promise((r) => setImmediate(r));
          }
        });
      }),
    );
    assert.equal(reply, 're:slow request');
  } finally {
    await b.close();
  }
});

test('a one-way stream is delivered and the dial resolves null', async () => {
  const got = deferred<string>();
  const b = await open(
    '127.0.0.1',
    recorder((r) => {
      got.resolve(r);
      return null;
    }),
  );
  const a = await open('127.0.0.1', recorder());
  try {
    const result = await a.dial({
      to: b.address,
      bytes: frame('fire and forget'),
      timeoutMs: 5000,
      expectReply: false,
    });
    assert.equal(result, null);
    assert.equal(await withTimeout('delivery', got.promise), 'fire and forget');
  } finally {
    await a.close();
    await b.close();
  }
});

test('dialing a closed port reports refused', async () => {
  const a = await open('127.0.0.1', recorder());
  const closed = await open('127.0.0.1', recorder());
  const port = closed.address.port;
  await closed.close();
  try {
    const r = await a.dial({
      to: { ip: '127.0.0.1', port },
      bytes: frame('x'),
      timeoutMs: 5000,
      expectReply: true,
    });
    assert.deepEqual(r, { kind: 'refused' });
  } finally {
    await a.close();
  }
});

test('a peer that accepts but never replies yields a timeout failure', async () => {
  const held: Socket[] = [];
  const silent: Server = createServer((s) => {
    s.on('error', () => {});
    held.push(s);
  });
  await new Promise<void>((r) => silent.listen({ host: '127.0.0.1', port: 0 }, r));
  const addr = silent.address();
  assert.ok(addr !== null && typeof addr === 'object');
  const a = await open('127.0.0.1', recorder());
  try {
    const r = await a.dial({
      to: { ip: '127.0.0.1', port: addr.port },
      bytes: frame('x'),
      timeoutMs: 200,
      expectReply: true,
    });
    assert.deepEqual(r, { kind: 'timeout' });
  } finally {
    await a.close();
    for (const s of held) s.destroy();
    await new Promise((r) => silent.close(r));
  }
});

test(
  'a host whose handshake is dropped is unreachable at the connect deadline, long before the deadline',
  { skip: nftUsable() ? false : 'nft is not usable here (needs root)' },
  async () => {
    // A listener on 127.0.0.9 that would answer; nft drops every packet to it, as for a host that
    // is cut off: the SYN is never answered.
    const target = await open('127.0.0.9', recorder());
    const port = target.address.port;
    const a = await open('127.0.0.1', recorder());
    const table = new NftTable('unreachable');
    try {
      table.set([`ip daddr 127.0.0.9 tcp dport ${port} drop`]);
      const t0 = performance.now();
      const r = await a.dial({
        to: { ip: '127.0.0.9', port },
        bytes: frame('x'),
        timeoutMs: 5000,
        connectTimeoutMs: 150,
        expectReply: true,
      });
      const took = performance.now() - t0;
      assert.deepEqual(r, { kind: 'unreachable' });
      assert.ok(took >= 140 && took < 4000, `resolved after ${took.toFixed(0)} ms`);
      // Without a connect deadline the whole deadline is waited, and it is still unreachable.
      const r2 = await a.dial({
        to: { ip: '127.0.0.9', port },
        bytes: frame('x'),
        timeoutMs: 200,
        expectReply: true,
      });
      assert.deepEqual(r2, { kind: 'unreachable' });
      table.delete();
      // The same host answers once the cut is gone (the connect deadline does not cut a live exchange).
      const r3 = await a.dial({
        to: { ip: '127.0.0.9', port },
        bytes: frame('y'),
        timeoutMs: 5000,
        connectTimeoutMs: 150,
        expectReply: true,
      });
      assert.ok(r3 instanceof Uint8Array);
      assert.equal(unframe(r3), 're:y');
    } finally {
      table.delete();
      await a.close();
      await target.close();
    }
  },
);

test('a peer that closes before replying yields a closed failure', async () => {
  const rude: Server = createServer((s) => {
    s.on('error', () => {});
    s.once('data', () => s.end());
  });
  await new Promise<void>((r) => rude.listen({ host: '127.0.0.1', port: 0 }, r));
  const addr = rude.address();
  assert.ok(addr !== null && typeof addr === 'object');
  const a = await open('127.0.0.1', recorder());
  try {
    const r = await a.dial({
      to: { ip: '127.0.0.1', port: addr.port },
      bytes: frame('x'),
      timeoutMs: 5000,
      expectReply: true,
    });
    assert.deepEqual(r, { kind: 'closed' });
  } finally {
    await a.close();
    await new Promise((r) => rude.close(r));
  }
});

test('garbage on an inbound stream closes that connection, is reported, and the listener keeps serving', async () => {
  const rb = recorder();
  const b = await open('127.0.0.1', rb);
  const a = await open('127.0.0.1', recorder());
  try {
    const closedWithoutReply = await withTimeout(
      'garbage connection to close',
      new Promise<number>((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port: b.address.port });
        let received = 0;
        s.on('error', reject);
        s.on('data', (c: Buffer) => (received += c.length));
        s.on('close', () => resolve(received));
        s.on('connect', () => s.write(Uint8Array.of(0xff, 1, 2, 3, 4, 5)));
      }),
    );
    assert.equal(closedWithoutReply, 0);
    await waitUntil('the garbage to be reported', () => rb.errors.length === 1);
    assert.equal(rb.errors[0]!.code, 'GP_ERR_TRANSPORT');
    assert.equal(rb.errors[0]!.op, 'receive');
    assert.ok(rb.errors[0]!.cause instanceof DecodeError);
    const reply = await a.dial({
      to: b.address,
      bytes: frame('still there?'),
      timeoutMs: 5000,
      expectReply: true,
    });
    assert.ok(reply instanceof Uint8Array);
    assert.equal(unframe(reply), 're:still there?');
  } finally {
    await a.close();
    await b.close();
  }
});

test('an inbound stream that never completes is closed at the read deadline', async () => {
  const rb = recorder();
  const b = await open('127.0.0.1', rb, 0, 150);
  try {
    await withTimeout(
      'the server to close an incomplete stream',
      new Promise<void>((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port: b.address.port });
        s.on('error', reject);
        s.on('close', () => resolve());
        s.on('connect', () => s.write(Uint8Array.of(0, 0, 0, 100, 1)));
      }),
    );
    await waitUntil('the timeout to be reported', () => rb.errors.some((e) => e.op === 'receive'));
  } finally {
    await b.close();
  }
});

test('129 concurrent inbound streams: one is refused with a typed error, the rest are answered', async () => {
  const rb = recorder();
  const b = await open('127.0.0.1', rb, 0, 20_000);
  const sockets: ReturnType<typeof connect>[] = [];
  try {
    // 129 connections that each send half a request and wait.
    const replies: Promise<string>[] = [];
    for (let i = 0; i < 129; i++) {
      const s = connect({ host: '127.0.0.1', port: b.address.port });
      sockets.push(s);
      const chunks: Buffer[] = [];
      replies.push(
        new Promise<string>((resolve) => {
          s.on('error', () => resolve('error'));
          s.on('data', (c: Buffer) => chunks.push(c));
          s.on('close', () =>
            resolve(chunks.length ? unframe(new Uint8Array(Buffer.concat(chunks))) : 'closed'),
          );
        }),
      );
      await new Promise<void>((resolve) => s.once('connect', () => resolve()));
      s.write(frame(`req${i}`).subarray(0, 5));
    }
    await waitUntil('the refusal to be reported', () => rb.errors.some((e) => e.op === 'accept'));
    for (let i = 0; i < sockets.length; i++) {
      if (!sockets[i]!.destroyed) sockets[i]!.write(frame(`req${i}`).subarray(5));
    }
    const results = await withTimeout('all 129 to finish', Promise.all(replies), 20_000);
    const answered = results.filter((r) => r.startsWith('re:'));
    assert.equal(answered.length, 128);
    assert.equal(results.filter((r) => r === 'closed' || r === 'error').length, 1);
    assert.equal(rb.errors.filter((e) => e.op === 'accept').length, 1);
  } finally {
    for (const s of sockets) s.destroy();
    await b.close();
  }
});

test('binding a port in use fails with a typed EADDRINUSE error and leaves nothing bound', async () => {
  const a = await open('127.0.0.1', recorder());
  try {
    await assert.rejects(open('127.0.0.1', recorder(), a.address.port), (e: unknown) => {
      assert.ok(e instanceof TransportError);
      assert.equal(e.code, 'GP_ERR_TRANSPORT');
      assert.equal(e.op, 'bind');
      assert.equal(e.syscallCode, 'EADDRINUSE');
      return true;
    });
  } finally {
    await a.close();
  }
});

test('when only the TCP port is taken, the bind fails and the UDP port is released', async () => {
  const tcpOnly: Server = createServer();
  await new Promise<void>((r) => tcpOnly.listen({ host: '127.0.0.1', port: 0 }, r));
  const addr = tcpOnly.address();
  assert.ok(addr !== null && typeof addr === 'object');
  try {
    await assert.rejects(
      open('127.0.0.1', recorder(), addr.port),
      (e: unknown) => e instanceof TransportError && e.syscallCode === 'EADDRINUSE',
    );
    // The UDP socket opened first must have been closed again.
    const udp = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(addr.port, '127.0.0.1', () => resolve());
    });
    await new Promise<void>((r) => udp.close(() => r()));
  } finally {
    await new Promise((r) => tcpOnly.close(r));
  }
});

test('sending to an IPv6 address from an IPv4 socket is a reported error, not a crash', async () => {
  const ra = recorder();
  const a = await open('127.0.0.1', ra);
  try {
    a.send({ ip: '::1', port: 9 }, Uint8Array.of(1));
    await waitUntil('the send error', () => ra.errors.length === 1);
    assert.equal(ra.errors[0]!.op, 'send');
  } finally {
    await a.close();
  }
});
