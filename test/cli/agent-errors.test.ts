/**
 * Everything a user can get wrong with the agent and its client commands ends in one line on
 * stderr and a non-zero exit, never a stack trace: bad flags, a bad config file, an unreachable
 * seed, a gossip or HTTP port in use, a client with no agent to talk to.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess } from '../helpers/agent-process.js';
import { CliProcess } from '../helpers/cli-process.js';
import { freePort, freePorts } from '../helpers/ports.js';

/** Runs the CLI to completion and checks the one-line failure shape. */
async function fails(args: string[], code: number): Promise<string> {
  const p = new CliProcess(args);
  try {
    const exit = await p.exited(30_000);
    assert.equal(exit.code, code, `exit code of ${args.join(' ')}; stderr: ${p.stderr}`);
    assert.equal(p.stdout, '', `nothing on stdout for ${args.join(' ')}`);
    const lines = p.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `one stderr line for ${args.join(' ')}, got: ${p.stderr}`);
    assert.doesNotMatch(p.stderr, /\n\s+at /);
    return lines[0] as string;
  } finally {
    await p.kill();
  }
}

test('bad agent flags are all reported in one line, exit 2', async () => {
  const line = await fails(
    [
      'agent',
      '--bind',
      'nowhere:1',
      '--tag',
      'novalue',
      '--events',
      'yaml',
      '--encrypt',
      'c2hvcnQ=',
      '--profile',
      'moon',
    ],
    2,
  );
  assert.match(line, /^gossip-peer: agent: /);
  for (const part of ['--bind', '--tag', '--events', '--encrypt', '--profile'])
    assert.ok(line.includes(part), `${part} in: ${line}`);
  const unknown = await fails(['agent', '--no-such-flag'], 2);
  assert.match(unknown, /unknown option '--no-such-flag'/);
});

test('a bad config file is one line naming the file; its unknown keys and bad values are listed with the flags', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gp-agent-config-'));
  try {
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ not json');
    assert.match(await fails(['agent', '--config', broken], 2), /config .*broken\.json: not valid JSON/);
    assert.match(await fails(['agent', '--config', join(dir, 'missing.json')], 2), /cannot read \(ENOENT\)/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ node: 'x', colour: 'red', join: ['1.2.3.4:99999'], tags: { a: 1 } }));
    const line = await fails(['agent', '--config', bad, '--events', 'xml'], 2);
    for (const part of ['unknown key "colour"', 'config join', 'config tags.a', '--events']) {
      assert.ok(line.includes(part), `${part} in: ${line}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unreachable --join seed ends the agent with one line and exit 1', async () => {
  const [port, http, dead] = await freePorts(3);
  const line = await fails(
    [
      'agent',
      '--node',
      'lonely',
      '--bind',
      `127.0.0.1:${port}`,
      '--http',
      `127.0.0.1:${http}`,
      '--profile',
      'local',
      '--join',
      `127.0.0.1:${dead}`,
    ],
    1,
  );
  assert.match(line, /^gossip-peer: agent: could not join any seed: /);
  assert.ok(line.includes(`127.0.0.1:${dead}`), line);
});

test('a gossip port or an HTTP port in use is one line and exit 1', async () => {
  const a = await AgentProcess.start({ name: 'holder' });
  try {
    const http = await freePort();
    const gossipClash = await fails(
      ['agent', '--node', 'x', '--bind', a.addr, '--http', `127.0.0.1:${http}`, '--profile', 'local'],
      1,
    );
    assert.match(gossipClash, /address already in use/);
    const port = await freePort();
    const httpClash = await fails(
      ['agent', '--node', 'y', '--bind', `127.0.0.1:${port}`, '--http', a.http],
      1,
    );
    assert.match(httpClash, /HTTP API on 127\.0\.0\.1:\d+: address already in use/);
  } finally {
    await a.kill();
  }
});

test('client commands with no agent to talk to, or with bad flags, fail with one line', async () => {
  const port = await freePort();
  const line = await fails(['members', '--http', `127.0.0.1:${port}`], 1);
  assert.match(line, /^gossip-peer: members: no agent is listening at 127\.0\.0\.1:\d+/);
  assert.match(await fails(['leave', '--http', `127.0.0.1:${port}`], 1), /^gossip-peer: leave: no agent/);
  assert.match(await fails(['members', '--http', 'here'], 1), /--http: "here" is not an IP address/);
  assert.match(
    await fails(['members', '--tag', 'x', '--http', `127.0.0.1:${port}`], 2),
    /--tag "x" is not k=v/,
  );
});

test('a client talking to something that is not an agent says so in one line', async () => {
  // A TCP server that answers garbage.
  const sockets = new Set<Socket>();
  const srv = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.end('SSH-2.0-nope\r\n');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  try {
    const addr = srv.address();
    const port = addr !== null && typeof addr === 'object' ? addr.port : 0;
    const line = await fails(['members', '--http', `127.0.0.1:${port}`], 1);
    assert.match(line, /^gossip-peer: members: /);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => srv.close(() => r()));
  }
});
