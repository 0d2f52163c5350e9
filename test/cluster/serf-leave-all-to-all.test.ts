/**
 * A graceful leave in a small cluster with the adaptive detector: the leave intent goes straight to
 * every member (and by gossip), then dead(self) all-to-all. Every other node must report a leave,
 * never a failure, also under loss (docs/failure-detection.md, all-to-all).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serfWorld } from './serf-world.js';

for (const [loss, seed] of [
  [0, 81],
  [0.1, 82],
  [0.2, 83],
] as const) {
  test(`a node leaving a 16-node cluster is reported left, never failed, by every other node (${loss * 100}% loss)`, () => {
    const n = 16;
    const w = serfWorld({ seed });
    w.add(n);
    for (let i = 1; i < n; i++) w.join(i, 0);
    const all = Array.from({ length: n }, (_, i) => w.world.name(i)).sort();
    assert.ok(
      w.world.runUntilTrue(() => all.every((_, i) => w.names(i).join() === all.join()), 30_000),
      'cluster did not converge',
    );
    w.world.net.setDefaultLink({ loss });
    for (const leaver of [5, 9, 13]) {
      const name = w.world.name(leaver);
      w.world.command(leaver, (s, now) => s.leave(now));
      const others = Array.from({ length: n }, (_, i) => i).filter(
        (i) => ![5, 9, 13].includes(i) || i > leaver,
      );
      const reported = () =>
        others.every((i) => w.ofType(i, 'member-leave').some((e) => e.member.name === name));
      assert.ok(w.world.runUntilTrue(reported, 30_000), `${name}: not reported left by all; seed ${seed}`);
      for (const i of others) {
        const failed = w.ofType(i, 'member-failed').filter((e) => e.member.name === name);
        assert.deepEqual(failed, [], `${w.world.name(i)} reported ${name} failed; seed ${seed}`);
      }
    }
  });
}
