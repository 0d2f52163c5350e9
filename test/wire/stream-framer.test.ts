/**
 * Issue 11, defect 6: stream framing rescanned the whole buffer on every chunk (≈ 8 ms per
 * buffered MiB per chunk), so a few slow push-pulls of 20 MiB stalled the process for seconds.
 * The framer now resumes where it stopped. Work is counted, not timed: every byte the framer
 * reads goes through a counting proxy.
 *
 * Seen failing before the fix: with the stateless `streamFrameLength` as the framer, a 5,000-node
 * push-pull fed in 500 chunks read 18,893,777 bytes for a 373,537-byte message (the fixed one
 * reads fewer bytes than the message has: it reads headers and skips payloads).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StreamFramer, newStreamFramer, sealStream, streamFrameLength } from '../../src/wire/stream.js';
import { encodeStreamMessage } from '../../src/wire/memberlist-codec.js';
import type { PushNodeState } from '../../src/wire/messages.js';
import { Keyring } from '../../src/wire/keyring.js';
import { SeededRandom } from '../../src/core/random.js';

const VSN = Uint8Array.from([1, 5, 2, 2, 5, 5]);

function pushPull(nodes: number, userState = new Uint8Array(0)): Uint8Array {
  const list: PushNodeState[] = [];
  for (let i = 0; i < nodes; i++) {
    list.push({
      name: `node-${i}`,
      addr: Uint8Array.from([10, 0, (i >> 8) & 255, i & 255]),
      port: 7946,
      meta: Uint8Array.from([0xff, 0x80]),
      incarnation: i,
      state: 0,
      vsn: VSN,
    });
  }
  return encodeStreamMessage({ type: 'pushPull', body: { join: false, nodes: list, userState } });
}

const frameFn = (f: StreamFramer) => (buf: Uint8Array) => f.frameLength(buf);

/** A view whose indexed reads are counted (methods such as subarray go to the real array). */
function counted(view: Uint8Array, counter: { reads: number }): Uint8Array {
  return new Proxy(view, {
    get(target, prop) {
      if (typeof prop === 'string' && prop.length > 0 && prop.charCodeAt(0) >= 48 && prop.charCodeAt(0) <= 57)
        counter.reads++;
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** Feed `msg` in `chunks` pieces to a fresh framer; returns the length it found and the bytes it read. */
function feed(
  msg: Uint8Array,
  chunks: number,
  framer: (buf: Uint8Array) => number | undefined = frameFn(newStreamFramer()),
): { length: number | undefined; reads: number; early: boolean } {
  const counter = { reads: 0 };
  const step = Math.ceil(msg.length / chunks);
  let early = false;
  for (let end = step; ; end += step) {
    const view = msg.subarray(0, Math.min(end, msg.length));
    const n = framer(counted(view, counter));
    if (end < msg.length) {
      if (n !== undefined) early = true;
      continue;
    }
    return { length: n, reads: counter.reads, early };
  }
}

test('a push-pull fed in many chunks is framed with work linear in its size', () => {
  const msg = pushPull(5_000);
  const r = feed(msg, 500);
  assert.equal(r.length, msg.length);
  assert.equal(r.early, false, 'no length before the last chunk');
  assert.ok(r.reads <= 2 * msg.length, `read ${r.reads} bytes for a ${msg.length}-byte message`);
});

test('a push-pull of 20,000 members in 2,000 chunks takes no more steps than members and chunks', () => {
  const msg = pushPull(20_000, new Uint8Array(50_000).fill(7));
  const f = new StreamFramer();
  const step = Math.ceil(msg.length / 2_000);
  let n: number | undefined;
  for (let end = step; n === undefined; end += step)
    n = f.frameLength(msg.subarray(0, Math.min(end, msg.length)));
  assert.equal(n, msg.length);
  // One step per msgpack value of the header and node states (7 fields, keys and values), plus
  // at most one repeated step per chunk.
  assert.ok(f.steps <= 20_000 * 15 + 2_000 + 20, `${f.steps} steps`);
});

test('property: any chunking of any stream message gives the one-shot length, and none before the end', () => {
  const rnd = new SeededRandom(3);
  const keyring = new Keyring([new Uint8Array(16).fill(1)]);
  const messages = [
    pushPull(3),
    pushPull(40, Uint8Array.from([1, 2, 3])),
    encodeStreamMessage({ type: 'user', body: new Uint8Array(300).fill(9) }),
    encodeStreamMessage({
      type: 'ping',
      body: { seqNo: 7, node: 'n', sourceAddr: new Uint8Array(4), sourcePort: 1, sourceNode: 's' },
    }),
    sealStream(pushPull(10), { compress: true, keyring: null }, rnd),
    sealStream(pushPull(10), { compress: false, keyring }, rnd),
  ];
  fc.assert(
    fc.property(
      fc.constantFrom(...messages),
      fc.array(fc.nat(), { maxLength: 12 }),
      fc.nat(50),
      (msg, cuts, extra) => {
        const whole = streamFrameLength(msg);
        assert.equal(whole, msg.length);
        // Trailing bytes after the message do not change its length.
        const withTail = new Uint8Array(msg.length + extra);
        withTail.set(msg);
        const points = [...new Set(cuts.map((c) => c % withTail.length))].sort((a, b) => a - b);
        const framer = newStreamFramer();
        const f = frameFn(framer);
        for (const p of points) {
          const n = f(withTail.subarray(0, p));
          assert.equal(n, p >= msg.length ? msg.length : undefined, `at ${p} of ${msg.length}`);
        }
        assert.equal(f(withTail), msg.length);
      },
    ),
    { numRuns: 300, seed: 11 },
  );
});

test('garbage is refused as soon as it is seen, whatever the chunking', () => {
  const f = newStreamFramer();
  assert.equal(f.frameLength(Uint8Array.from([6])), undefined, 'a push-pull header may follow');
  assert.throws(() => f.frameLength(Uint8Array.from([6, 0xc1])), { code: 'GP_ERR_DECODE' });
  assert.throws(() => newStreamFramer().frameLength(Uint8Array.from([0x77])), { code: 'GP_ERR_DECODE' });
});

test('the header is done once an encrypted length, a push-pull header map or a first value header is in', () => {
  const pp = pushPull(3);
  const f = newStreamFramer();
  f.frameLength(pp.subarray(0, 5));
  assert.equal(f.headerDone, false, 'part of the header map');
  f.frameLength(pp.subarray(0, 40));
  assert.equal(f.headerDone, true);
  const enc = sealStream(
    pp,
    { compress: false, keyring: new Keyring([new Uint8Array(16)]) },
    new SeededRandom(1),
  );
  const g = newStreamFramer();
  g.frameLength(enc.subarray(0, 4));
  assert.equal(g.headerDone, false);
  g.frameLength(enc.subarray(0, 5));
  assert.equal(g.headerDone, true);
  const h = newStreamFramer();
  h.frameLength(Uint8Array.from([0]));
  assert.equal(h.headerDone, false, 'a ping type byte alone');
});
