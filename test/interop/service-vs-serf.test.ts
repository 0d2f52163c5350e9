/**
 * The service seam in a cluster with the real serf agent (Debian's serf 0.9.4): two of our nodes
 * run the test-only counter service and meet only through a serf agent. The service's gossip,
 * direct messages, acks and anti-entropy streams flow between our two nodes; the serf agent lists
 * our nodes with exactly their tags and logs nothing about unknown messages, bad tags or bad state,
 * although it relays our node meta (with the service advertisement after the tags) between them.
 * As a control, the same log check sees serf's warning when a service frame is sent to the agent
 * on purpose — so the check can fail.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from '../../src/wire/messages.js';
import { openPacket } from '../../src/wire/packet.js';
import { SERVICE_MESSAGE_TYPE, encodeServiceFrame } from '../../src/wire/service-frame.js';
import { openStream } from '../../src/wire/stream.js';
import { CounterService, type CounterEvent } from '../helpers/counter-service.js';
import { SerfAgent, serfAvailable } from '../helpers/serf-agent.js';
import { startStackNode, type StackNode } from '../helpers/stack-node.js';
import { waitUntil } from '../helpers/wait.js';

const skip = serfAvailable() ? false : 'the serf binary is not installed (.ci/run installs it)';

/** What serf 0.9.4 (and memberlist 0.2.2) log when they meet something they do not understand. */
const COMPLAINTS = [
  /Received message of unknown type/,
  /Failed to decode tags/,
  /msg type \(\d+\) not supported/,
  /Remote state has bad type prefix/,
  /Failed to decode remote state/,
  /Error decoding/,
];

function complaints(log: string): string[] {
  return log.split('\n').filter((l) => COMPLAINTS.some((re) => re.test(l)));
}

function counterEvents(n: StackNode): CounterEvent[] {
  return n.events.flatMap((e) =>
    e.type === 'service' && e.service === 'counter' ? [e.event as CounterEvent] : [],
  );
}

/** Count the service frames a node receives over UDP and TCP (by wrapping its core's inputs). */
function countFrames(n: StackNode): { packets: number; streams: number } {
  const seen = { packets: 0, streams: 0 };
  const core = n.core;
  const onPacket = core.handlePacket.bind(core);
  const onStream = core.handleStream.bind(core);
  // A plaintext cluster: decode what arrives with the wire layer and look for service frames.
  const isFrame = (m: Message): boolean => m.type === 'user' && m.body[0] === SERVICE_MESSAGE_TYPE;
  core.handlePacket = (now, from, bytes) => {
    if (openPacket(bytes, null).messages.some(isFrame)) seen.packets++;
    onPacket(now, from, bytes);
  };
  core.handleStream = (now, from, bytes) => {
    if (isFrame(openStream(bytes, null))) seen.streams++;
    return onStream(now, from, bytes);
  };
  return seen;
}

test(
  'service traffic flows between our nodes through a cluster with a serf agent, which lists exact tags and logs nothing unknown',
  { skip, timeout: 120_000 },
  async () => {
    let agent: SerfAgent | undefined;
    const nodes: StackNode[] = [];
    try {
      agent = await SerfAgent.start({ name: 'serf-1', tags: { role: 'serf' } });
      for (const name of ['gp-1', 'gp-2']) {
        nodes.push(
          await startStackNode({
            name,
            tags: { role: 'counter' },
            services: [new CounterService({ syncIntervalMs: 500 })],
          }),
        );
      }
      const [a, b] = nodes as [StackNode, StackNode];
      const framesAtB = countFrames(b);
      // Our nodes meet only through the serf agent: each learns the other's meta from serf.
      const seed = { ip: agent.ip, port: agent.port };
      await a.join([seed]);
      await b.join([seed]);

      const members = await agent.waitForMembers('serf to list both of our nodes alive', (ms) =>
        ['gp-1', 'gp-2'].every((n) => ms.some((m) => m.name === n && m.status === 'alive')),
      );
      for (const n of ['gp-1', 'gp-2']) {
        assert.deepEqual(members.find((m) => m.name === n)?.tags, { role: 'counter' }, `serf's tags of ${n}`);
      }
      const counterOf = (n: StackNode): CounterService => n.core.service<CounterService>('counter')!;
      await waitUntil(
        'gp-1 to see gp-2 alive (learnt through serf, which relays its meta)',
        () => a.core.members().some((m) => m.name === 'gp-2' && m.status === 'alive'),
        20_000,
      );

      // An increment that asks for one ack: gossiped to gp-2, acked by gp-2 over UDP — which needs
      // each to have read the other's service advertisement.
      const seq = a.run((_core, now) => counterOf(a).increment(now, 3, 1, 10_000));
      const acked = await waitUntil(
        'gp-1 to get its ack',
        () => counterEvents(a).find((e) => e.type === 'acked' && e.seq === seq),
        15_000,
      );
      assert.ok(acked.type === 'acked');
      assert.deepEqual(acked.acks, ['gp-2']);
      await waitUntil('gp-2 to count 3', () => counterOf(b).total() === 3, 15_000);
      // Anti-entropy streams between our nodes (every 500 ms here).
      await waitUntil('an anti-entropy stream to reach gp-2', () => framesAtB.streams > 0, 15_000);
      assert.ok(framesAtB.packets > 0);
      // serf saw the whole exchange and did not complain; it still lists our nodes alive.
      await agent.waitForMembers(
        'serf to list 3 alive after the service traffic',
        (ms) => ms.filter((m) => m.status === 'alive').length === 3,
      );
      assert.deepEqual(complaints(agent.log), [], 'serf logged a complaint');

      // Control: a service frame sent to the agent on purpose is logged by serf as unknown.
      const frame = encodeServiceFrame({
        service: 'counter',
        type: 1,
        from: 'gp-1',
        body: new Uint8Array([1]),
      });
      a.run((core, now) => core.swimCore.sendUserMessage(now, seed, frame));
      await waitUntil(
        'serf to log the frame sent to it as an unknown message',
        () => complaints(agent!.log).some((l) => l.includes('unknown type: 240')),
        10_000,
      );
    } finally {
      for (const n of nodes) await n.close();
      await agent?.stop();
    }
  },
);
