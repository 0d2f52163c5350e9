/**
 * The three kinds of silence (docs/failure-detection.md) as the simulator models them, seen by a
 * node that opens a stream to the silent one — the evidence the failure detector's TCP probe uses:
 *
 * - a **crashed** process on a live host: its port refuses (the kernel's reset), one round trip;
 * - a **cut-off** host: nothing answers the handshake, `unreachable` at the connect deadline;
 * - a **paused** process (SIGSTOP): its kernel completes the handshake and queues the request,
 *   nothing comes back, `timeout` at the deadline — and a process resumed in time answers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { World } from '../../src/sim/world.js';
import { EchoCore } from '../helpers/echo-core.js';

function world3(seed: number) {
  const events: string[] = [];
  const world = new World<EchoCore, string>({
    seed,
    link: { delayMs: 2, jitterMs: 0 },
    createCore: () => new EchoCore(),
  });
  world.observe({ onEvent: (now, node, e) => events.push(`${now} ${node} ${e}`) });
  for (let i = 0; i < 3; i++) world.addNode();
  /** Node 0 dials node `to` at the current time; returns the stream id. */
  const dial = (to: number, deadlineIn: number, connectIn?: number): number =>
    world.command(0, (c, now) =>
      c.openStream(
        world.address(to),
        Uint8Array.of(1, 2, 3),
        now + deadlineIn,
        true,
        connectIn === undefined ? undefined : now + connectIn,
      ),
    );
  return { world, events, dial };
}

test('a crashed process refuses at once, a cut-off host is unreachable at the connect deadline, a paused one times out', () => {
  const { world, events, dial } = world3(1);
  world.runUntil(100);

  world.crash(1);
  const refused = dial(1, 1000, 50);
  world.runUntil(1100);
  // One round trip (2 ms each way), long before the connect deadline.
  assert.ok(events.includes(`104 0 fail ${refused} refused`), events.join('\n'));

  world.net.partition([0], [2]);
  const cut = dial(2, 1000, 50);
  world.runUntil(2200);
  assert.ok(events.includes(`1150 0 fail ${cut} unreachable`), events.join('\n'));
  world.net.heal();

  world.pause(2);
  const paused = dial(2, 1000, 50);
  world.runUntil(3300);
  // The handshake completed (no unreachable at the connect deadline): the request waits in the
  // paused process's backlog and the dialer times out at the deadline.
  assert.ok(events.includes(`3200 0 fail ${paused} timeout`), events.join('\n'));
  assert.ok(!events.some((e) => e.startsWith('3200 2 stream')), 'the paused process did not answer');
});

test('a paused process that resumes before the deadline answers the stream it queued', () => {
  const { world, events, dial } = world3(2);
  world.runUntil(100);
  world.pause(1);
  const id = dial(1, 1000, 50);
  world.runUntil(500);
  world.resume(1);
  world.runUntil(1200);
  assert.ok(events.includes(`500 1 stream 3`), events.join('\n'));
  assert.ok(events.includes(`502 0 reply ${id} 3`), events.join('\n'));
  assert.ok(!events.some((e) => e.includes(`fail ${id}`)), events.join('\n'));
});
