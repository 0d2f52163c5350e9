import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { Harness } from './harness.js';
import { messagesOf } from './wire-helpers.js';
import type { SwimDelegate } from '../../src/swim/api.js';
import { Interner } from '../../src/swim/interner.js';
import { PreloadBatch } from '../../src/swim/preload.js';

function traceHash(seedSalt: number): string {
  const h = new Harness();
  const names = ['a', 'b', 'c', 'd', 'e'];
  for (const n of names) h.add(n, { seed: seedSalt * 1000 + n.charCodeAt(0) });
  for (const n of names.slice(1)) h.join(n, 'a');
  h.runFor(5_000);
  h.crash('e');
  h.runFor(30_000);
  const sha = createHash('sha256');
  for (const p of h.packets) sha.update(`${p.at} ${p.from} ${p.to} `).update(p.bytes);
  for (const n of names)
    for (const e of h.events(n))
      sha.update(
        `${n} ${e.at} ${JSON.stringify(e.event, (_k, v) => (v instanceof Uint8Array ? [...v] : v))}`,
      );
  return sha.digest('hex');
}

test('the same seeds replay the identical packet and event trace; other seeds differ', () => {
  assert.equal(traceHash(1), traceHash(1));
  assert.notEqual(traceHash(1), traceHash(2));
});

/** A delegate that queues Serf-like broadcasts of random sizes. */
function chattyDelegate(sizes: number[]): SwimDelegate {
  let i = 0;
  return {
    nodeMeta: () => new Uint8Array(0),
    notifyUserMessage: () => {},
    getBroadcasts: (overhead, limit) => {
      const out: Uint8Array[] = [];
      let used = 0;
      while (i < sizes.length) {
        const len = sizes[i] as number;
        if (used + len + overhead > limit) break;
        out.push(new Uint8Array(len).fill(3));
        used += len + overhead;
        i++;
      }
      return out;
    },
    localState: () => new Uint8Array(0),
    mergeRemoteState: () => {},
    ackPayload: () => null,
  };
}

test('property: no packet has an empty part or over 127 parts, and no compound exceeds the UDP budget', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 12 }),
      fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 400 }),
      fc.integer({ min: 0, max: 512 }),
      fc.integer({ min: 200, max: 1400 }),
      (n, sizes, metaLen, budget) => {
        const h = new Harness({ config: { udpBufferBytes: budget } });
        h.checkInvariants = false;
        const names = Array.from({ length: n }, (_, i) => `n${i}`);
        for (const name of names) {
          h.add(name, {
            meta: new Uint8Array(metaLen).fill(7),
            delegate: name === 'n0' ? chattyDelegate(sizes) : undefined,
          });
        }
        for (const name of names.slice(1)) h.join(name, 'n0');
        h.runFor(3_000);
        for (const name of names) h.swim(name).assertInvariants();
        for (const p of h.packets) {
          const msgs = messagesOf(p.bytes);
          assert.ok(msgs.length > 0, 'never an empty packet');
          if (p.bytes[0] === 7) {
            assert.ok((p.bytes[1] as number) <= 127, 'at most 127 parts');
            assert.ok(p.bytes.length <= budget, `compound of ${p.bytes.length} bytes over ${budget}`);
          }
          if (p.bytes[0] === 7 || (p.bytes[0] === 12 && p.bytes[5] === 7)) {
            const body = p.bytes[0] === 12 ? p.bytes.subarray(5) : p.bytes;
            for (let i = 0; i < (body[1] as number); i++) {
              const len = ((body[2 + 2 * i] as number) << 8) | (body[3 + 2 * i] as number);
              assert.ok(len > 0, 'no empty part');
            }
            assert.ok(p.bytes.length <= budget, `packet of ${p.bytes.length} bytes over ${budget}`);
          }
        }
      },
    ),
    { numRuns: 25 },
  );
});

test('a broadcast originated by a node is handed out exactly the retransmit limit (4 for 3 nodes)', () => {
  const h = new Harness();
  for (const n of ['a', 'b', 'c']) h.add(n);
  h.join('b', 'a');
  h.join('c', 'a');
  h.runFor(10_000);
  const since = h.now;
  h.act('a', (s, now) => s.updateMeta(now, Uint8Array.from([1, 2, 3])));
  h.runFor(10_000);
  const copies = h.packets
    .filter((p) => p.from === 'a' && p.at >= since)
    .flatMap((p) => messagesOf(p.bytes))
    .filter((m) => m.type === 'alive' && m.body.node === 'a' && m.body.incarnation === 2).length;
  assert.equal(copies, 4);
});

