import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from './harness.js';
import { messagesOf, packet, stream, streamMessage, LOOPBACK, VSN } from './wire-helpers.js';
import type { PushNodeState } from '../../src/wire/messages.js';

const from = { ip: '127.0.0.1', port: 9999 };

function cluster(names: string[], h = new Harness()): Harness {
  for (const n of names) h.add(n);
  for (const n of names.slice(1)) h.join(n, names[0] as string);
  const ok = h.runUntilTrue(() => names.every((n) => h.aliveView(n).length === names.length), 20_000);
  assert.ok(ok, 'cluster formed');
  return h;
}

function nodeState(name: string, port: number, state: number, incarnation = 1, vsn = VSN): PushNodeState {
  return { name, addr: LOOPBACK, port, meta: new Uint8Array(0), incarnation, state, vsn };
}

test('a dead claim about ourselves is refuted with incarnation max(own, accused) + 1', () => {
  const h = cluster(['a', 'b']);
  h.act('b', (s, now) =>
    s.handlePacket(now, from, packet({ type: 'dead', body: { incarnation: 5, node: 'b', from: 'x' } })),
  );
  assert.equal(h.swim('b').self.state, 'alive');
  assert.equal(h.swim('b').self.incarnation, 6);
  assert.deepEqual(
    h
      .events('b')
      .filter((e) => e.event.type === 'refute')
      .map((e) => e.event),
    [{ type: 'refute', incarnation: 6 }],
  );
  assert.equal(h.swim('b').healthScore(), 1, 'refuting costs one health point');
  const spread = h.runUntilTrue(() => h.swim('a').member('b')?.incarnation === 6, 5_000);
  assert.ok(spread, 'the refutation reaches a');
  assert.equal(h.swim('a').member('b')?.state, 'alive');
  // A suspect about ourselves at a lower incarnation than ours is old news: ignored.
  h.act('b', (s, now) =>
    s.handlePacket(now, from, packet({ type: 'suspect', body: { incarnation: 2, node: 'b', from: 'x' } })),
  );
  assert.equal(h.swim('b').self.incarnation, 6);
});

test('a dead message with the current incarnation kills an alive member at once (no suspicion phase)', () => {
  const h = cluster(['a', 'b', 'c']);
  h.act('a', (s, now) =>
    s.handlePacket(now, from, packet({ type: 'dead', body: { incarnation: 1, node: 'c', from: 'b' } })),
  );
  assert.equal(h.swim('a').member('c')?.state, 'dead');
  const ev = h.events('a').at(-1)?.event;
  assert.ok(ev?.type === 'leave' && ev.member.name === 'c' && ev.member.state === 'dead');
});

test('push-pull merge: remote dead makes us suspect, remote left makes left, unknown non-alive is ignored', () => {
  const h = cluster(['a', 'b', 'c']);
  const a = h.swim('a');
  const pp = (nodes: PushNodeState[]) =>
    stream({ type: 'pushPull', body: { join: false, nodes, userState: new Uint8Array(0) } });
  let reply: Uint8Array | null = null;
  h.act('a', (s, now) => {
    reply = s.handleStream(
      now,
      from,
      pp([nodeState('b', h.addr('b').port, 2), nodeState('zz', 1234, 2), nodeState('yy', 1235, 3)]),
    );
  });
  assert.ok(reply !== null);
  const r = streamMessage(reply);
  assert.equal(r.type, 'pushPull');
  assert.equal(r.type === 'pushPull' && r.body.join, false, 'the reply carries the same Join flag');
  assert.deepEqual(
    r.type === 'pushPull' ? r.body.nodes.map((n) => n.name).sort() : [],
    ['a', 'b', 'c'],
    'the reply carries our state (sent before merging)',
  );
  assert.equal(a.member('b')?.state, 'suspect', 'remote dead → local suspect');
  const sus = h.events('a').find((e) => e.event.type === 'suspect' && e.event.member.name === 'b');
  assert.ok(sus?.event.type === 'suspect' && sus.event.from === 'a', 'suspicion raised by ourselves');
  assert.equal(a.member('zz'), undefined, 'unknown dead node ignored');
  assert.equal(a.member('yy'), undefined, 'unknown left node ignored');
  a.handleStream(h.now, from, pp([nodeState('c', h.addr('c').port, 3)]));
  assert.equal(a.member('c')?.state, 'left', 'remote left → local left');
  a.handleStream(h.now, from, pp([nodeState('new', 4321, 0, 3)]));
  assert.equal(a.member('new')?.state, 'alive', 'unknown alive node added');
  assert.equal(a.member('new')?.incarnation, 3);
});

