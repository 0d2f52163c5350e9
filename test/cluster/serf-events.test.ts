import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serfWorld } from './serf-world.js';
import { parseSnapshot } from '../../src/cluster/snapshot.js';
import type { SnapshotData } from '../../src/cluster/snapshot.js';

const te = new TextEncoder();
const td = new TextDecoder();

function cluster(n: number, opts: Parameters<typeof serfWorld>[0] = {}) {
  const w = serfWorld(opts);
  w.add(n);
  for (let i = 1; i < n; i++) w.join(i, 0);
  assert.ok(
    w.world.runUntilTrue(
      () => Array.from({ length: n }, (_, i) => i).every((i) => w.names(i).length === n),
      30_000,
    ),
  );
  return w;
}

test('a user event reaches every node exactly once, the sender included', () => {
  const w = cluster(5, { link: { loss: 0.05, duplicate: 0.1 } });
  w.world.command(2, (s, now) => s.userEvent(now, 'deploy', te.encode('v1')));
  w.world.command(4, (s, now) => s.userEvent(now, 'deploy', te.encode('v2'), false));
  w.world.runFor(10_000);
  for (let i = 0; i < 5; i++) {
    const got = w
      .ofType(i, 'user')
      .map((e) => `${e.name}=${td.decode(e.payload)}`)
      .sort();
    assert.deepEqual(got, ['deploy=v1', 'deploy=v2'], `node ${i}`);
  }
  const ev = w.ofType(0, 'user').find((e) => td.decode(e.payload) === 'v1');
  assert.equal(ev?.coalesce, true);
});

test('a user event above the size limit is refused before anything is sent', () => {
  const w = cluster(2);
  assert.throws(
    () => w.world.command(0, (s, now) => s.userEvent(now, 'big', new Uint8Array(600))),
    (e: unknown) => (e as { code?: string }).code === 'GP_ERR_TOO_LARGE',
  );
  // Just under the raw limit but over it once encoded: still refused.
  assert.throws(
    () => w.world.command(0, (s, now) => s.userEvent(now, 'x', new Uint8Array(510))),
    (e: unknown) => (e as { code?: string }).code === 'GP_ERR_TOO_LARGE',
  );
  w.world.runFor(3_000);
  assert.equal(w.ofType(1, 'user').length, 0);
  const clocks = w.serf(0).clocks();
  w.world.command(0, (s, now) => s.userEvent(now, 'ok', new Uint8Array(10)));
  assert.equal(w.serf(0).clocks().event, clocks.event + 1, 'the refused events did not consume clock values');
});

test('a late joiner ignores old events by default, and replays them when asked', () => {
  const w = cluster(3);
  w.world.command(0, (s, now) => s.userEvent(now, 'old', te.encode('1')));
  w.world.runFor(5_000);
  const [ignore, replay] = w.add(2);
  w.join(ignore as number, 0, true);
  w.join(replay as number, 1, false);
  w.world.runFor(5_000);
  assert.equal(w.ofType(ignore as number, 'user').length, 0);
  assert.deepEqual(
    w.ofType(replay as number, 'user').map((e) => e.name),
    ['old'],
  );
  w.world.command(1, (s, now) => s.userEvent(now, 'new', te.encode('2')));
  w.world.runFor(5_000);
  assert.deepEqual(
    w.ofType(ignore as number, 'user').map((e) => e.name),
    ['new'],
  );
});

test('queries collect acks and one response per node, then finish at the timeout', () => {
  const w = cluster(4);
  // Every node answers "load" with its name.
  w.world.observe({
    onEvent: (_now, node, e) => {
      if (e.type === 'query' && e.name === 'load') {
        w.world.at(w.world.now + 5, 'respond', (world) =>
          world.command(node, (s, now) => s.respond(now, e.queryId, te.encode(`from-${world.name(node)}`))),
        );
      }
    },
  });
  const h = w.world.command(1, (s, now) =>
    s.query(now, 'load', te.encode('?'), { requestAck: true, timeoutMs: 2_000 }),
  );
  w.world.runFor(2_500);
  const acks = w.ofType(1, 'query-ack').filter((e) => e.queryLTime === h.lTime);
  const resps = w.ofType(1, 'query-response').filter((e) => e.queryLTime === h.lTime);
  assert.deepEqual(acks.map((a) => a.from).sort(), ['node-0', 'node-1', 'node-2', 'node-3']);
  assert.deepEqual(resps.map((r) => td.decode(r.payload)).sort(), [
    'from-node-0',
    'from-node-1',
    'from-node-2',
    'from-node-3',
  ]);
  assert.equal(w.ofType(1, 'query-done').filter((e) => e.queryLTime === h.lTime).length, 1);
  // The query event carried the payload and the querier.
  const q = w.ofType(3, 'query')[0];
  assert.equal(q?.sourceNode, 'node-1');
  assert.equal(td.decode(q?.payload ?? new Uint8Array()), '?');
});

