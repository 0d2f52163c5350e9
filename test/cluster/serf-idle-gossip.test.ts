/**
 * An idle node stops its gossip ticker (memberlist's fires every 200 ms and sends nothing when no
 * broadcast is queued) and wakes it as soon as anything is queued, by the Swim core or by the
 * Serf layer: same packets as memberlist, a fifth of the wake-ups. Virtual time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serfWorld } from './serf-world.js';

const te = new TextEncoder();

test('an idle Serf node wakes about once per probe interval, and a user event queued while idle still reaches every node at once', () => {
  const w = serfWorld({ seed: 7 });
  const ids = w.add(4);
  for (const i of ids.slice(1)) w.join(i, 0);
  assert.ok(w.world.runUntilTrue(() => ids.every((i) => w.names(i).length === 4), 20_000));
  w.world.runFor(30_000); // join broadcasts and intents drain

  const core = w.serf(1);
  let ticks = 0;
  const tick = core.tick.bind(core);
  core.tick = (now: number): void => {
    ticks++;
    tick(now);
  };
  w.world.runFor(10_000);
  // A probe per second and its ack deadline (plus a rare reap or push-pull): about 20, where a
  // ticker that never idles adds 50 gossip rounds.
  assert.ok(ticks <= 25, `${ticks} wake-ups in 10 s`);

  const sent = w.world.now;
  w.world.command(1, (s, now) => s.userEvent(now, 'deploy', te.encode('v1'), false));
  assert.ok(
    w.world.runUntilTrue(() => ids.every((i) => w.ofType(i, 'user').some((e) => e.name === 'deploy')), 5_000),
    'every node got the event',
  );
  // Gossip restarted at the next 200 ms round: a few rounds at most, not the next probe.
  assert.ok(w.world.now - sent <= 1_000, `delivered after ${w.world.now - sent} ms`);
});
