/**
 * Issue 11, defect 1: one alive with a 65,536-byte name, for a member at an address where nothing
 * answers, used to switch failure detection off. Probing that member threw while encoding the
 * ping (a compound part is limited to 65,535 bytes), the probe deadline was never armed again,
 * and a member killed afterwards stayed alive in the victim's view for good.
 *
 * Seen failing before the fix: the first test threw `EncodeError: a compound part is limited to
 * 65535 bytes` out of `tick` (the real driver logged it and lost the probe schedule); the second
 * threw the injected fault out of `tick` the same way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from './harness.js';
import { VSN } from './wire-helpers.js';
import { sealPacket } from '../../src/wire/packet.js';
import { encodeMessage } from '../../src/wire/memberlist-codec.js';
import { EncodeError } from '../../src/wire/errors.js';
import { Keyring } from '../../src/wire/keyring.js';
import { MAX_NODE_NAME_BYTES } from '../../src/wire/limits.js';
import { SeededRandom } from '../../src/core/random.js';
import type { Address } from '../../src/core/io.js';
import type { SwimDelegate } from '../../src/swim/api.js';

const ATTACKER: Address = { ip: '127.0.0.66', port: 40000 };

function cluster(h: Harness, names: string[]): void {
  for (const n of names) h.add(n);
  for (const n of names.slice(1)) h.join(n, names[0] as string);
  const ok = h.runUntilTrue(() => names.every((n) => h.aliveView(n).length === names.length), 20_000);
  assert.ok(ok, 'cluster formed');
}

/** An LZW-compressed alive for `name` at 127.0.0.2:9, where nothing answers (≈ 520 bytes for 64 KiB). */
function aliveFor(name: string): Uint8Array {
  const alive = encodeMessage({
    type: 'alive',
    body: {
      incarnation: 1,
      node: name,
      addr: Uint8Array.from([127, 0, 0, 2]),
      port: 9,
      meta: new Uint8Array(0),
      vsn: VSN,
    },
  });
  return sealPacket([alive], { compress: true, crc: false, keyring: null }, new SeededRandom(1));
}

/** Time from `c`'s crash until every survivor lists it dead (or undefined after `maxMs`). */
function detectCrash(h: Harness, survivors: string[], victim: string, maxMs: number): number | undefined {
  h.crash(victim);
  const start = h.now;
  const dead = h.runUntilTrue(
    () => survivors.every((n) => h.swim(n).member(victim)?.state === 'dead'),
    maxMs,
  );
  return dead ? h.now - start : undefined;
}

test('an alive whose name exceeds the limit is dropped, and a later crash is still detected', () => {
  const h = new Harness();
  cluster(h, ['a', 'b', 'c']);
  const packet = aliveFor('x'.repeat(65_536));
  assert.ok(packet.length < 1_000, `the attack fits one datagram (${packet.length} bytes)`);
  h.act('a', (s, now) => s.handlePacket(now, ATTACKER, packet));
  assert.equal(h.swim('a').member('x'.repeat(65_536)), undefined, 'the long name is not a member');
  // Several probe rounds: in the old code the first probe of that member switched probing off.
  h.runFor(10_000);
  const ms = detectCrash(h, ['a', 'b'], 'c', 30_000);
  assert.ok(ms !== undefined, 'c is declared dead by a and b');
  // lan: a probe round (≤ 3 members × 1 s) + suspicion (4 s at n = 3) + the 500 ms probe timeout.
  assert.ok(ms <= 10_000, `detected in ${ms} ms`);
});

test('a name of exactly the limit is a member; one byte more is not', () => {
  const h = new Harness();
  cluster(h, ['a', 'b']);
  const atLimit = 'n'.repeat(MAX_NODE_NAME_BYTES);
  const over = 'o'.repeat(MAX_NODE_NAME_BYTES + 1);
  // Bytes, not characters: 'é' is two bytes in UTF-8.
  const overInBytes = 'é'.repeat(Math.floor(MAX_NODE_NAME_BYTES / 2) + 1);
  for (const name of [atLimit, over, overInBytes])
    h.act('a', (s, now) => s.handlePacket(now, ATTACKER, aliveFor(name)));
  assert.equal(h.swim('a').member(atLimit)?.state, 'alive');
  assert.equal(h.swim('a').member(over), undefined);
  assert.equal(h.swim('a').member(overInBytes), undefined);
});