test('the protocol version check rejects a push-pull whose Vsn does not fit the cluster', () => {
  const h = cluster(['a', 'b']);
  const a = h.swim('a');
  const bad = Uint8Array.from([1, 5, 2, 2, 5, 9]); // DCur 9 > DMax 5 of every node
  const req = stream({
    type: 'pushPull',
    body: { join: true, nodes: [nodeState('zz', 1234, 0, 1, bad)], userState: new Uint8Array(0) },
  });
  const reply = a.handleStream(h.now, from, req);
  assert.ok(reply !== null, 'memberlist still replies with its state');
  assert.equal(a.member('zz'), undefined, 'nothing merged');
  // Through join: a seed whose node speaks an incompatible delegate version fails the join.
  const h2 = new Harness();
  h2.add('x', { config: { delegateMax: 4, delegateVersion: 4 } });
  h2.add('y');
  h2.join('y', 'x');
  h2.runFor(100);
  const r = h2.events('y').find((e) => e.event.type === 'join-result')?.event;
  assert.ok(r?.type === 'join-result');
  assert.equal(r.contacted, 0);
  assert.match(r.errors[0]?.reason ?? '', /delegate protocol version \(5\) is incompatible: \[2, 4\]/);
  assert.equal(h2.swim('y').member('x'), undefined);
});

test('a meta update propagates to every node with incarnation + 1 as an update event', () => {
  const h = cluster(['a', 'b', 'c']);
  const meta = Uint8Array.from([0xff, 0x81, 0xa1, 0x6b, 0xa1, 0x76]);
  h.act('a', (s, now) => s.updateMeta(now, meta));
  assert.equal(h.swim('a').self.incarnation, 2);
  const ok = h.runUntilTrue(
    () =>
      ['b', 'c'].every((n) =>
        h.events(n).some((e) => e.event.type === 'update' && e.event.member.name === 'a'),
      ),
    5_000,
  );
  assert.ok(ok);
  for (const n of ['b', 'c']) {
    const m = h.swim(n).member('a');
    assert.deepEqual(m?.meta, meta);
    assert.equal(m?.incarnation, 2);
  }
  assert.throws(() => h.swim('a').updateMeta(h.now, new Uint8Array(513)), { code: 'GP_ERR_TOO_LARGE' });
  assert.equal(h.swim('a').self.incarnation, 2, 'nothing changed');
});

test('an alive claiming a known name at another address raises a conflict and changes nothing', () => {
  const h = cluster(['a', 'b']);
  const alive = { incarnation: 9, node: 'b', addr: LOOPBACK, port: 1, meta: new Uint8Array(0), vsn: VSN };
  h.act('a', (s, now) => s.handlePacket(now, from, packet({ type: 'alive', body: alive })));
  const c = h.events('a').find((e) => e.event.type === 'conflict')?.event;
  assert.ok(c?.type === 'conflict');
  assert.equal(c.existing.addr.port, h.addr('b').port);
  assert.equal(c.other.addr.port, 1);
  assert.equal(h.swim('a').member('b')?.incarnation, 1);
  // A node that left may come back at a new address.
  h.act('a', (s, now) =>
    s.handlePacket(now, from, packet({ type: 'dead', body: { incarnation: 1, node: 'b', from: 'b' } })),
  );
  h.act('a', (s, now) =>
    s.handlePacket(now, from, packet({ type: 'alive', body: { ...alive, incarnation: 1 } })),
  );
  assert.equal(h.swim('a').member('b')?.state, 'alive');
  assert.equal(h.swim('a').member('b')?.addr.port, 1);
});