test('query filters: only matching nodes ack or deliver, but everyone still relays', () => {
  const w = cluster(5, {
    tags: (ctx): Record<string, string> => ({ role: ctx.index % 2 === 0 ? 'web' : 'db' }),
  });
  const h = w.world.command(1, (s, now) =>
    s.query(now, 'ping-web', te.encode(''), {
      requestAck: true,
      filterTags: { role: 'w.b' },
      timeoutMs: 3_000,
    }),
  );
  const h2 = w.world.command(1, (s, now) =>
    s.query(now, 'named', te.encode(''), {
      requestAck: true,
      filterNodes: ['node-3', 'node-4'],
      timeoutMs: 3_000,
    }),
  );
  w.world.runFor(3_500);
  const ackers = (lt: number) =>
    w
      .ofType(1, 'query-ack')
      .filter((e) => e.queryLTime === lt)
      .map((e) => e.from)
      .sort();
  assert.deepEqual(ackers(h.lTime), ['node-0', 'node-2', 'node-4']);
  assert.deepEqual(ackers(h2.lTime), ['node-3', 'node-4']);
  for (let i = 0; i < 5; i++) {
    const names = w.ofType(i, 'query').map((e) => e.name);
    assert.equal(names.includes('ping-web'), i % 2 === 0, `node ${i}`);
  }
});

test('a response is refused after the deadline, twice, or above the size limit', () => {
  const w = cluster(2);
  w.world.command(0, (s, now) => s.query(now, 'q', te.encode(''), { timeoutMs: 1_000 }));
  w.world.runUntilTrue(() => w.ofType(1, 'query').length === 1, 1_000, 10);
  const q = w.ofType(1, 'query')[0];
  assert.ok(q !== undefined);
  assert.throws(
    () => w.world.command(1, (s, now) => s.respond(now, q.queryId, new Uint8Array(2_000))),
    (e: unknown) => (e as { code?: string }).code === 'GP_ERR_TOO_LARGE',
  );
  w.world.command(1, (s, now) => s.respond(now, q.queryId, te.encode('once')));
  assert.throws(
    () => w.world.command(1, (s, now) => s.respond(now, q.queryId, te.encode('twice'))),
    /already sent|unknown/,
  );
  w.world.command(0, (s, now) => s.query(now, 'q2', te.encode(''), { timeoutMs: 500 }));
  w.world.runFor(1_000);
  const q2 = w.ofType(1, 'query').find((e) => e.name === 'q2');
  assert.ok(q2 !== undefined);
  assert.throws(() => w.world.command(1, (s, now) => s.respond(now, q2?.queryId ?? -1, te.encode('late'))));
  w.world.runFor(1_000);
  assert.deepEqual(
    w.ofType(0, 'query-response').map((r) => td.decode(r.payload)),
    ['once'],
  );
});

test('relayed responses arrive once per responder', () => {
  const w = cluster(5);
  w.world.observe({
    onEvent: (_now, node, e) => {
      if (e.type === 'query') w.world.command(node, (s, now) => s.respond(now, e.queryId, te.encode('r')));
    },
  });
  const h = w.world.command(0, (s, now) =>
    s.query(now, 'relay', te.encode(''), { relayFactor: 2, timeoutMs: 2_000 }),
  );
  w.world.runFor(2_500);
  const froms = w
    .ofType(0, 'query-response')
    .filter((e) => e.queryLTime === h.lTime)
    .map((e) => e.from)
    .sort();
  assert.deepEqual(froms, ['node-0', 'node-1', 'node-2', 'node-3', 'node-4']);
});

