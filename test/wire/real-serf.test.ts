/**
 * Our encoder against the real serf 0.9.4 agent (not only against captured bytes): a UDP ping and
 * a TCP fallback ping we encode are answered with acks we decode, and a push-pull join we encode
 * is merged by the agent — it lists our node with our tags, logs no decode error, and its reply
 * decodes to its own state. Once in plaintext, once encrypted. End-to-end protocol behaviour is
 * tested by the interop suite; this file checks the bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { connect } from 'node:net';
import { Keyring, keyToBase64 } from '../../src/wire/keyring.js';
import { encodeMessage } from '../../src/wire/memberlist-codec.js';
import type { Message } from '../../src/wire/messages.js';
import { openPacket, sealPacket } from '../../src/wire/packet.js';
import { decodeCoordinatePayload, decodeSerf, encodeSerf } from '../../src/wire/serf-codec.js';
import { openStream, sealStream, streamFrameLength } from '../../src/wire/stream.js';
import { decodeTags, encodeTags } from '../../src/wire/tags.js';
import { SerfAgent, serfAvailable } from '../helpers/serf-agent.js';
import { waitUntil, withTimeout } from '../helpers/wait.js';

const LOCALHOST = new Uint8Array([127, 0, 0, 1]);
const VSN = new Uint8Array([1, 5, 2, 2, 5, 5]);
const nonces = { bytes: (n: number) => new Uint8Array(randomBytes(n)) };

/** One request on a fresh TCP connection; resolves with the first complete framed reply. */
function streamRequest(port: number, request: Uint8Array): Promise<Uint8Array> {
  return withTimeout(
    `stream reply from 127.0.0.1:${port}`,
    new Promise<Uint8Array>((resolve, reject) => {
      const sock = connect({ host: '127.0.0.1', port });
      let buf = new Uint8Array(0);
      sock.on('error', reject);
      sock.on('data', (chunk: Buffer) => {
        const next = new Uint8Array(buf.length + chunk.length);
        next.set(buf);
        next.set(chunk, buf.length);
        buf = next;
        try {
          const n = streamFrameLength(buf);
          if (n !== undefined) {
            sock.destroy();
            resolve(buf.subarray(0, n));
          }
        } catch (e) {
          sock.destroy();
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
      sock.on('connect', () => sock.write(request));
    }),
    10_000,
  );
}

async function udpSocket(): Promise<{ sock: Socket; port: number; received: Uint8Array[] }> {
  const sock = createSocket('udp4');
  const received: Uint8Array[] = [];
  sock.on('message', (m) => received.push(new Uint8Array(m)));
  await new Promise<void>((res) => sock.bind(0, '127.0.0.1', () => res()));
  return { sock, port: sock.address().port, received };
}

async function exercise(encrypt: boolean): Promise<void> {
  const keyring = encrypt ? new Keyring([new Uint8Array(randomBytes(32))]) : null;
  const agent = await SerfAgent.start({
    name: 'wx',
    tags: { role: 'web', dc: 'east' },
    ...(keyring === null ? {} : { encrypt: keyToBase64(keyring.primary()) }),
  });
  const udp = await udpSocket();
  try {
    // 1. UDP ping → ack with a Vivaldi coordinate payload, sent back to SourceAddr:SourcePort.
    const ping: Message = {
      type: 'ping',
      body: { seqNo: 77, node: 'wx', sourceAddr: LOCALHOST, sourcePort: udp.port, sourceNode: 'ts' },
    };
    const packet = sealPacket([encodeMessage(ping)], { compress: true, crc: false, keyring }, nonces);
    udp.sock.send(packet, agent.port, '127.0.0.1');
    const ack = await waitUntil('UDP ack 77', () => {
      for (const p of udp.received) {
        for (const m of openPacket(p, keyring).messages)
          if (m.type === 'ack' && m.body.seqNo === 77) return m.body;
      }
      return undefined;
    });
    assert.ok(ack.payload !== null);
    assert.equal(decodeCoordinatePayload(ack.payload).vec.length, 8);

    // 2. TCP fallback ping (compressed, as Go sends it) → ack over the same connection.
    const tcpPing = sealStream(
      encodeMessage({ type: 'ping', body: { seqNo: 78, node: 'wx' } }),
      { compress: true, keyring },
      nonces,
    );
    assert.deepEqual(openStream(await streamRequest(agent.port, tcpPing), keyring), {
      type: 'ack',
      body: { seqNo: 78, payload: null },
    });

    // 3. Push-pull join with our node state and Serf state → the agent's own state back, and it lists us.
    const serfState = encodeSerf({
      type: 'pushPull',
      body: {
        lTime: 1,
        statusLTimes: new Map([['ts', 1]]),
        leftMembers: [],
        eventLTime: 1,
        events: [],
        queryLTime: 1,
      },
    });
    const join: Message = {
      type: 'pushPull',
      body: {
        join: true,
        nodes: [
          {
            name: 'ts',
            addr: LOCALHOST,
            port: udp.port,
            meta: encodeTags({ lang: 'ts' }),
            incarnation: 1,
            state: 0,
            vsn: VSN,
          },
        ],
        userState: serfState,
      },
    };
    const reply = openStream(
      await streamRequest(agent.port, sealStream(encodeMessage(join), { compress: true, keyring }, nonces)),
      keyring,
    );
    assert.equal(reply.type, 'pushPull');
    if (reply.type !== 'pushPull') return;
    assert.equal(reply.body.join, true);
    const wx = reply.body.nodes.find((n) => n.name === 'wx');
    assert.ok(wx !== undefined);
    assert.deepEqual(Object.fromEntries(decodeTags(wx.meta)), { role: 'web', dc: 'east' });
    assert.deepEqual(wx.vsn, VSN);
    assert.equal(decodeSerf(reply.body.userState).type, 'pushPull');

    const listed = await agent.members();
    const ts = listed.find((m) => m.name === 'ts');
    assert.ok(ts !== undefined, `serf members: ${JSON.stringify(listed)}`);
    assert.deepEqual(ts.tags, { lang: 'ts' });
    assert.equal(ts.port, udp.port);
    assert.doesNotMatch(
      agent.log,
      /Failed to decode|Failed push\/pull merge|bad type prefix|Failed to receive|not supported/,
    );
  } finally {
    udp.sock.close();
    await agent.stop();
  }
}

test(
  'serf answers our UDP and TCP pings and merges our push-pull join (plaintext)',
  { skip: !serfAvailable() && 'serf not installed' },
  async () => {
    await exercise(false);
  },
);

test(
  'serf answers our UDP and TCP pings and merges our push-pull join (encrypted)',
  { skip: !serfAvailable() && 'serf not installed' },
  async () => {
    await exercise(true);
  },
);
