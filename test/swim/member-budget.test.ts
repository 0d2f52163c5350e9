/**
 * Issue 11, defect 2: members with large names and meta used to be accepted without bound. 300
 * alives with 64 KiB names took a node from 67 to 311 MB and made its push-pull state exceed the
 * 20 MiB stream limit, so every later join through that node failed ("LZW output exceeds the
 * 20971520-byte limit"). Names are now limited (defect 1), but many members with 128-byte names
 * and 512-byte meta did the same: these tests flood a node with ≈ 30,000 of them (≈ 21 MiB of
 * push-pull state).
 *
 * Seen failing before the fix (budgets set to infinity): the victim kept all 30,002 members and
 * the joiner's join-result said "Failed to join 127.0.0.1: LZW output exceeds the
 * 20971520-byte limit"; one source introduced all 5,000 members it sent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from './harness.js';
import { rawPacket, VSN } from './wire-helpers.js';
import type { Message } from '../../src/wire/messages.js';
import { encodeStreamMessage } from '../../src/wire/memberlist-codec.js';
import {
  MAX_DEPARTED_MEMBER_BYTES,
  MAX_USER_EVENT_RING_BYTES,
  MAX_MEMBER_STATE_BYTES,
  MAX_NODE_NAME_BYTES,
  MAX_STREAM_BYTES,
  META_MAX_BYTES,
  NEW_MEMBERS_PER_SOURCE_BURST,
  PUSH_NODE_STATE_OVERHEAD_BYTES,
} from '../../src/wire/limits.js';
import type { Address } from '../../src/core/io.js';

/** A fake member's alive: the longest name and meta, at an address where nothing answers. */
function fakeAlive(i: number): Message {
  const tag = `fake-${i}-`;
  return {
    type: 'alive',
    body: {
      incarnation: 1,
      node: tag + 'x'.repeat(MAX_NODE_NAME_BYTES - tag.length),
      addr: Uint8Array.from([127, 1, (i >> 8) & 255, i & 255]),
      port: 9,
      meta: new Uint8Array(META_MAX_BYTES).fill(i & 255),
      vsn: VSN,
    },
  };
}

/** Source address number `n` (127.2.x.y). */
const source = (n: number): Address => ({ ip: `127.2.${(n >> 8) & 255}.${n & 255}`, port: 7946 });

/**
 * Send fake members `first` … `first + count − 1` to `victim`, 100 alives per packet, packet `k`
 * from `sourceOf(k)`.
 */
function flood(
  h: Harness,
  victim: string,
  first: number,
  count: number,
  sourceOf: (k: number) => Address,
): void {
  for (let i = first, k = 0; i < first + count; i += 100, k++) {
    const msgs: Message[] = [];
    for (let j = i; j < Math.min(i + 100, first + count); j++) msgs.push(fakeAlive(j));
    h.act(victim, (s, now) => s.handlePacket(now, sourceOf(k), rawPacket(...msgs)));
  }
}

test('the push-pull entry overhead bound holds for the largest fields', () => {
  const n = {
    name: 'n'.repeat(MAX_NODE_NAME_BYTES),
    addr: new Uint8Array(16),
    port: 65535,
    meta: new Uint8Array(META_MAX_BYTES),
    incarnation: 0xffffffff,
    state: 3,
    vsn: VSN,
  };
  const one = encodeStreamMessage({
    type: 'pushPull',
    body: { join: false, nodes: [n], userState: new Uint8Array(0) },
  });
  const none = encodeStreamMessage({
    type: 'pushPull',
    body: { join: false, nodes: [], userState: new Uint8Array(0) },
  });
  const entry = one.length - none.length;
  assert.ok(
    entry <= PUSH_NODE_STATE_OVERHEAD_BYTES + MAX_NODE_NAME_BYTES + 16 + META_MAX_BYTES,
    `one entry is ${entry} bytes`,
  );
});

