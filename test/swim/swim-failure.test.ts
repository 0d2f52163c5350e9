import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from './harness.js';
import type { SwimEvent } from '../../src/swim/api.js';

function cluster(names: string[], h = new Harness()): Harness {
  for (const n of names) h.add(n);
  for (const n of names.slice(1)) h.join(n, names[0] as string);
  const ok = h.runUntilTrue(() => names.every((n) => h.aliveView(n).length === names.length), 20_000);
  assert.ok(ok, 'cluster formed');
  return h;
}

const isLeave = (e: SwimEvent, name: string) => e.type === 'leave' && e.member.name === name;

test('a silent node is suspected, then declared dead exactly 4 s later in a 3-node lan cluster', () => {
  const h = cluster(['a', 'b', 'c']);
  h.crash('c');
  const start = h.now;
  const dead = h.runUntilTrue(() => ['a', 'b'].every((n) => h.swim(n).member('c')?.state === 'dead'), 30_000);
  assert.ok(dead, 'c declared dead by a and b');
  // The node whose own probe raised the suspicion declares death at suspicion start + 4000 ms.
  let raisedBySomeone = false;
  for (const n of ['a', 'b']) {
    const sus = h
      .events(n)
      .find((e) => e.event.type === 'suspect' && e.event.member.name === 'c' && e.event.from === n);
    if (sus === undefined) continue;
    raisedBySomeone = true;
    const leave = h.events(n).find((e) => isLeave(e.event, 'c'));
    assert.ok(leave !== undefined && leave.event.type === 'leave');
    assert.ok(sus.at >= start);
    assert.equal(leave.at - sus.at, 4000, `${n}: dead exactly 4 s after its suspicion`);
    assert.equal(leave.event.member.state, 'dead');
  }
  assert.ok(raisedBySomeone, 'some survivor suspected c itself');
});

test('a ping is answered by an ack and the delegate learns the round-trip time', () => {
  const h = new Harness();
  const rtts: number[] = [];
  h.add('a', {
    delegate: {
      nodeMeta: () => new Uint8Array(0),
      notifyUserMessage: () => {},
      getBroadcasts: () => [],
      localState: () => new Uint8Array(0),
      mergeRemoteState: () => {},
      ackPayload: () => null,
      notifyPingComplete: (_now, member, rtt) => {
        assert.equal(member.name, 'b');
        rtts.push(rtt);
      },
    },
  });
  h.add('b');
  h.join('b', 'a');
  h.latencyMs = 3;
  h.runFor(5_000);
  assert.ok(rtts.length >= 3, `pings completed: ${rtts.length}`);
  assert.ok(
    rtts.every((r) => r === 6),
    `round trips are 2 × 3 ms: ${rtts.join(',')}`,
  );
  assert.equal(h.swim('a').healthScore(), 0);
});

test('a node cut off for less than the suspicion timeout refutes with a higher incarnation and is never declared dead', () => {
  const h = cluster(['a', 'b', 'c']);
  const cut = { on: true };
  h.drop = (t) => cut.on && (t.from === 'c' || t.to === 'c');
  const suspected = h.runUntilTrue(
    () => ['a', 'b'].some((n) => h.swim(n).member('c')?.state === 'suspect'),
    10_000,
  );
  assert.ok(suspected, 'c becomes suspect');
  cut.on = false;
  const refuted = h.runUntilTrue(
    () =>
      ['a', 'b'].every(
        (n) => h.swim(n).member('c')?.state === 'alive' && (h.swim(n).member('c')?.incarnation ?? 0) >= 2,
      ),
    10_000,
  );
  assert.ok(refuted, 'a and b see c alive again with a higher incarnation');
  h.runFor(30_000);
  for (const n of ['a', 'b']) {
    assert.equal(h.events(n).filter((e) => isLeave(e.event, 'c')).length, 0, `${n} never declared c dead`);
  }
  const refutes = h.events('c').filter((e) => e.event.type === 'refute');
  assert.ok(refutes.length >= 1);
  assert.equal(h.swim('c').self.state, 'alive');
  assert.ok(h.swim('c').self.incarnation >= 2);
});

test('a graceful leave shows the node as left everywhere and ends with leave-done', () => {
  const h = cluster(['a', 'b', 'c']);
  h.act('c', (s, now) => s.leave(now, 5000));
  const done = h.runUntilTrue(() => h.events('c').some((e) => e.event.type === 'leave-done'), 10_000);
  assert.ok(done, 'leave-done');
  const ld = h.events('c').find((e) => e.event.type === 'leave-done')?.event;
  assert.deepEqual(ld, { type: 'leave-done' }, 'finished by transmission, not by timeout');
  const seen = h.runUntilTrue(() => ['a', 'b'].every((n) => h.swim(n).member('c')?.state === 'left'), 5_000);
  assert.ok(seen, 'a and b record c as left');
  for (const n of ['a', 'b']) {
    const ev = h.events(n).find((e) => isLeave(e.event, 'c'));
    assert.ok(ev !== undefined && ev.event.type === 'leave' && ev.event.member.state === 'left');
  }
  assert.equal(h.swim('c').self.state, 'left');
  h.runFor(40_000);
  assert.equal(h.swim('a').member('c')?.state, 'left', 'left members are kept (memberlist 0.2.2)');
});

test('leaving alone finishes at once; a second leave() reports leave-done again', () => {
  const h = new Harness();
  h.add('a');
  h.act('a', (s, now) => s.leave(now, 1000));
  assert.deepEqual(
    h
      .events('a')
      .filter((e) => e.event.type === 'leave-done')
      .map((e) => e.event),
    [{ type: 'leave-done' }],
  );
  h.act('a', (s, now) => s.leave(now, 1000));
  assert.equal(h.events('a').filter((e) => e.event.type === 'leave-done').length, 2);
});

test('a leave whose broadcast cannot go out in time ends with leave-done timedOut at the timeout', () => {
  const h = new Harness();
  h.add('a');
  // No gossip rounds on b: its dead(self) only rides on its once-a-second probes, and 2 nodes
  // need 4 transmissions, so the 700 ms timeout comes first.
  h.add('b', { config: { gossipIntervalMs: 0 } });
  h.join('b', 'a');
  h.runFor(2_000);
  h.crash('a');
  const start = h.now;
  h.act('b', (s, now) => s.leave(now, 700));
  h.runFor(2_000);
  const ld = h.events('b').filter((e) => e.event.type === 'leave-done');
  assert.equal(ld.length, 1);
  assert.deepEqual(ld[0]?.event, { type: 'leave-done', timedOut: true });
  assert.equal((ld[0]?.at ?? 0) - start, 700);
});
