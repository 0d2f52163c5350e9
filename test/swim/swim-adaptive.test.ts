/**
 * Adaptive mode's core behaviour, side by side with memberlist mode where they differ
 * (docs/failure-detection.md). Virtual time, three-node clusters on the test harness.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from './harness.js';
import { messagesOf, packet } from './wire-helpers.js';
import type { Detector } from '../../src/swim/config.js';

function cluster(detector: Detector, names = ['a', 'b', 'c']): Harness {
  const h = new Harness({ config: { detector } });
  for (const n of names) h.add(n);
  for (const n of names.slice(1)) h.join(n, names[0] as string);
  const ok = h.runUntilTrue(() => names.every((n) => h.aliveView(n).length === names.length), 20_000);
  assert.ok(ok, 'cluster formed');
  h.runFor(5_000); // the join broadcasts drain
  return h;
}

function deadAt(h: Harness, observer: string, target: string): number | undefined {
  return h.events(observer).find((e) => e.event.type === 'leave' && e.event.member.name === target)?.at;
}

test('a crashed member (its port refuses the TCP probe) is declared dead by all within 3 s in adaptive mode, not before 4 s in memberlist mode', () => {
  for (const detector of ['adaptive', 'memberlist'] as const) {
    const h = cluster(detector);
    h.crash('c');
    const start = h.now;
    assert.ok(h.runUntilTrue(() => ['a', 'b'].every((n) => deadAt(h, n, 'c') !== undefined), 40_000));
    const last = Math.max(...['a', 'b'].map((n) => (deadAt(h, n, 'c') as number) - start));
    // memberlist: a probe fails after a full interval, then at least the 4 s minimum suspicion.
    if (detector === 'adaptive') assert.ok(last <= 3000, `adaptive: ${last} ms`);
    else assert.ok(last > 4000, `memberlist: ${last} ms`);
  }
});

test('an accusation we originate goes straight to every member in a small cluster (adaptive), only by gossip in memberlist mode', () => {
  for (const detector of ['adaptive', 'memberlist'] as const) {
    const h = cluster(detector);
    h.crash('c');
    const accuser = (): string | undefined =>
      ['a', 'b'].find((n) =>
        h
          .events(n)
          .some((e) => e.event.type === 'suspect' && e.event.member.name === 'c' && e.event.from === n),
      );
    assert.ok(h.runUntilTrue(() => accuser() !== undefined, 20_000));
    const x = accuser() as string;
    const at = h.now;
    const to = new Set(
      h.packets
        .filter((p) => p.at === at && p.from === x)
        .filter((p) => {
          // A packet of its own (not a piggy-back on a ping or a gossip round).
          const msgs = messagesOf(p.bytes);
          return msgs.length === 1 && msgs[0]?.type === 'suspect' && msgs[0].body.node === 'c';
        })
        .map((p) => p.to),
    );
    const other = x === 'a' ? 'b' : 'a';
    // The accused too: a live one would refute at once.
    if (detector === 'adaptive') assert.deepEqual([...to].sort(), [other, 'c'].sort());
    else assert.equal(to.size, 0);
  }
});

test('a node that missed a refutation is answered by the suspect itself and keeps it alive (adaptive); memberlist mode declares it dead', () => {
  for (const detector of ['adaptive', 'memberlist'] as const) {
    const h = cluster(detector);
    const cInc = h.swim('a').member('c')?.incarnation as number;
    // a hears nothing for 3 s, during which it is told that b suspects c, and c refutes.
    h.drop = (t) => t.to === 'a';
    const bAddr = h.addr('b');
    h.act('a', (s, now) =>
      s.handlePacket(
        now,
        bAddr,
        packet({ type: 'suspect', body: { incarnation: cInc, node: 'c', from: 'b' } }),
      ),
    );
    h.act('c', (s, now) =>
      s.handlePacket(
        now,
        bAddr,
        packet({ type: 'suspect', body: { incarnation: cInc, node: 'c', from: 'b' } }),
      ),
    );
    h.runFor(3000);
    assert.equal(h.swim('a').member('c')?.state, 'suspect');
    assert.ok((h.swim('b').member('c')?.incarnation as number) > cInc, 'b heard the refutation');
    h.drop = () => false;
    h.runFor(25_000);
    const died = deadAt(h, 'a', 'c');
    if (detector === 'adaptive') {
      assert.equal(died, undefined, 'adaptive: a never declared c dead');
      assert.equal(h.swim('a').member('c')?.state, 'alive');
    } else {
      assert.ok(died !== undefined, 'memberlist: a declared c dead on a stale suspicion');
    }
  }
});

test('a joiner sends its alive straight to every member it learnt from the seed (adaptive), only by gossip in memberlist mode', () => {
  for (const detector of ['adaptive', 'memberlist'] as const) {
    const h = cluster(detector, ['a', 'b', 'c', 'd', 'e']);
    const since = h.packets.length;
    h.add('f');
    h.join('f', 'a');
    assert.ok(
      h.runUntilTrue(() => ['a', 'b', 'c', 'd', 'e', 'f'].every((n) => h.aliveView(n).length === 6), 20_000),
    );
    const direct = new Set(
      h.packets
        .slice(since)
        .filter((p) => p.from === 'f')
        .filter((p) => {
          const msgs = messagesOf(p.bytes);
          return msgs.length === 1 && msgs[0]?.type === 'alive' && msgs[0].body.node === 'f';
        })
        .map((p) => p.to),
    );
    if (detector === 'adaptive') assert.deepEqual([...direct].sort(), ['a', 'b', 'c', 'd', 'e']);
    else assert.equal(direct.size, 0);
  }
});
