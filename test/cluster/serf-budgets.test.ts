/**
 * Issue 11, defect 2, the Serf layer's part: what Serf remembers beyond memberlist's member table
 * — departed members (kept 24 h for reconnects and tombstones), intents about unknown nodes, the
 * user-event ring — travels in push-pull or sits in memory, so each has a budget
 * (wire/limits.ts). serf 0.9.4 bounds none of them.
 *
 * Seen failing before the fix: 12,000 fake members that came and went all stayed `failed` (no
 * member-reap); the leave intent buffered before a flood of 12,000 others still applied; all 100
 * events of 60 KiB were delivered.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Serf } from '../../src/cluster/serf.js';
import type { SerfEvent } from '../../src/cluster/events.js';
import { resolveSerfConfig } from '../../src/cluster/config.js';
import { encodeSerfMessage } from '../../src/cluster/codec.js';
import { Swim } from '../../src/swim/swim.js';
import { resolveConfig } from '../../src/swim/config.js';
import { SeededRandom } from '../../src/core/random.js';
import type { Address } from '../../src/core/io.js';
import type { Message, SerfMessage } from '../../src/wire/messages.js';
import { packet, VSN } from '../swim/wire-helpers.js';
import {
  MAX_DEPARTED_MEMBER_BYTES,
  MAX_NODE_NAME_BYTES,
  MAX_USER_EVENT_RING_BYTES,
} from '../../src/wire/limits.js';

/** One Serf core on a virtual clock; outputs are dropped (nobody else is there). */
function lonelySerf() {
  const random = new SeededRandom(5);
  let now = 1_000;
  const config = resolveSerfConfig({ nodeName: 'victim', tags: {} });
  const serf = new Serf({
    config,
    random,
    now,
    createSwim: (delegate) =>
      new Swim({
        name: 'victim',
        advertise: { ip: '127.0.0.1', port: 7946 },
        config: resolveConfig({}, 'lan'),
        now,
        random,
        delegate,
      }),
  });
  const events: SerfEvent[] = [];
  const drain = () => {
    serf.drainOutputs();
    events.push(...serf.drainEvents());
  };
  drain();
  return {
    serf,
    events,
    send(from: Address, ...msgs: Message[]) {
      serf.handlePacket(now, from, packet(...msgs));
      drain();
    },
    runFor(ms: number) {
      const end = now + ms;
      for (let i = 0; i < 1_000_000; i++) {
        const d = serf.nextDeadline();
        if (d === undefined || d > end) break;
        now = Math.max(now, d);
        serf.tick(now);
        drain();
      }
      now = end;
    },
  };
}

const longName = (tag: string) => tag + 'x'.repeat(MAX_NODE_NAME_BYTES - tag.length);
const serfUser = (m: SerfMessage): Message => ({ type: 'user', body: encodeSerfMessage(m) });
const src = (n: number): Address => ({ ip: `127.3.${(n >> 8) & 255}.${n & 255}`, port: 7946 });

test('members that come and go are remembered only up to the departed budget, oldest reaped first', () => {
  const s = lonelySerf();
  const perRound = 1_000;
  const rounds = 12;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < perRound; i += 50) {
      const names = Array.from({ length: 50 }, (_, k) => longName(`fake-${r * perRound + i + k}-`));
      const from = src(r * 20 + i / 50);
      s.send(
        from,
        ...names.map((node, k): Message => ({
          type: 'alive',
          body: {
            incarnation: 1,
            node,
            addr: Uint8Array.from([127, 4, r, k]),
            port: 9,
            meta: new Uint8Array(0),
            vsn: VSN,
          },
        })),
      );
      s.send(
        from,
        ...names.map((node): Message => ({ type: 'dead', body: { incarnation: 1, node, from: 'someone' } })),
      );
    }
    // memberlist forgets dead members after GossipToTheDead (30 s); Serf keeps them as failed.
    s.runFor(35_000);
  }
  const failed = s.serf.members().filter((m) => m.status === 'failed');
  const cost = 2 * MAX_NODE_NAME_BYTES + 16;
  assert.ok(failed.length <= MAX_DEPARTED_MEMBER_BYTES / cost, `${failed.length} failed members kept`);
  assert.ok(failed.length >= MAX_DEPARTED_MEMBER_BYTES / cost - 1, `${failed.length} failed members kept`);
  const reaped = s.events.filter((e) => e.type === 'member-reap').length;
  assert.equal(reaped, rounds * perRound - failed.length, 'every member forgotten was reported reaped');
  const kept = new Set(failed.map((m) => m.name));
  assert.ok(!kept.has(longName('fake-0-')), 'the first to fail was reaped');
  assert.ok(kept.has(longName(`fake-${rounds * perRound - 1}-`)), 'the last to fail is kept');
});

test('intents about unknown nodes are buffered only up to their budget, oldest forgotten first', () => {
  const s = lonelySerf();
  const x = longName('early-');
  s.send(src(1), serfUser({ type: 'leave', body: { lTime: 5, node: x, prune: false } }));
  for (let i = 0; i < 12_000; i += 50) {
    const msgs = Array.from({ length: 50 }, (_, k) =>
      serfUser({ type: 'join', body: { lTime: 10, node: longName(`intent-${i + k}-`) } }),
    );
    s.send(src(2 + i / 50), ...msgs);
  }
  // x appears: with its leave intent still buffered it would start as `leaving`.
  s.send(src(1), {
    type: 'alive',
    body: {
      incarnation: 1,
      node: x,
      addr: Uint8Array.from([127, 5, 0, 1]),
      port: 9,
      meta: new Uint8Array(0),
      vsn: VSN,
    },
  });
  assert.equal(s.serf.members().find((m) => m.name === x)?.status, 'alive');
});

test('the user-event ring holds at most its budget; events beyond it are dropped, not delivered', () => {
  const s = lonelySerf();
  const payload = new Uint8Array(60 * 1024).fill(1);
  for (let i = 0; i < 100; i++) {
    s.send(
      src(1),
      serfUser({ type: 'userEvent', body: { lTime: 100 + i, name: `big-${i}`, payload, cc: false } }),
    );
  }
  const delivered = s.events.filter((e) => e.type === 'user').length;
  assert.ok(delivered < 100, `${delivered} delivered`);
  assert.ok(delivered * payload.length <= MAX_USER_EVENT_RING_BYTES, `${delivered} delivered`);
  assert.ok((delivered + 1) * (payload.length + 64) > MAX_USER_EVENT_RING_BYTES, `${delivered} delivered`);
});