test('dead members are forgotten after gossipToTheDead at a probe-list wrap-around, freeing their ids', () => {
  const interner = new Interner();
  const h = new Harness({ interner });
  for (const n of ['a', 'b', 'c']) h.add(n);
  h.join('b', 'a');
  h.join('c', 'a');
  h.runFor(3_000);
  h.crash('c');
  h.runUntilTrue(() => h.swim('a').member('c')?.state === 'dead', 20_000);
  const deadAt = h.now;
  h.runFor(29_000);
  assert.equal(h.swim('a').member('c')?.state, 'dead', 'still remembered within gossipToTheDead');
  h.runFor(10_000);
  assert.equal(h.swim('a').member('c'), undefined, 'forgotten after it');
  assert.equal(h.swim('b').member('c'), undefined);
  assert.ok(h.now - deadAt > 30_000);
  // Only the crashed core still holds c's name (its own self entry).
  assert.equal(interner.refCounts('name', interner.lookupName('c')), 1);
});

test('anti-entropy push-pull delivers an update that gossip lost', () => {
  const h = new Harness();
  for (const n of ['a', 'b', 'c']) h.add(n);
  h.join('b', 'a');
  h.join('c', 'a');
  h.runFor(3_000);
  // Every UDP packet from a is lost; streams (push-pull, TCP pings) still work.
  h.drop = (t) => t.kind === 'packet' && t.from === 'a';
  h.act('a', (s, now) => s.updateMeta(now, Uint8Array.from([9])));
  const ok = h.runUntilTrue(() => ['b', 'c'].every((n) => h.swim(n).member('a')?.incarnation === 2), 70_000);
  assert.ok(ok, 'b and c learned incarnation 2 through push-pull');
  for (const n of ['b', 'c']) {
    assert.deepEqual(h.swim(n).member('a')?.meta, Uint8Array.from([9]));
    assert.equal(h.events(n).filter((e) => e.event.type === 'leave').length, 0, 'a was never declared dead');
  }
});

test('a pre-joined world: every core learns every member from one batch, within 40 bytes per member', () => {
  const interner = new Interner();
  const h = new Harness({ interner, config: { gossipIntervalMs: 0, pushPullIntervalMs: 0 } });
  h.checkInvariants = false;
  const n = 300;
  const names = Array.from({ length: n }, (_, i) => `node-${i}`);
  for (const name of names) h.add(name, { meta: Uint8Array.from([0xff, 0x80]) });
  const batch = new PreloadBatch(
    interner,
    names.map((name) => ({
      name,
      addr: h.addr(name),
      meta: Uint8Array.from([0xff, 0x80]),
      incarnation: 1,
      vsn: [1, 5, 2, 2, 5, 5] as const,
    })),
  );
  for (const name of names) {
    h.act(name, (s, now) => s.preload(now, batch));
    assert.equal(h.swim(name).numAlive(), n);
    assert.equal(h.swim(name).members().length, n);
  }
  assert.equal(h.events('node-7').length, 1, 'no events besides our own join');
  const perMember = names.reduce((sum, name) => sum + h.swim(name).memberTableBytes(), 0) / (n * n);
  assert.ok(perMember <= 40, `bytes per known member: ${perMember.toFixed(1)}`);
  batch.release();
  assert.deepEqual(interner.stats(), { names: n, addrs: n, metas: 1 });
  for (const name of names.slice(0, 3)) h.swim(name).assertInvariants();
});

test('a pre-joined world works: a crashed node is declared dead by every other node', () => {
  const interner = new Interner();
  const h = new Harness({ interner });
  const names = Array.from({ length: 40 }, (_, i) => `node-${i}`);
  for (const name of names) h.add(name);
  const batch = new PreloadBatch(
    interner,
    names.map((name) => ({
      name,
      addr: h.addr(name),
      meta: new Uint8Array(0),
      incarnation: 1,
      vsn: [1, 5, 2, 2, 5, 5] as const,
    })),
  );
  for (const name of names) h.act(name, (s, now) => s.preload(now, batch));
  h.runFor(2_000);
  h.crash('node-0');
  const others = names.slice(1);
  const dead = h.runUntilTrue(
    () => others.every((x) => h.swim(x).member('node-0')?.state === 'dead'),
    120_000,
  );
  assert.ok(dead);
  for (const x of others) assert.equal(h.events(x).filter((e) => e.event.type === 'leave').length, 1);
});
