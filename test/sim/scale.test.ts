import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PUSH_PULL_AUTO_OFF_ABOVE, runSimulation } from '../../src/sim/run.js';
import { resolveConfig } from '../../src/swim/config.js';

/**
 * A member record's layout (src/swim/members.ts): state change time (Float64), incarnation,
 * address id and meta id (Uint32 each), state (Uint8), six Vsn bytes, and one probe-list slot
 * (Int32). Names, addresses and meta are interned once per world, not per record.
 */
const RECORD_BYTES =
  Float64Array.BYTES_PER_ELEMENT +
  3 * Uint32Array.BYTES_PER_ELEMENT +
  7 * Uint8Array.BYTES_PER_ELEMENT +
  Int32Array.BYTES_PER_ELEMENT;

test('2,000 pre-joined nodes under 5% loss: nobody falsely dead, views agree, updates reach all within the epidemic bound, 31-byte records', () => {
  const nodes = 2000;
  const config = resolveConfig({}, 'lan');
  // Three meta updates, from nodes 0, 1 and 2; each must reach the 1,999 others.
  const updates = [0, 1, 2].map((node, k) => ({
    node,
    at: 2000 + 3000 * k,
    seen: new Set<number>(),
    doneAt: -1,
  }));
  const report = runSimulation({
    nodes,
    seconds: 16,
    seed: 11,
    loss: 0.05,
    bootstrap: 'prejoined',
    pushPull: 'off',
    setup: (world) => {
      world.observe({
        onEvent: (now, node, e) => {
          if (e.type !== 'update') return;
          for (const u of updates) {
            if (e.member.name !== world.name(u.node) || node === u.node || now < u.at) continue;
            u.seen.add(node);
            if (u.seen.size === nodes - 1 && u.doneAt < 0) u.doneAt = now;
          }
        },
      });
      for (const u of updates) {
        world.at(u.at, `update ${u.node}`, (w) =>
          w.command(u.node, (c, now) => c.updateMeta(now, Uint8Array.of(u.node + 1))),
        );
      }
    },
  });
  const f = report.figures;
  assert.equal(f.pushPull, 'off');
  assert.equal(f.pushPullAuto, false);
  // Loss causes suspicions (each one gossiped to 2,000 nodes), and they are all refuted in time.
  assert.ok(f.falseSuspicions > 0, 'the loss is real: some probes failed');
  assert.equal(f.falseFailures, 0, 'no live node declared dead');
  assert.equal(f.converged, true, f.convergenceDetail);
  assert.equal(f.convergenceCheck, 'exact');
  // Epidemic dissemination: log_{f+1} N + ln(N)/f rounds for fanout f; allow twice that for loss,
  // probe piggy-backing gaps and the per-node gossip timers being out of phase.
  const fanout = config.gossipNodes;
  const bound = Math.log(nodes) / Math.log(fanout + 1) + Math.log(nodes) / fanout;
  for (const u of updates) {
    assert.equal(u.seen.size, nodes - 1, `update of node ${u.node} reached every other node`);
    const rounds = (u.doneAt - u.at) / config.gossipIntervalMs;
    assert.ok(rounds <= 2 * bound, `update of node ${u.node}: ${rounds} rounds, bound ${bound.toFixed(1)}`);
  }
  // Every live node holds every member: N·N records (self included), each within the layout's
  // 31 bytes plus the table's capacity rounding.
  assert.equal(f.memory.memberRecords, nodes * nodes);
  assert.equal(RECORD_BYTES, 31);
  assert.ok(
    f.memory.tableBytesPerMember >= RECORD_BYTES && f.memory.tableBytesPerMember <= RECORD_BYTES * 1.05,
    `${f.memory.tableBytesPerMember} B per member`,
  );
});

test('periodic push-pull is on up to the auto threshold and off above it, unless told', () => {
  const small = runSimulation({ nodes: 40, seconds: 40, seed: 2, bootstrap: 'prejoined' });
  assert.equal(small.figures.pushPull, 'on');
  assert.ok(small.figures.network.streamsOpened > 0, 'push-pull streams were opened');
  const off = runSimulation({ nodes: 40, seconds: 40, seed: 2, bootstrap: 'prejoined', pushPull: 'off' });
  assert.equal(off.figures.pushPull, 'off');
  // Without loss no probe needs the TCP fallback: every stream was a push-pull.
  assert.equal(off.figures.network.streamsOpened, 0);
  assert.ok(PUSH_PULL_AUTO_OFF_ABOVE >= 1000);
});