/** A keyring whose encryption (the last step of every send) fails while `failing` is set. */
class FlakyKeyring extends Keyring {
  failing = false;
  failures = 0;
  override primary(): Uint8Array {
    if (this.failing) {
      this.failures++;
      throw new EncodeError('injected encoder fault');
    }
    return super.primary();
  }
}

test('a send that fails in the encoder is dropped: probing stays armed and a later crash is detected', () => {
  const key = new Uint8Array(32).fill(7);
  const flaky = new FlakyKeyring([key]);
  const h = new Harness();
  h.add('a', { config: { keyring: flaky } });
  for (const n of ['b', 'c']) h.add(n, { config: { keyring: new Keyring([key]) } });
  for (const n of ['b', 'c']) h.join(n, 'a');
  const formed = h.runUntilTrue(() => ['a', 'b', 'c'].every((n) => h.aliveView(n).length === 3), 20_000);
  assert.ok(formed, 'cluster formed');
  // Every packet and stream `a` emits for 1.5 s fails to encode: at least one probe's ping (one
  // probe per second), acks and gossip. The harness checks a's invariants (a probe is in flight
  // or scheduled) after every step.
  flaky.failing = true;
  h.runFor(1_500);
  flaky.failing = false;
  assert.ok(flaky.failures >= 1, `faults injected: ${flaky.failures}`);
  const ms = detectCrash(h, ['a', 'b'], 'c', 30_000);
  assert.ok(ms !== undefined, 'c is declared dead by a and b after the faults');
  assert.ok(ms <= 10_000, `detected in ${ms} ms`);
});

test('a step that throws half-way (a delegate bug) is let through, and every schedule stays armed', () => {
  let failing = false;
  let thrown = 0;
  const delegate: SwimDelegate = {
    nodeMeta: () => new Uint8Array(0),
    notifyUserMessage: () => {},
    getBroadcasts: () => {
      if (failing) {
        thrown++;
        throw new Error('delegate bug');
      }
      return [];
    },
    localState: () => new Uint8Array(0),
    mergeRemoteState: () => {},
    ackPayload: () => null,
  };
  const h = new Harness();
  h.add('a', { delegate });
  h.add('b');
  h.add('c');
  for (const n of ['b', 'c']) h.join(n, 'a');
  const formed = h.runUntilTrue(() => ['a', 'b', 'c'].every((n) => h.aliveView(n).length === 3), 20_000);
  assert.ok(formed, 'cluster formed');
  // For 1.5 s every packet `a` sends throws in the middle of the step that sends it (a probe, a
  // gossip round, an ack). Like the driver, log and carry on; after each throw the harness checks
  // a's invariants (a probe in flight or scheduled, every suspicion with its deadline).
  failing = true;
  const end = h.now + 1_500;
  for (let i = 0; i < 1_000 && h.now < end; i++) {
    try {
      h.runUntil(end);
    } catch (e) {
      assert.match((e as Error).message, /delegate bug/);
      h.act('a', () => {});
    }
  }
  failing = false;
  assert.ok(thrown >= 2, `faults injected: ${thrown}`);
  const ms = detectCrash(h, ['a', 'b'], 'c', 30_000);
  assert.ok(ms !== undefined, 'c is declared dead by a and b after the faults');
});

test('a node refuses to start with a name others would drop', () => {
  const h = new Harness();
  assert.throws(() => h.add('n'.repeat(MAX_NODE_NAME_BYTES + 1)), { code: 'GP_ERR_CONFIG' });
  assert.equal(h.add('n'.repeat(MAX_NODE_NAME_BYTES)).self.name.length, MAX_NODE_NAME_BYTES);
});
