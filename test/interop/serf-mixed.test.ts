/**
 * A mixed cluster — 3 real serf agents and 3 gossip-peer nodes on 127.0.0.1 — exchanging what
 * Serf puts on top of membership: tags seen and filtered on the other side, user events and
 * queries in both directions with responses. Serf agents run event handler scripts that record
 * what they receive in a file and answer queries; they are stopped by PID in `after`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNode, type GossipNode, type NodeUserEvent } from '../../src/index.js';
import { SerfAgent, serfAvailable, type SerfCliMember } from '../helpers/serf-agent.js';
import { waitUntil } from '../helpers/wait.js';

const skip = serfAvailable() ? false : 'the serf binary is not installed (.ci/run installs it)';
const td = new TextDecoder();

const dir = mkdtempSync(join(tmpdir(), 'gp-mixed-'));
const agents: SerfAgent[] = [];
const nodes: GossipNode[] = [];
const userEvents = new Map<string, NodeUserEvent[]>();
const snapshotPath = join(dir, 'gp-3.snapshot');

function watch(n: GossipNode): GossipNode {
  userEvents.set(n.name, userEvents.get(n.name) ?? []);
  n.on('user', (e) => userEvents.get(n.name)!.push(e));
  n.on('query', (q) => {
    if (q.name === 'hello') q.respond(`hi-from-${n.name}`);
  });
  return n;
}

function logOf(agent: SerfAgent): string {
  const f = join(dir, `${agent.opts.name}.events`);
  return existsSync(f) ? readFileSync(f, 'utf8') : '';
}

async function serfMembersUntil(
  agent: SerfAgent,
  what: string,
  check: (m: SerfCliMember[]) => boolean,
  extra: string[] = [],
) {
  let last: SerfCliMember[] = [];
  try {
    return await waitUntil(
      what,
      async () => {
        last = await agent.members(extra);
        return check(last) ? last : undefined;
      },
      20_000,
      200,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last: ${JSON.stringify(last)}\n${agent.log.slice(-2000)}`);
  }
}

before(async () => {
  if (skip) return;
  for (const name of ['serf-1', 'serf-2', 'serf-3']) {
    const file = join(dir, `${name}.events`);
    agents.push(
      await SerfAgent.start({
        name,
        tags: { role: 'serf', idx: name.slice(-1) },
        join: agents.length > 0 ? [agents[0]!.addr] : [],
        eventHandlers: [
          `user=echo "user $SERF_USER_EVENT $(cat)" >> '${file}'`,
          `query:hello=printf "hi-from-$SERF_SELF_NAME"`,
          `query:gp-multicast:reload=echo "multicast reload $(cat)" >> '${file}'`,
        ],
      }),
    );
  }
  for (const name of ['gp-1', 'gp-2', 'gp-3']) {
    const n = await createNode({
      name,
      bind: '127.0.0.1:0',
      tags: { role: 'gp' },
      join: [agents[nodes.length % 3]!.addr],
      ...(name === 'gp-3' ? { snapshotPath } : {}),
    });
    nodes.push(watch(n));
  }
  const all = ['gp-1', 'gp-2', 'gp-3', 'serf-1', 'serf-2', 'serf-3'];
  for (const a of agents) {
    await serfMembersUntil(a, `${a.opts.name} to see all six alive`, (ms) =>
      all.every((n) => ms.some((m) => m.name === n && m.status === 'alive')),
    );
  }
  for (const n of nodes) {
    await waitUntil(
      `${n.name} to see all six alive`,
      () => n.members({ status: 'alive' }).length === 6,
      20_000,
    );
  }
});

after(async () => {
  await Promise.all(nodes.map((n) => n.close()));
  await Promise.all(agents.map((a) => a.stop()));
  rmSync(dir, { recursive: true, force: true });
});

test('tags set on our node are seen and filtered by serf, and serf tags by us', { skip }, async () => {
  await nodes[1]!.setTags({ role: 'api', ver: '2' });
  const filtered = await serfMembersUntil(
    agents[2]!,
    'serf-3 to list gp-2 under role=api',
    (ms) => ms.length === 1 && ms[0]!.name === 'gp-2',
    ['-tag', 'role=api'],
  );
  assert.deepEqual(filtered[0]!.tags, { role: 'api', ver: '2' });
  // Anchored regex on their side too: role=ap matches nothing.
  assert.deepEqual(await agents[2]!.members(['-tag', 'role=ap']), []);

  const r = await agents[0]!.cli(['tags', '-set', 'zone=b']);
  assert.equal(r.code, 0, r.stderr);
  await waitUntil(
    'gp-3 to see serf-1 with zone=b',
    () =>
      nodes[2]!
        .members({ tags: { zone: 'b', role: 'serf' } })
        .map((m) => m.name)
        .join() === 'serf-1',
    20_000,
  );
  assert.deepEqual(
    nodes[2]!
      .members({ tags: { role: 'serf|api' } })
      .map((m) => m.name)
      .sort(),
    ['gp-2', 'serf-1', 'serf-2', 'serf-3'],
  );
});

test(
  'serf event reaches every gossip-peer node once; our events reach every serf handler',
  { skip },
  async () => {
    const r = await agents[1]!.cli(['event', 'deploy', 'v1']);
    assert.equal(r.code, 0, r.stderr);
    for (const n of nodes) {
      await waitUntil(
        `${n.name} to get deploy`,
        () => userEvents.get(n.name)!.some((e) => e.name === 'deploy'),
        20_000,
      );
    }
    await nodes[0]!.event('rollout', 'v2', { coalesce: false });
    for (const a of agents) {
      await waitUntil(
        `${a.opts.name}'s handler to run for rollout`,
        () => logOf(a).includes('user rollout v2'),
        20_000,
      );
    }
    // Our other nodes get it by gossip too (later than the serf handlers under load).
    for (const n of nodes) {
      await waitUntil(
        `${n.name} to get rollout`,
        () => userEvents.get(n.name)!.some((e) => e.name === 'rollout'),
        20_000,
      );
    }
    // Settle (duplicates would arrive meanwhile), then check exactly-once on both sides.
    await new Promise((res) => setTimeout(res, 1500));
    for (const n of nodes) {
      const got = userEvents
        .get(n.name)!
        .map((e) => `${e.name}=${td.decode(e.payload)}`)
        .sort();
      assert.deepEqual(got, ['deploy=v1', 'rollout=v2'], n.name);
    }
    for (const a of agents) {
      assert.equal(
        logOf(a)
          .split('\n')
          .filter((l) => l.startsWith('user rollout')).length,
        1,
        a.opts.name,
      );
    }
  },
);

test(
  'serf query gets answers from our nodes; our query gets answers from serf handlers',
  { skip },
  async () => {
    const r = await agents[0]!.cli(['query', '-format=json', '-timeout=3s', 'hello', 'x']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { Acks: string[]; Responses: Record<string, string> };
    for (const n of ['gp-1', 'gp-2', 'gp-3']) assert.equal(out.Responses[n], `hi-from-${n}`, r.stdout);
    for (const n of ['serf-1', 'serf-2', 'serf-3']) assert.equal(out.Responses[n], `hi-from-${n}`, r.stdout);
    assert.equal(out.Acks.length, 6, r.stdout);

    const replies: Record<string, string> = {};
    const acks: string[] = [];
    for await (const rep of nodes[2]!.query('hello', 'y', { requestAck: true, timeoutMs: 3000 })) {
      if (rep.type === 'ack') acks.push(rep.from);
      else replies[rep.from] = td.decode(rep.payload);
    }
    assert.deepEqual(acks.sort(), ['gp-1', 'gp-2', 'gp-3', 'serf-1', 'serf-2', 'serf-3']);
    for (const n of ['gp-1', 'gp-2', 'gp-3', 'serf-1', 'serf-2', 'serf-3'])
      assert.equal(replies[n], `hi-from-${n}`);

    // A tag-filtered query from serf reaches only the matching side.
    const f = await agents[1]!.cli(['query', '-format=json', '-timeout=3s', '-tag', 'role=g.', 'hello', 'z']);
    const fo = JSON.parse(f.stdout) as { Acks: string[]; Responses: Record<string, string> };
    assert.deepEqual(Object.keys(fo.Responses).sort(), ['gp-1', 'gp-3'], f.stdout);
  },
);

test('a multicast from our node reaches the serf handlers of its group only', { skip }, async () => {
  await nodes[0]!.event('reload', 'to-serf', { tags: { role: '^serf$', idx: '[12]' } });
  for (const a of agents.slice(0, 2)) {
    await waitUntil(
      `${a.opts.name}'s handler to get the multicast`,
      () => logOf(a).includes('multicast reload to-serf'),
      20_000,
    );
  }
  // gp-2's role is 'api' since the tags test.
  await nodes[0]!.event('reload', 'to-gp', { tags: { role: '^(gp|api)$' } });
  for (const n of nodes) {
    await waitUntil(
      `${n.name} to get the multicast`,
      () => userEvents.get(n.name)!.some((e) => e.multicast),
      20_000,
    );
  }
  await new Promise((res) => setTimeout(res, 1500));
  assert.ok(!logOf(agents[2]!).includes('multicast'), 'serf-3 is outside both groups');
  for (const a of agents) assert.ok(!logOf(a).includes('to-gp'), `${a.opts.name} is outside the gp group`);
  for (const n of nodes) {
    const mc = userEvents.get(n.name)!.filter((e) => e.multicast);
    assert.deepEqual(
      mc.map((e) => td.decode(e.payload)),
      ['to-gp'],
      n.name,
    );
  }
});

test(
  'our node restarted from its snapshot rejoins the serf cluster and replays no old event',
  { skip },
  async () => {
    const old = nodes[2]!;
    const before = userEvents.get('gp-3')!.length;
    assert.ok(before > 0, 'gp-3 saw the earlier events');
    const port = old.address.port;
    await old.close(); // no leave: a crash as far as the cluster can tell
    await serfMembersUntil(agents[0]!, 'serf-1 to see gp-3 failed', (ms) =>
      ms.some((m) => m.name === 'gp-3' && m.status === 'failed'),
    );
    const back = watch(
      await createNode({ name: 'gp-3', bind: `127.0.0.1:${port}`, tags: { role: 'gp' }, snapshotPath }),
    );
    nodes[2] = back;
    for (const a of agents) {
      await serfMembersUntil(a, `${a.opts.name} to see gp-3 alive again`, (ms) =>
        ms.some((m) => m.name === 'gp-3' && m.status === 'alive'),
      );
    }
    await waitUntil(
      'gp-3 to see the cluster again',
      () => back.members({ status: 'alive' }).length === 6,
      20_000,
    );
    const r = await agents[1]!.cli(['event', 'after-restart']);
    assert.equal(r.code, 0);
    await waitUntil('gp-3 to get the new event', () => userEvents.get('gp-3')!.length > before, 20_000);
    await new Promise((res) => setTimeout(res, 1000));
    assert.deepEqual(
      userEvents
        .get('gp-3')!
        .slice(before)
        .map((e) => e.name),
      ['after-restart'],
      'an old event was replayed',
    );
  },
);
