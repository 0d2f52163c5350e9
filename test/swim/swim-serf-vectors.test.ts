/**
 * The core fed with packets captured from real serf 0.9.4 agents (test/vectors): what Go sends,
 * our Swim understands and answers the way Go would.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { repoPath } from '../helpers/repo-root.js';
import { fromHex } from '../helpers/wire-vectors.js';
import { Swim } from '../../src/swim/swim.js';
import { resolveConfig } from '../../src/swim/config.js';
import { SeededRandom } from '../../src/core/random.js';
import type { SwimDelegate, SwimEvent } from '../../src/swim/api.js';
import { messagesOf, streamMessage } from './wire-helpers.js';

const vector = (name: string) =>
  fromHex(
    (JSON.parse(readFileSync(repoPath('test', 'vectors', `${name}.json`), 'utf8')) as { hex: string }).hex,
  );

const A = { ip: '127.0.0.1', port: 25946 };

function node(name: string, delegate?: SwimDelegate): Swim {
  return new Swim({
    name,
    advertise: { ip: '127.0.0.1', port: 30000 },
    config: resolveConfig({}, 'lan'),
    now: 1000,
    random: new SeededRandom(5),
    ...(delegate !== undefined ? { delegate } : {}),
  });
}

test("serf's join push-pull teaches us its three members with their tags, and we reply in kind", () => {
  const states: Uint8Array[] = [];
  const s = node('x', {
    nodeMeta: () => Uint8Array.from([0xff, 0x80]),
    notifyUserMessage: () => {},
    getBroadcasts: () => [],
    localState: () => Uint8Array.from([2, 0x80]),
    mergeRemoteState: (_now, state, join) => {
      assert.equal(join, true);
      states.push(state);
    },
    ackPayload: () => null,
  });
  const reply = s.handleStream(
    2000,
    { ip: '127.0.0.1', port: 54452 },
    vector('tcp-pushpull-join-3node-request'),
  );
  assert.ok(reply !== null);
  assert.deepEqual(
    s
      .members()
      .map((m) => `${m.name}:${m.state}:${m.addr.port}`)
      .sort(),
    ['a:alive:25946', 'b:alive:25947', 'c:alive:25948', 'x:alive:30000'],
  );
  assert.deepEqual(s.member('a')?.meta, fromHex('ff82a4726f6c65a3776562a26463a465617374'));
  assert.deepEqual(s.member('a')?.vsn, [1, 5, 2, 2, 5, 5]);
  assert.equal(states.length, 1);
  assert.equal(states[0]?.[0], 2, 'the Serf push-pull state (02 prefix) reached the delegate');
  assert.equal(states[0]?.length, 591);
  const r = streamMessage(reply);
  assert.ok(r.type === 'pushPull');
  assert.equal(r.body.join, true);
  assert.deepEqual(
    r.body.nodes.map((n) => n.name),
    ['x'],
    'the reply is our state from before the merge (memberlist replies first, then merges)',
  );
  assert.deepEqual(r.body.userState, Uint8Array.from([2, 0x80]));
  const joins = s.drainEvents().filter((e): e is Extract<SwimEvent, { type: 'join' }> => e.type === 'join');
  assert.equal(joins[0]?.member.name, 'x', 'our own join comes first');
  assert.deepEqual(joins.map((e) => e.member.name).sort(), ['a', 'b', 'c', 'x']);
});

test("serf's ping + suspect compound gets an ack at the source address and a refutation", () => {
  const s = node('b');
  s.drainOutputs();
  s.handlePacket(2000, A, vector('udp-compound-ping-suspect'));
  const out = s.drainOutputs();
  const ack = out.find((o) => o.kind === 'packet' && messagesOf(o.bytes).some((m) => m.type === 'ack'));
  assert.ok(ack !== undefined && ack.kind === 'packet');
  assert.deepEqual(ack.to, A);
  assert.deepEqual(
    messagesOf(ack.bytes).find((m) => m.type === 'ack'),
    { type: 'ack', body: { seqNo: 32, payload: null } },
  );
  assert.ok(s.drainEvents().some((e) => e.type === 'refute' && e.incarnation === 2));
  assert.equal(s.self.incarnation, 2);
});

test("serf's graceful-leave dead message records the member as left", () => {
  const s = node('x');
  s.preloadMember(1000, {
    name: 'c',
    addr: { ip: '127.0.0.1', port: 25948 },
    meta: new Uint8Array(0),
    incarnation: 1,
    vsn: [1, 5, 2, 2, 5, 5],
  });
  s.handlePacket(2000, { ip: '127.0.0.1', port: 25948 }, vector('udp-dead-graceful-leave'));
  assert.equal(s.member('c')?.state, 'left');
  assert.equal(s.member('c')?.incarnation, 2);
});

test("serf's TCP fallback ping (LZW-compressed) is answered with an ack for its sequence number", () => {
  const s = node('b');
  const reply = s.handleStream(2000, A, vector('tcp-ping-fallback'));
  assert.ok(reply !== null);
  assert.deepEqual(streamMessage(reply), { type: 'ack', body: { seqNo: 31, payload: null } });
});