test('every budget together keeps a push-pull under the stream limit by construction', () => {
  // Serf's StatusLTimes entry of a live member (name + LTime) is never larger than that member's
  // memberlist entry, so the live members count twice at most; 64 KiB covers every header.
  const worst =
    2 * MAX_MEMBER_STATE_BYTES + MAX_DEPARTED_MEMBER_BYTES + MAX_USER_EVENT_RING_BYTES + 64 * 1024;
  assert.ok(worst <= MAX_STREAM_BYTES, `${worst} > ${MAX_STREAM_BYTES}`);
});

test('a flood of members fills the member table only up to its budget, and a join through that node still succeeds', () => {
  const h = new Harness();
  h.add('a');
  h.add('b');
  h.join('b', 'a');
  assert.ok(
    h.runUntilTrue(() => h.aliveView('a').length === 2, 10_000),
    'cluster formed',
  );
  // ≈ 30,000 members × ≈ 730 bytes ≈ 21 MiB of push-pull state, from 300 sources. (Invariants
  // are checked once at the end: after every step they cost O(members) each.)
  h.checkInvariants = false;
  flood(h, 'a', 0, 30_000, (k) => source(k % 300));
  const known = h.swim('a').numKnown();
  assert.ok(known > 1_000 && known < 30_000, `a keeps part of the flood (${known} members)`);
  const stateBytes = h
    .swim('a')
    .members()
    .reduce(
      (n, m) =>
        n +
        PUSH_NODE_STATE_OVERHEAD_BYTES +
        Buffer.byteLength(m.name) +
        (m.addr.ip.includes(':') ? 16 : 4) +
        m.meta.length,
      0,
    );
  assert.ok(stateBytes <= MAX_MEMBER_STATE_BYTES, `member table ${stateBytes} bytes`);
  assert.ok(MAX_MEMBER_STATE_BYTES < MAX_STREAM_BYTES);

  h.add('z');
  const id = h.join('z', 'a');
  assert.ok(
    h.runUntilTrue(() => h.events('z').some((e) => e.event.type === 'join-result'), 30_000),
    'the join ends',
  );
  const r = h.events('z').find((e) => e.event.type === 'join-result')?.event;
  assert.ok(r?.type === 'join-result' && r.requestId === id, JSON.stringify(r));
  assert.deepEqual(r.errors, [], 'no join error');
  assert.equal(r.contacted, 1);
  assert.equal(h.swim('z').member('b')?.state, 'alive', 'z learnt the real members');
  for (const n of ['a', 'b', 'z']) h.swim(n).assertInvariants();
});

test('one source introduces at most its burst of new members; others still can', () => {
  const h = new Harness();
  h.add('a');
  const known = () => h.swim('a').numKnown() - 1;
  flood(h, 'a', 0, 5_000, () => source(1));
  const fromOne = known();
  assert.equal(fromOne, NEW_MEMBERS_PER_SOURCE_BURST, `one source added ${fromOne}`);
  flood(h, 'a', 10_000, 100, () => source(1));
  assert.equal(known(), fromOne, 'the same source is still over its rate');
  flood(h, 'a', 20_000, 100, () => source(2));
  assert.equal(known(), fromOne + 100, 'another source is not affected');
  h.runFor(1_000);
  flood(h, 'a', 30_000, 100, () => source(1));
  assert.equal(known(), fromOne + 200, 'a second later the first source may add more');
});

test('an alive with meta over 512 bytes is dropped', () => {
  const h = new Harness();
  h.add('a');
  const m = fakeAlive(1);
  if (m.type !== 'alive') throw new Error('unreachable');
  const big: Message = { type: 'alive', body: { ...m.body, meta: new Uint8Array(META_MAX_BYTES + 1) } };
  h.act('a', (s, now) => s.handlePacket(now, { ip: '127.2.0.1', port: 1 }, rawPacket(big)));
  assert.equal(h.swim('a').member(m.body.node), undefined);
});
