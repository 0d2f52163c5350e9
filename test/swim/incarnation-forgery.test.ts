/**
 * Issue 11, defect 3: incarnation wraparound (memberlist 0.2.2 has the same flaw). One forged
 * alive at incarnation 2^32 − 1 pinned forged tags on a live member in others' views; one forged
 * dead at 2^32 − 1 left a live node failed in others' views for good, because its refutation
 * wrapped to 0 and was ignored.
 *
 * Seen failing before the fix: the forged meta stayed in a's view and b's next update never
 * arrived; b stayed dead in a's and c's views after 60 s; after the wrap b's refutation at 0 was
 * ignored and b stayed dead; the implausible accusation made b dead in a's view.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from './harness.js';
import { packet, VSN } from './wire-helpers.js';
import type { Message } from '../../src/wire/messages.js';
import { MAX_INCARNATION_JUMP } from '../../src/wire/limits.js';
import type { Address } from '../../src/core/io.js';
import { isNewer, isOlder, refutationOf } from '../../src/swim/incarnation.js';

const TOP = 0xffffffff;
const ATTACKER: Address = { ip: '127.0.0.66', port: 40000 };
const text = (s: string) => new TextEncoder().encode(s);

function cluster(): Harness {
  const h = new Harness();
  h.add('a');
  h.add('b', { meta: text('real') });
  h.add('c');
  h.join('b', 'a');
  h.join('c', 'a');
  assert.ok(
    h.runUntilTrue(() => ['a', 'b', 'c'].every((n) => h.aliveView(n).length === 3), 20_000),
    'cluster formed',
  );
  return h;
}

function forge(h: Harness, to: string[], msg: Message): void {
  for (const n of to) h.act(n, (s, now) => s.handlePacket(now, ATTACKER, packet(msg)));
}

const metaOf = (h: Harness, viewer: string, member: string) =>
  new TextDecoder().decode(h.swim(viewer).member(member)?.meta ?? new Uint8Array(0));

test('incarnations compare as serial numbers: 0 follows 2^32 − 1, a jump of 2^31 or more is not newer', () => {
  assert.ok(isNewer(0, TOP));
  assert.ok(isNewer(6, 5));
  assert.ok(!isNewer(TOP, 5), '2^32 − 1 is behind 5');
  assert.ok(isOlder(TOP, 5));
  assert.ok(!isNewer(5, 5) && !isOlder(5, 5));
  assert.equal(refutationOf(TOP, TOP), 0, 'the refutation wraps');
  assert.equal(refutationOf(7, 3), 8, 'an old accusation is refuted one past our own');
  assert.equal(refutationOf(7, 100), 101, 'a newer one, one past it');
});

test('a forged alive at incarnation 2^32 − 1 does not pin forged tags', () => {
  const h = cluster();
  const b = h.swim('a').member('b');
  assert.ok(b !== undefined);
  const forged: Message = {
    type: 'alive',
    body: {
      incarnation: TOP,
      node: 'b',
      addr: Uint8Array.from([127, 0, 0, 1]),
      port: b.addr.port,
      meta: text('forged'),
      vsn: VSN,
    },
  };
  forge(h, ['a', 'c'], forged);
  h.runFor(2_000);
  assert.equal(metaOf(h, 'a', 'b'), 'real');
  h.act('b', (s, now) => s.updateMeta(now, text('real-2')));
  assert.ok(
    h.runUntilTrue(() => metaOf(h, 'a', 'b') === 'real-2' && metaOf(h, 'c', 'b') === 'real-2', 10_000),
    `b's own update reaches a and c (a sees ${metaOf(h, 'a', 'b')})`,
  );
});

test('a forged dead at incarnation 2^32 − 1 does not leave a live node failed', () => {
  const h = cluster();
  forge(h, ['a', 'c'], { type: 'dead', body: { incarnation: TOP, node: 'b', from: 'mallory' } });
  h.runFor(60_000);
  for (const n of ['a', 'c']) assert.equal(h.swim(n).member('b')?.state, 'alive', `b in ${n}'s view`);
});

test('an accusation implausibly far ahead of what we know is not believed', () => {
  const h = cluster();
  const known = h.swim('a').member('b')?.incarnation as number;
  forge(h, ['a'], {
    type: 'dead',
    body: { incarnation: known + MAX_INCARNATION_JUMP + 1, node: 'b', from: 'mallory' },
  });
  assert.equal(h.swim('a').member('b')?.state, 'alive');
  assert.equal(h.firstEvent('a', 'leave', 'b'), undefined);
});

test('a node pushed to incarnation 2^32 − 1 and accused there refutes at 0, and everyone takes it back', () => {
  const h = cluster();
  // Walk b to the top the way an attacker could: forged alives about b, each under 2^31 ahead,
  // which b refutes one past (and which b's peers accept as its refutations).
  for (const inc of [2 ** 31 - 10, 2 ** 32 - 20, TOP - 1]) {
    forge(h, ['b'], {
      type: 'alive',
      body: {
        incarnation: inc,
        node: 'b',
        addr: Uint8Array.from([127, 0, 0, 1]),
        port: h.addr('b').port,
        meta: text('x'),
        vsn: VSN,
      },
    });
    h.runFor(3_000);
  }
  assert.equal(h.swim('b').self.incarnation, TOP);
  assert.ok(
    h.runUntilTrue(() => ['a', 'c'].every((n) => h.swim(n).member('b')?.incarnation === TOP), 10_000),
    'a and c follow b to 2^32 − 1',
  );
  // Now an accusation at the top: believable (no jump), and b must refute past it.
  forge(h, ['a', 'c'], { type: 'dead', body: { incarnation: TOP, node: 'b', from: 'mallory' } });
  assert.equal(h.swim('a').member('b')?.state, 'dead');
  assert.ok(
    h.runUntilTrue(() => ['a', 'c'].every((n) => h.swim(n).member('b')?.state === 'alive'), 10_000),
    'b is alive again in every view',
  );
  assert.ok(h.swim('b').self.incarnation < 10, `b's incarnation wrapped (${h.swim('b').self.incarnation})`);
  assert.equal(metaOf(h, 'a', 'b'), 'real', 'with its own tags');
});
