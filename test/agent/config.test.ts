import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_HTTP_ADDR, loadConfigFile, parseTag, resolveAgentConfig } from '../../src/agent/config.js';
import { ConfigError } from '../../src/wire/errors.js';

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

test('defaults: serf-like bind, HTTP API on 127.0.0.1:7374, text events, quiet log, rejoin on', () => {
  const c = resolveAgentConfig({});
  assert.equal(c.bind, '0.0.0.0:7946');
  assert.equal(DEFAULT_HTTP_ADDR, '127.0.0.1:7374');
  assert.deepEqual(c.http, { ip: '127.0.0.1', port: 7374 });
  assert.equal(c.events, 'text');
  assert.equal(c.logLevel, 'warn');
  assert.equal(c.profile, 'lan');
  assert.equal(c.rejoin, true);
  assert.equal(c.node, undefined);
  assert.deepEqual(c.join, []);
  assert.deepEqual(c.tags, {});
  assert.ok(Object.isFrozen(c));
});

test('flags win over the file; list flags replace the file list; tags come as k=v or an object', () => {
  const c = resolveAgentConfig(
    { node: 'flag-name', join: ['10.0.0.2:7946'], tags: ['role=web', 'expr=a=b'] },
    { node: 'file-name', join: ['10.0.0.9:7946'], retryJoin: ['10.0.0.3'], profile: 'wan', tags: { x: 'y' } },
  );
  assert.equal(c.node, 'flag-name');
  assert.deepEqual(c.join, [{ kind: 'address', address: { ip: '10.0.0.2', port: 7946 } }]);
  assert.deepEqual(c.retryJoin, [{ kind: 'address', address: { ip: '10.0.0.3', port: 7946 } }]);
  assert.equal(c.profile, 'wan');
  assert.deepEqual(c.tags, { role: 'web', expr: 'a=b' });
  assert.deepEqual(resolveAgentConfig({}, { tags: { x: 'y' } }).tags, { x: 'y' });
});

test('--no-http and "off" disable the API; an address enables it there', () => {
  assert.equal(resolveAgentConfig({ http: false }).http, null);
  assert.equal(resolveAgentConfig({}, { http: 'off' }).http, null);
  assert.deepEqual(resolveAgentConfig({ http: '[::1]:9000' }).http, { ip: '::1', port: 9000 });
});

test('every problem of flags and file is listed in one ConfigError, naming where it came from', () => {
  const problems = problemsOf(() =>
    resolveAgentConfig(
      {
        bind: 'host:1',
        tags: ['novalue'],
        encrypt: 'AAAA',
        events: 'xml',
        eventHandlers: ['bogus-event=echo'],
      },
      {
        colour: 'red',
        join: ['1.2.3.4:70000', 5],
        http: 'nowhere',
        rejoin: 'yes',
        logLevel: 'loud',
      } as never,
    ),
  );
  const text = problems.join('\n');
  for (const want of [
    'config: unknown key "colour"',
    '--bind: "host:1" is not an IP address',
    '--tag: "novalue" is not k=v',
    '--encrypt: must decode to 16, 24 or 32 bytes',
    '--events: must be one of json, text, none',
    '--event-handler: event handler "bogus-event=echo": invalid event filter',
    'config join: "1.2.3.4:70000" has a port above 65535',
    'config join: must be IP:PORT',
    'config http: "nowhere" is not an IP address',
    'config rejoin: must be true or false',
    'config logLevel: must be one of',
  ]) {
    assert.ok(text.includes(want), `missing "${want}" in:\n${text}`);
  }
  assert.equal(problems.length, 11);
});

test('a seed with port 0 and an empty name are refused', () => {
  const problems = problemsOf(() => resolveAgentConfig({ join: ['127.0.0.1:0'], node: '' }));
  assert.deepEqual(problems, ['--node: must be a non-empty name', '--join: "127.0.0.1:0" has port 0']);
});

test('parseTag splits at the first "=" and refuses a missing key or "="', () => {
  assert.deepEqual(parseTag('a=b=c'), ['a', 'b=c']);
  assert.deepEqual(parseTag('a='), ['a', '']);
  assert.equal(typeof parseTag('=b'), 'string');
  assert.equal(typeof parseTag('ab'), 'string');
});

test('loadConfigFile: an object is returned; unreadable, non-JSON and non-object files are ConfigErrors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gp-config-'));
  try {
    const good = join(dir, 'good.json');
    writeFileSync(good, '{"node":"n1","tags":{"role":"web"}}');
    assert.deepEqual(loadConfigFile(good), { node: 'n1', tags: { role: 'web' } });
    const arr = join(dir, 'arr.json');
    writeFileSync(arr, '[1]');
    assert.match(problemsOf(() => loadConfigFile(arr))[0] as string, /must be a JSON object/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{');
    assert.match(problemsOf(() => loadConfigFile(bad))[0] as string, /not valid JSON/);
    assert.match(
      problemsOf(() => loadConfigFile(join(dir, 'none.json')))[0] as string,
      /cannot read \(ENOENT\)/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