test('a new rumour about a node replaces the queued one: a refuted suspect is not gossiped on', () => {
  const h = cluster(['a', 'b', 'c']);
  h.runFor(5_000); // let the join broadcasts drain
  h.drop = () => true; // freeze the network to look at a's queue
  h.act('a', (s, now) => {
    s.handlePacket(now, from, packet({ type: 'suspect', body: { incarnation: 1, node: 'c', from: 'b' } }));
    s.handlePacket(
      now,
      from,
      packet({
        type: 'alive',
        body: {
          incarnation: 2,
          node: 'c',
          addr: LOOPBACK,
          port: h.addr('c').port,
          meta: new Uint8Array(0),
          vsn: VSN,
        },
      }),
    );
  });
  const since = h.now;
  h.runFor(600); // three gossip rounds, before any probe of the frozen network can fail
  const gossiped = h.packets
    .filter((p) => p.from === 'a' && p.at >= since)
    .flatMap((p) => messagesOf(p.bytes));
  assert.ok(gossiped.some((m) => m.type === 'alive' && m.body.node === 'c' && m.body.incarnation === 2));
  assert.ok(
    !gossiped.some((m) => m.type === 'suspect' && m.body.node === 'c'),
    'the suspect about c was replaced',
  );
});

test('in a 6-node cluster confirmations from other members bring a death forward from the 24 s maximum', () => {
  const names = ['a', 'b', 'c', 'd', 'e', 'f'];
  const h = cluster(names);
  h.crash('f');
  const start = h.now;
  const dead = h.runUntilTrue(
    () => names.slice(0, 5).every((n) => h.swim(n).member('f')?.state === 'dead'),
    60_000,
  );
  assert.ok(dead);
  const firstSuspect = Math.min(
    ...names.slice(0, 5).flatMap((n) =>
      h
        .events(n)
        .filter((e) => e.event.type === 'suspect')
        .map((e) => e.at),
    ),
  );
  const firstDead = Math.min(
    ...names.slice(0, 5).flatMap((n) =>
      h
        .events(n)
        .filter((e) => e.event.type === 'leave')
        .map((e) => e.at),
    ),
  );
  assert.ok(firstSuspect >= start);
  assert.ok(firstDead - firstSuspect < 24_000, `dead after ${firstDead - firstSuspect} ms of suspicion`);
  assert.ok(firstDead - firstSuspect >= 4_000, 'never before the minimum');
});

test('our push-pull state is re-encoded after every change and reused while nothing changes', () => {
  const h = cluster(['a', 'b']);
  const a = h.swim('a');
  const req = stream({ type: 'pushPull', body: { join: false, nodes: [], userState: new Uint8Array(0) } });
  const r1 = a.handleStream(h.now, from, req);
  const r2 = a.handleStream(h.now, from, req);
  assert.ok(r1 !== null && r2 !== null);
  assert.deepEqual(r1, r2);
  h.act('a', (s, now) => s.updateMeta(now, Uint8Array.from([1])));
  const r3 = a.handleStream(h.now, from, req);
  assert.ok(r3 !== null);
  const m3 = streamMessage(r3);
  assert.ok(m3.type === 'pushPull');
  const self = m3.body.nodes.find((n) => n.name === 'a');
  assert.equal(self?.incarnation, 2, 'the reply reflects the meta update');
  assert.deepEqual(self?.meta, Uint8Array.from([1]));
  const r4 = a.handleStream(
    h.now,
    from,
    stream({ type: 'pushPull', body: { join: true, nodes: [], userState: new Uint8Array(0) } }),
  );
  assert.ok(r4 !== null);
  const m4 = streamMessage(r4);
  assert.equal(m4.type === 'pushPull' && m4.body.join, true, 'the Join flag is not taken from the cache');
});
