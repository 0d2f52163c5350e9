import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Driver } from '../../src/runtime/driver.js';
import { openNetTransport, type NetTransport } from '../../src/transport/net.js';
import { realClock } from '../../src/transport/clock.js';
import type { Address, Output, ProtocolCore, StreamFailure } from '../../src/core/io.js';
import type { Framer } from '../../src/transport/tcp.js';
import { waitUntil } from '../helpers/wait.js';

/** One length byte then the body: enough framing for a driver test (the length byte is the header). */
function oneByteLength(): Framer {
  let seen = 0;
  return {
    frameLength(buf) {
      seen = buf.length;
      return buf.length >= 1 && buf.length >= 1 + buf[0]! ? 1 + buf[0]! : undefined;
    },
    get headerDone() {
      return seen >= 1;
    },
  };
}

type EchoEvent =
  | { type: 'packet'; from: Address; text: string }
  | { type: 'reply'; id: number; text: string }
  | { type: 'failure'; id: number; failure: StreamFailure }
  | { type: 'tick'; at: number };

/**
 * A small but real protocol core: it answers packets `ping` with `pong`, streams with `ok:<body>`,
 * and fires scheduled deadlines. It touches no clock or socket, like every core.
 */
class EchoCore implements ProtocolCore<EchoEvent> {
  #outputs: Output[] = [];
  #events: EchoEvent[] = [];
  #deadlines: number[] = [];
  #nextId = 1;

  schedule(at: number): void {
    this.#deadlines.push(at);
    this.#deadlines.sort((a, b) => a - b);
  }
  sendPacket(to: Address, text: string): void {
    this.#outputs.push({ kind: 'packet', to, bytes: new TextEncoder().encode(text) });
  }
  openStream(now: number, to: Address, text: string, timeoutMs: number): number {
    const body = new TextEncoder().encode(text);
    const id = this.#nextId++;
    this.#outputs.push({
      kind: 'stream',
      id,
      to,
      bytes: Uint8Array.of(body.length, ...body),
      deadline: now + timeoutMs,
      expectReply: true,
    });
    return id;
  }
  handlePacket(_now: number, from: Address, bytes: Uint8Array): void {
    const text = new TextDecoder().decode(bytes);
    this.#events.push({ type: 'packet', from, text });
    if (text === 'ping') this.sendPacket(from, 'pong');
  }
  handleStream(_now: number, _from: Address, request: Uint8Array): Uint8Array | null {
    const reply = new TextEncoder().encode(`ok:${new TextDecoder().decode(request.subarray(1))}`);
    return Uint8Array.of(reply.length, ...reply);
  }
  handleStreamReply(_now: number, id: number, reply: Uint8Array | StreamFailure): void {
    if (reply instanceof Uint8Array)
      this.#events.push({ type: 'reply', id, text: new TextDecoder().decode(reply.subarray(1)) });
    else this.#events.push({ type: 'failure', id, failure: reply });
  }
  tick(now: number): void {
    while (this.#deadlines.length > 0 && this.#deadlines[0]! <= now) {
      this.#events.push({ type: 'tick', at: this.#deadlines.shift()! });
    }
  }
  nextDeadline(): number | undefined {
    return this.#deadlines[0];
  }
  drainOutputs(): Output[] {
    const o = this.#outputs;
    this.#outputs = [];
    return o;
  }
  drainEvents(): EchoEvent[] {
    const e = this.#events;
    this.#events = [];
    return e;
  }
}

async function startNode(): Promise<{
  core: EchoCore;
  driver: Driver<EchoEvent>;
  transport: NetTransport;
  events: EchoEvent[];
}> {
  const core = new EchoCore();
  const events: EchoEvent[] = [];
  const driver = new Driver<EchoEvent>({ core, clock: realClock(), onEvent: (e) => events.push(e) });
  const transport = await openNetTransport(
    { bind: { ip: '127.0.0.1', port: 0 }, newFramer: oneByteLength, tcpTimeoutMs: 2000 },
    driver.handlers,
  );
  driver.start(transport);
  return { core, driver, transport, events };
}

async function stopNode(n: { driver: Driver<EchoEvent>; transport: NetTransport }): Promise<void> {
  n.driver.stop();
  await n.transport.close();
}

test('packets a core emits reach the other core, and its answer comes back', async () => {
  const a = await startNode();
  const b = await startNode();
  try {
    a.driver.run(() => a.core.sendPacket(b.transport.address, 'ping'));
    await waitUntil('the pong', () => a.events.find((e) => e.type === 'packet' && e.text === 'pong'));
    assert.deepEqual(b.events, [{ type: 'packet', from: a.transport.address, text: 'ping' }]);
  } finally {
    await stopNode(a);
    await stopNode(b);
  }
});

test('a stream output is dialed and its reply fed back under the same id', async () => {
  const a = await startNode();
  const b = await startNode();
  try {
    const id = a.driver.run((now) => a.core.openStream(now, b.transport.address, 'state', 5000));
    const reply = await waitUntil('the stream reply', () =>
      a.events.find((e) => e.type === 'reply' || e.type === 'failure'),
    );
    assert.deepEqual(reply, { type: 'reply', id, text: 'ok:state' });
  } finally {
    await stopNode(a);
    await stopNode(b);
  }
});

test('a stream to a closed port is fed back as refused', async () => {
  const a = await startNode();
  const gone = await startNode();
  const to = gone.transport.address;
  await stopNode(gone);
  try {
    const id = a.driver.run((now) => a.core.openStream(now, to, 'x', 5000));
    const ev = await waitUntil('the failure', () => a.events.find((e) => e.type === 'failure'));
    assert.deepEqual(ev, { type: 'failure', id, failure: { kind: 'refused' } });
  } finally {
    await stopNode(a);
  }
});

test('the single timer fires every scheduled deadline, in deadline order', async () => {
  const a = await startNode();
  try {
    const t0 = a.driver.now();
    a.driver.run(() => {
      a.core.schedule(t0 + 30);
      a.core.schedule(t0 + 10);
      a.core.schedule(t0 + 20);
    });
    const ticks = await waitUntil('three ticks', () => {
      const t = a.events.filter((e) => e.type === 'tick');
      return t.length === 3 ? t : undefined;
    });
    assert.deepEqual(
      ticks.map((e) => (e.type === 'tick' ? e.at - t0 : -1)),
      [10, 20, 30],
    );
  } finally {
    await stopNode(a);
  }
});

test('after stop, no deadline fires and no packet reaches the core', async () => {
  const a = await startNode();
  const b = await startNode();
  const t0 = a.driver.now();
  a.driver.run(() => a.core.schedule(t0 + 20));
  a.driver.stop();
  try {
    b.driver.run(() => b.core.sendPacket(a.transport.address, 'ping'));
    b.driver.run(() => b.core.schedule(b.driver.now() + 60));
    // b's own tick proves time passed beyond a's deadline.
    await waitUntil('b to tick', () => b.events.find((e) => e.type === 'tick'));
    assert.deepEqual(a.events, []);
  } finally {
    await a.transport.close();
    await stopNode(b);
  }
});