test('multicast events reach the tag group only, as user events', () => {
  const w = cluster(5, { tags: (ctx): Record<string, string> => ({ role: ctx.index < 2 ? 'web' : 'db' }) });
  w.world.command(4, (s, now) => s.multicast(now, 'reload', te.encode('cfg'), { tags: { role: '^web$' } }));
  w.world.runFor(5_000);
  for (let i = 0; i < 5; i++) {
    const got = w.ofType(i, 'user');
    if (i < 2) {
      assert.equal(got.length, 1, `node ${i}`);
      assert.equal(got[0]?.name, 'reload');
      assert.equal(got[0]?.multicast, true);
      assert.equal(td.decode(got[0]?.payload ?? new Uint8Array()), 'cfg');
    } else assert.equal(got.length, 0, `node ${i}`);
    assert.equal(w.ofType(i, 'query').length, 0, 'never surfaces as a query on our nodes');
  }
});

test('a restarted node with a snapshot rejoins its peers and replays no old event', () => {
  const snaps = new Map<number, string>();
  const holder: { restore?: SnapshotData } = {};
  const w = serfWorld({ snapshot: (ctx) => (ctx.index === 2 && ctx.life > 0 ? holder.restore : undefined) });
  w.add(3);
  w.join(1, 0);
  w.join(2, 0);
  w.world.runUntilTrue(() => w.names(2).length === 3, 10_000);
  w.world.command(0, (s, now) => s.userEvent(now, 'before', te.encode('')));
  w.world.command(0, (s, now) => s.query(now, 'q-before', te.encode(''), { timeoutMs: 500 }));
  w.world.runFor(3_000);
  assert.equal(w.ofType(2, 'user').length, 1);
  snaps.set(2, w.serf(2).snapshot()?.serialize() ?? '');
  holder.restore = parseSnapshot(snaps.get(2) ?? '');
  assert.deepEqual([...holder.restore.aliveNodes.keys()].sort(), ['node-0', 'node-1', 'node-2']);
  const eventsBefore = w.events(2).length;
  w.world.crash(2);
  w.world.runFor(2_000);
  w.world.restart(2); // no explicit join: the snapshot's members are rejoined
  assert.ok(
    w.world.runUntilTrue(() => w.names(2).length === 3, 20_000),
    'did not rejoin from the snapshot',
  );
  w.world.runFor(5_000);
  const after = w
    .events(2)
    .slice(eventsBefore)
    .map((s) => s.event);
  assert.equal(after.filter((e) => e.type === 'user').length, 0, 'an old event was replayed');
  assert.equal(after.filter((e) => e.type === 'query').length, 0, 'an old query was replayed');
  w.world.command(1, (s, now) => s.userEvent(now, 'after', te.encode('')));
  w.world.runFor(3_000);
  assert.deepEqual(
    w
      .events(2)
      .slice(eventsBefore)
      .map((s) => s.event)
      .filter((e) => e.type === 'user')
      .map((e) => (e as { name: string }).name),
    ['after'],
  );
});

test('bad query options are one ConfigError and nothing is sent', () => {
  const w = cluster(2);
  const before = w.serf(0).clocks().query;
  assert.throws(
    () =>
      w.world.command(0, (s, now) => s.query(now, 'q', te.encode(''), { relayFactor: 300, timeoutMs: -1 })),
    (e: unknown) =>
      (e as { code?: string; problems?: string[] }).code === 'GP_ERR_CONFIG' &&
      (e as { problems: string[] }).problems.length === 2,
  );
  assert.equal(w.serf(0).clocks().query, before);
  w.world.runFor(2_000);
  assert.equal(w.ofType(1, 'query').length, 0);
});

test("the querier's own ack arrives after query() returned, so a caller can register for it first", () => {
  const w = cluster(2);
  const h = w.world.command(0, (s, now) =>
    s.query(now, 'q', te.encode(''), { requestAck: true, timeoutMs: 1_000 }),
  );
  const ownAck = () => w.ofType(0, 'query-ack').some((a) => a.queryLTime === h.lTime && a.from === 'node-0');
  assert.equal(ownAck(), false, 'delivered inside the query() call');
  w.world.runFor(1);
  assert.equal(ownAck(), true);
});
