/**
 * The agent's HTTP API against real agents in this process (real gossip sockets on 127.0.0.1,
 * real HTTP): answers, filters, writes (event, tags, query, leave), and every kind of bad request
 * answered with a JSON error while the agent keeps serving.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { connect } from 'node:net';
import { request } from 'node:http';
import { startAgent, type AgentIo, type RunningAgent } from '../../src/agent/agent.js';
import { resolveAgentConfig, type AgentConfigInput } from '../../src/agent/config.js';
import { TransportError } from '../../src/transport/errors.js';
import { formatAddress } from '../../src/core/io.js';
import { freePort } from '../helpers/ports.js';
import { waitUntil } from '../helpers/wait.js';

interface TestAgent {
  agent: RunningAgent;
  out: string[];
  signals: EventEmitter;
  base: string;
}

async function start(node: string, extra: AgentConfigInput = {}): Promise<TestAgent> {
  const out: string[] = [];
  const signals = new EventEmitter();
  const io: AgentIo = {
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: () => true },
    signals: signals as unknown as AgentIo['signals'],
  };
  const config = resolveAgentConfig({
    node,
    bind: '127.0.0.1:0',
    http: '127.0.0.1:0',
    events: 'json',
    profile: 'local',
    logLevel: 'silent',
    ...extra,
  });
  const agent = await startAgent(config, io);
  return { agent, out, signals, base: `http://${formatAddress(agent.http!.address)}` };
}

function events(t: TestAgent): { event: string; name?: string; member?: { name: string; tags: object } }[] {
  return t.out.map((l) => JSON.parse(l) as { event: string });
}

async function call(
  base: string,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; headers: Record<string, unknown>; text: string; json: unknown }> {
  const res = await fetch(`${base}${path}`, { method, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: Object.fromEntries(res.headers), text, json };
}

async function stopAll(list: (TestAgent | undefined)[]): Promise<void> {
  await Promise.all(
    list.map(async (t) => {
      if (!t) return;
      await t.agent.node.close();
      await t.agent.http?.close();
    }),
  );
}

test('members, self and filters answer what the node sees', async () => {
  let a: TestAgent | undefined;
  let b: TestAgent | undefined;
  try {
    a = await start('api-a', { tags: ['role=db'] });
    b = await start('api-b', { tags: ['role=web'], join: [formatAddress(a.agent.node.address)] });
    await waitUntil('a to see b', () => a!.agent.node.members({ status: 'alive' }).length === 2);

    const all = await call(a.base, 'GET', '/v1/members');
    assert.equal(all.status, 200);
    assert.equal(all.headers['content-type'], 'application/json');
    const list = (all.json as { members: { name: string; port: number; tags: object; protocol: object }[] })
      .members;
    assert.deepEqual(list.map((m) => m.name).sort(), ['api-a', 'api-b']);
    const mb = list.find((m) => m.name === 'api-b')!;
    assert.equal(mb.port, b.agent.node.address.port);
    assert.deepEqual(mb.tags, { role: 'web' });
    assert.deepEqual(Object.keys(mb.protocol), ['min', 'max', 'version']);

    const web = await call(a.base, 'GET', '/v1/members?tag=role%3Dweb');
    assert.deepEqual(
      (web.json as { members: { name: string }[] }).members.map((m) => m.name),
      ['api-b'],
    );
    const regex = await call(a.base, 'GET', '/v1/members?tag=role%3Dd.*&status=alive&name=api-.');
    assert.deepEqual(
      (regex.json as { members: { name: string }[] }).members.map((m) => m.name),
      ['api-a'],
    );
    const none = await call(a.base, 'GET', '/v1/members?status=failed');
    assert.deepEqual((none.json as { members: unknown[] }).members, []);
    assert.equal(typeof (none.json as { index: unknown }).index, 'number');
    assert.equal(none.headers['x-gossip-peer-index'], String((none.json as { index: number }).index));

    const self = await call(b.base, 'GET', '/v1/self');
    const s = self.json as { member: { name: string; status: string }; bind: string; advertise: string };
    assert.equal(s.member.name, 'api-b');
    assert.equal(s.member.status, 'alive');
    assert.equal(s.bind, formatAddress(b.agent.node.address));
    assert.equal(s.advertise, s.bind);
    assert.equal((self.json as { detector: string }).detector, 'adaptive');

    // prom-client loads on this first scrape: the members gauge and what the core counted before it.
    const metrics = await call(a.base, 'GET', '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.text, /^gossip_peer_members\{status="alive"\} 2$/m);
    assert.match(metrics.text, /^serf_member_join [1-9]/m);
    assert.match(metrics.text, /^gossip_peer_process_resident_memory_bytes /m);
  } finally {
    await stopAll([a, b]);
  }
});

test('bad requests get a JSON error with a status and code, and the agent keeps serving', async () => {
  let a: TestAgent | undefined;
  try {
    a = await start('api-bad');
    const cases: [string, string, string | undefined, number, string][] = [
      ['GET', '/v1/nothing', undefined, 404, 'GP_ERR_NOT_FOUND'],
      ['DELETE', '/v1/members', undefined, 405, 'GP_ERR_METHOD'],
      ['GET', '/v1/members?status=((', undefined, 400, 'GP_ERR_CONFIG'],
      ['GET', '/v1/members?tag=novalue', undefined, 400, 'GP_ERR_CONFIG'],
      ['GET', '/v1/members?colour=red', undefined, 400, 'GP_ERR_CONFIG'],
      ['POST', '/v1/event', '{not json', 400, 'GP_ERR_CONFIG'],
      ['POST', '/v1/event', '[1,2]', 400, 'GP_ERR_CONFIG'],
      ['POST', '/v1/event', '{"payload":"x"}', 400, 'GP_ERR_CONFIG'],
      ['POST', '/v1/event', '{"name":"e","extra":1}', 400, 'GP_ERR_CONFIG'],
      ['POST', '/v1/event', '{"name":"e","payload":"%%","encoding":"base64"}', 400, 'GP_ERR_CONFIG'],
      ['POST', '/v1/event', '{"name":"e","encoding":"rot13"}', 400, 'GP_ERR_CONFIG'],
      [
        'POST',
        '/v1/event',
        JSON.stringify({ name: 'big', payload: 'x'.repeat(2000) }),
        400,
        'GP_ERR_TOO_LARGE',
      ],
      ['POST', '/v1/event', 'x'.repeat(70 * 1024), 413, 'GP_ERR_TOO_LARGE'],
      ['POST', '/v1/tags', '{"set":{"a":1}}', 400, 'GP_ERR_CONFIG'],
      ['POST', '/v1/tags', JSON.stringify({ set: { big: 'x'.repeat(600) } }), 400, 'GP_ERR_TOO_LARGE'],
      ['POST', '/v1/query', '{"name":"q","relayFactor":999}', 400, 'GP_ERR_CONFIG'],
      ['POST', '/v1/leave', '{"now":true}', 400, 'GP_ERR_CONFIG'],
    ];
    for (const [method, path, body, status, code] of cases) {
      const r = await call(a.base, method, path, body);
      assert.equal(r.status, status, `${method} ${path} ${body?.slice(0, 40)}: ${r.text}`);
      const err = (r.json as { error?: { code: string; message: string } }).error;
      assert.equal(err?.code, code, `${method} ${path}: ${r.text}`);
      assert.equal(typeof err?.message, 'string');
    }
    const allow = await call(a.base, 'PUT', '/v1/leave');
    assert.equal(allow.headers['allow'], 'POST');

    // A garbage request line on a raw socket: 400 and a close, no crash.
    const port = a.agent.http!.address.port;
    const reply = await new Promise<string>((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => s.write('\x00\x01garbage\r\n\r\n'));
      let got = '';
      s.on('data', (d) => (got += d.toString()));
      s.on('end', () => resolve(got));
      s.on('error', reject);
    });
    assert.match(reply, /^HTTP\/1\.1 400/);
    // A client that disconnects mid-body.
    await new Promise<void>((resolve) => {
      const req = request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/v1/event',
        headers: { 'content-length': 1000 },
      });
      req.on('error', () => resolve());
      req.write('{"name":');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });
    const still = await call(a.base, 'GET', '/v1/self');
    assert.equal(still.status, 200);
    assert.equal(a.agent.node.closed, false);
  } finally {
    await stopAll([a]);
  }
});

test('event, tags and query act on the cluster: the other agent prints them, a handler script answers', async () => {
  let a: TestAgent | undefined;
  let b: TestAgent | undefined;
  try {
    a = await start('act-a');
    b = await start('act-b', {
      join: [formatAddress(a.agent.node.address)],
      eventHandlers: ['query:ping=printf pong-from-$SERF_SELF_NAME'],
    });
    await waitUntil('a to see b', () => a!.agent.node.members({ status: 'alive' }).length === 2);

    const ev = await call(
      a.base,
      'POST',
      '/v1/event',
      JSON.stringify({ name: 'deploy', payload: 'djQy', encoding: 'base64' }),
    );
    assert.equal(ev.status, 200, ev.text);
    const got = await waitUntil('b to print the user event', () =>
      events(b!).find((e) => e.event === 'user' && e.name === 'deploy'),
    );
    assert.deepEqual(
      { ...got, ts: 0, ltime: 0 },
      {
        ts: 0,
        node: 'act-b',
        event: 'user',
        name: 'deploy',
        payload: 'v42',
        encoding: 'utf8',
        ltime: 0,
        coalesce: true,
      },
    );

    const tags = await call(a.base, 'POST', '/v1/tags', JSON.stringify({ set: { role: 'api', tmp: '1' } }));
    assert.deepEqual(tags.json, { tags: { role: 'api', tmp: '1' } });
    const del = await call(a.base, 'POST', '/v1/tags', JSON.stringify({ delete: ['tmp'] }));
    assert.deepEqual(del.json, { tags: { role: 'api' } });
    await waitUntil('b to print the member-update with the final tags', () =>
      events(b!).find(
        (e) =>
          e.event === 'member-update' &&
          e.member?.name === 'act-a' &&
          JSON.stringify(e.member.tags) === '{"role":"api"}',
      ),
    );

    const q = await call(
      a.base,
      'POST',
      '/v1/query',
      JSON.stringify({ name: 'ping', requestAck: true, timeoutMs: 3000 }),
    );
    assert.equal(q.status, 200);
    assert.equal(q.headers['content-type'], 'application/x-ndjson');
    const lines = q.text
      .trimEnd()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            type: string;
            from?: string;
            payload?: string;
            acks?: number;
            responses?: number;
          },
      );
    assert.deepEqual(lines.at(-1), { type: 'done', acks: 2, responses: 1 });
    assert.deepEqual(
      lines.filter((l) => l.type === 'response'),
      [{ type: 'response', from: 'act-b', payload: 'pong-from-act-b', encoding: 'utf8' }],
    );
  } finally {
    await stopAll([a, b]);
  }
});

test('POST /v1/keys rotates the encryption key on every agent and lists it, as serf keys does', async () => {
  const k1 = Buffer.alloc(16, 1).toString('base64');
  const k2 = Buffer.alloc(16, 2).toString('base64');
  let a: TestAgent | undefined;
  let b: TestAgent | undefined;
  try {
    a = await start('key-a', { encrypt: k1 });
    b = await start('key-b', { encrypt: k1, join: [formatAddress(a.agent.node.address)] });
    await waitUntil('a to see b', () => a!.agent.node.members({ status: 'alive' }).length === 2);
    const installed = await call(a.base, 'POST', '/v1/keys', JSON.stringify({ op: 'install', key: k2 }));
    assert.equal(installed.status, 200, installed.text);
    assert.equal((installed.json as { ok: boolean; numResp: number }).ok, true);
    assert.equal((installed.json as { numResp: number }).numResp, 2);
    const used = await call(b.base, 'POST', '/v1/keys', JSON.stringify({ op: 'use', key: k2 }));
    assert.equal((used.json as { ok: boolean }).ok, true, used.text);
    const listed = await call(a.base, 'POST', '/v1/keys', JSON.stringify({ op: 'list' }));
    const l = listed.json as { keys: Record<string, number>; primaryKeys: Record<string, number> };
    assert.deepEqual(l.keys, { [k1]: 2, [k2]: 2 });
    assert.deepEqual(l.primaryKeys, { [k2]: 2 });
    for (const [body, status] of [
      [{ op: 'rotate' }, 400],
      [{ op: 'install' }, 400],
      [{ op: 'list', key: k1 }, 400],
      [{ op: 'install', key: 'c2hvcnQ=' }, 400],
    ] as const) {
      const r = await call(a.base, 'POST', '/v1/keys', JSON.stringify(body));
      assert.equal(r.status, status, `${JSON.stringify(body)}: ${r.text}`);
    }
  } finally {
    await stopAll([a, b]);
  }
});

test('POST /v1/leave answers once the leave is done, then the agent stops with exit code 0', async () => {
  let a: TestAgent | undefined;
  let b: TestAgent | undefined;
  try {
    a = await start('bye-a');
    b = await start('bye-b', { join: [formatAddress(a.agent.node.address)] });
    await waitUntil('a to see b', () => a!.agent.node.members({ status: 'alive' }).length === 2);
    const r = await call(b.base, 'POST', '/v1/leave');
    assert.deepEqual(r.json, { left: true });
    assert.equal(await b.agent.done, 0);
    assert.equal(b.agent.node.closed, true);
    await waitUntil('a to print b left', () =>
      events(a!).find((e) => e.event === 'member-leave' && e.member?.name === 'bye-b'),
    );
    await assert.rejects(fetch(`${b.base}/v1/self`));
  } finally {
    await stopAll([a, b]);
  }
});

test('SIGTERM leaves and stops with 0; a second signal during the leave stops at once with 1', async () => {
  const a = await start('sig-a');
  a.signals.emit('SIGTERM', 'SIGTERM');
  assert.equal(await a.agent.done, 0);
  const b = await start('sig-b');
  b.signals.emit('SIGINT', 'SIGINT');
  b.signals.emit('SIGINT', 'SIGINT');
  assert.equal(await b.agent.done, 1);
  assert.equal(b.agent.node.closed, true);
});

test('an HTTP address in use fails the start before the gossip port is ever bound', async () => {
  const a = await start('holder');
  try {
    const gossipPort = await freePort();
    await assert.rejects(
      startAgent(
        resolveAgentConfig({
          node: 'clash',
          bind: `127.0.0.1:${gossipPort}`,
          http: formatAddress(a.agent.http!.address),
          logLevel: 'silent',
        }),
        {
          stdout: { write: () => true },
          stderr: { write: () => true },
          signals: new EventEmitter() as never,
        },
      ),
      (err) => err instanceof TransportError && /address already in use/.test(err.message),
    );
    // The gossip port was never taken: a node can bind it now.
    const c = await start('after', { bind: `127.0.0.1:${gossipPort}` });
    await stopAll([c]);
  } finally {
    await stopAll([a]);
  }
});

test('--detector memberlist runs memberlist 0.2.2 exactly (no all-to-all sends); the default adaptive one does', async () => {
  const started: TestAgent[] = [];
  try {
    const seed = await start('det-seed');
    started.push(seed);
    const exact = await start('det-exact', {
      detector: 'memberlist',
      join: [formatAddress(seed.agent.node.address)],
    });
    started.push(exact);
    const adaptive = await start('det-adaptive', { join: [formatAddress(seed.agent.node.address)] });
    started.push(adaptive);
    await waitUntil('all three to see each other', () =>
      started.every((t) => t.agent.node.members({ status: 'alive' }).length === 3),
    );
    const self = await call(exact.base, 'GET', '/v1/self');
    assert.equal((self.json as { detector: string }).detector, 'memberlist');
    // A joiner in adaptive mode sends its alive straight to every member it learnt (counted);
    // memberlist mode only gossips, so the counter never appears.
    const allToAll = /^gossip_peer_all_to_all_packets(?:_total)? ([0-9.e+]+)$/m;
    const exactMetrics = (await call(exact.base, 'GET', '/metrics')).text;
    const adaptiveMetrics = (await call(adaptive.base, 'GET', '/metrics')).text;
    assert.doesNotMatch(exactMetrics, allToAll);
    assert.ok(Number(allToAll.exec(adaptiveMetrics)?.[1]) >= 1, adaptiveMetrics.slice(0, 2000));
  } finally {
    await stopAll(started);
  }
});

test('a bad --detector is a config error naming the choices', () => {
  assert.throws(() => resolveAgentConfig({ detector: 'phi' }), /detector.*adaptive.*memberlist/s);
});
