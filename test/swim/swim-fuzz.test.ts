/**
 * Hostile and random inputs: whatever arrives, the core never throws out of its driver methods and
 * its invariants hold after every step.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Swim } from '../../src/swim/swim.js';
import { resolveConfig } from '../../src/swim/config.js';
import { SeededRandom } from '../../src/core/random.js';
import type { Message, PushNodeState } from '../../src/wire/messages.js';
import { rawPacket, rawPushPull, stream } from './wire-helpers.js';

const names = ['self', 'a', 'b', 'c', 'd'];
const nameArb = fc.constantFrom(...names);
const incArb = fc.integer({ min: 0, max: 6 });
const ipArb = fc.oneof(
  fc.constant(Uint8Array.from([127, 0, 0, 1])),
  fc.constant(Uint8Array.from([127, 0, 0, 2])),
  fc.constant(Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1])),
  fc.uint8Array({ minLength: 0, maxLength: 6 }),
);
const vsnArb = fc.oneof(
  fc.constant(Uint8Array.from([1, 5, 2, 2, 5, 5])),
  fc.constant(Uint8Array.from([1, 5, 2, 2, 5, 5])),
  fc.uint8Array({ minLength: 0, maxLength: 7 }),
);
const portArb = fc.constantFrom(0, 7000, 7001, 7946);

const aliveArb = fc.record({
  incarnation: incArb,
  node: nameArb,
  addr: ipArb,
  port: portArb,
  meta: fc.uint8Array({ maxLength: 8 }),
  vsn: vsnArb,
});
const messageArb: fc.Arbitrary<Message> = fc.oneof(
  aliveArb.map((body) => ({ type: 'alive' as const, body })),
  fc
    .record({ incarnation: incArb, node: nameArb, from: nameArb })
    .map((body) => ({ type: 'suspect' as const, body })),
  fc
    .record({ incarnation: incArb, node: nameArb, from: nameArb })
    .map((body) => ({ type: 'dead' as const, body })),
  fc
    .record({ seqNo: fc.integer({ min: 0, max: 20 }), node: fc.constantFrom('', 'self', 'zz') })
    .map((body) => ({ type: 'ping' as const, body })),
  fc
    .record({ seqNo: fc.integer({ min: 0, max: 20 }), payload: fc.constant(null) })
    .map((body) => ({ type: 'ack' as const, body })),
  fc.record({ seqNo: fc.integer({ min: 0, max: 20 }) }).map((body) => ({ type: 'nack' as const, body })),
  fc
    .record({
      seqNo: fc.integer({ min: 0, max: 20 }),
      target: ipArb,
      port: portArb,
      node: nameArb,
      nack: fc.boolean(),
    })
    .map((body) => ({ type: 'indirectPing' as const, body })),
  fc.uint8Array({ minLength: 1, maxLength: 8 }).map((body) => ({ type: 'user' as const, body })),
);
const nodeStateArb: fc.Arbitrary<PushNodeState> = fc.record({
  name: nameArb,
  addr: ipArb,
  port: portArb,
  meta: fc.uint8Array({ maxLength: 4 }),
  incarnation: incArb,
  state: fc.integer({ min: 0, max: 5 }),
  vsn: vsnArb,
});

type Step =
  | { kind: 'packet'; msgs: Message[] }
  | { kind: 'garbage'; bytes: Uint8Array }
  | { kind: 'pushPull'; join: boolean; nodes: PushNodeState[] }
  | { kind: 'tick'; ms: number }
  | { kind: 'reply'; ok: boolean }
  | { kind: 'leave' }
  | { kind: 'meta'; len: number }
  | { kind: 'join' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .array(messageArb, { minLength: 1, maxLength: 4 })
      .map((msgs) => ({ kind: 'packet' as const, msgs })),
  },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 40 }).map((bytes) => ({ kind: 'garbage' as const, bytes })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ join: fc.boolean(), nodes: fc.array(nodeStateArb, { maxLength: 5 }) })
      .map((r) => ({ kind: 'pushPull' as const, ...r })),
  },
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 3000 }).map((ms) => ({ kind: 'tick' as const, ms })) },
  { weight: 2, arbitrary: fc.boolean().map((ok) => ({ kind: 'reply' as const, ok })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 600 }).map((len) => ({ kind: 'meta' as const, len })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'join' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'leave' as const }) },
);

test('property: random messages, push-pulls, garbage, commands and time never break the core', () => {
  fc.assert(
    fc.property(fc.array(stepArb, { maxLength: 60 }), fc.integer({ min: 1, max: 1000 }), (steps, seed) => {
      let now = 1000;
      const s = new Swim({
        name: 'self',
        advertise: { ip: '127.0.0.1', port: 7946 },
        config: resolveConfig({}, 'lan'),
        now,
        random: new SeededRandom(seed),
      });
      const from = { ip: '127.0.0.9', port: 9999 };
      const openStreams: number[] = [];
      for (const st of steps) {
        switch (st.kind) {
          case 'packet':
            s.handlePacket(now, from, rawPacket(...st.msgs));
            break;
          case 'garbage':
            s.handlePacket(now, from, st.bytes);
            s.handleStream(now, from, st.bytes);
            break;
          case 'pushPull':
            s.handleStream(now, from, rawPushPull(st.join, st.nodes));
            break;
          case 'tick':
            now += st.ms;
            s.tick(now);
            break;
          case 'reply': {
            const id = openStreams.shift();
            if (id !== undefined)
              s.handleStreamReply(
                now,
                id,
                st.ok ? stream({ type: 'ack', body: { seqNo: 1, payload: null } }) : { kind: 'timeout' },
              );
            break;
          }
          case 'meta':
            try {
              s.updateMeta(now, new Uint8Array(st.len));
            } catch (e) {
              assert.ok(
                (e as { code?: string }).code === 'GP_ERR_TOO_LARGE' ||
                  (e as { code?: string }).code === 'GP_ERR_STATE',
              );
            }
            break;
          case 'join':
            s.join(now, [{ ip: '127.0.0.1', port: 7001 }]);
            break;
          case 'leave':
            s.leave(now, 1000);
            break;
        }
        for (const o of s.drainOutputs()) {
          if (o.kind === 'stream') openStreams.push(o.id);
          else assert.ok(o.bytes.length > 0);
        }
        s.drainEvents();
        s.assertInvariants();
        const d = s.nextDeadline();
        assert.ok(d !== undefined, 'the probe ticker is always armed');
      }
    }),
    { numRuns: 200 },
  );
});
