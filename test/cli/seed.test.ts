import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { CliProcess } from '../helpers/cli-process.js';
import { freePorts } from '../helpers/ports.js';

/** The default node name of seed mode. */
function nameOf(port: number): string {
  return `${hostname()}-${port}`;
}

test("the blog's two-terminal scenario: listening, append on both sides, Ctrl-C makes the other print remove", async () => {
  const [p1, p2] = (await freePorts(2)) as [number, number];
  const first = new CliProcess([String(p1)]);
  let second: CliProcess | undefined;
  try {
    await first.waitForLine(`listening at: ${p1}`);
    second = new CliProcess([String(p2), `127.0.0.1:${p1}`]);
    await second.waitForLine(`listening at: ${p2}`);
    await first.waitForLine(`append: ${nameOf(p2)} 127.0.0.1:${p2}`);
    await second.waitForLine(`append: ${nameOf(p1)} 127.0.0.1:${p1}`);

    second.signal('SIGINT');
    await first.waitForLine(`remove: ${nameOf(p2)} 127.0.0.1:${p2}`, 15_000);
    const exit = await second.exited(15_000);
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.deepEqual(first.lines, [
      `listening at: ${p1}`,
      `append: ${nameOf(p2)} 127.0.0.1:${p2}`,
      `remove: ${nameOf(p2)} 127.0.0.1:${p2}`,
    ]);
    assert.equal(second.stderr, '');
  } finally {
    await first.kill();
    await second?.kill();
  }
});

test('kill -9 on one peer makes the other print remove within the lan failure bound', async () => {
  const [p1, p2] = (await freePorts(2)) as [number, number];
  const first = new CliProcess([String(p1)]);
  let second: CliProcess | undefined;
  try {
    await first.waitForLine(`listening at: ${p1}`);
    second = new CliProcess([String(p2), `127.0.0.1:${p1}`]);
    await first.waitForLine(`append: ${nameOf(p2)} 127.0.0.1:${p2}`);
    await second.kill();
    // lan: probe 1 s + suspicion 4 s for two nodes; generous deadline, never asserted as a timing.
    await first.waitForLine(`remove: ${nameOf(p2)} 127.0.0.1:${p2}`, 30_000);
  } finally {
    await first.kill();
    await second?.kill();
  }
});

test('a seed that is down at start is retried with one warning line, and joined once it is up', async () => {
  const [p1, p2] = (await freePorts(2)) as [number, number];
  const joiner = new CliProcess([String(p2), `127.0.0.1:${p1}`]);
  let seed: CliProcess | undefined;
  try {
    await joiner.waitForLine(`listening at: ${p2}`);
    await joiner.waitForStderr(`warning: cannot reach seed 127.0.0.1:${p1}`);
    seed = new CliProcess([String(p1)]);
    await seed.waitForLine(`append: ${nameOf(p2)} 127.0.0.1:${p2}`, 20_000);
    await joiner.waitForLine(`append: ${nameOf(p1)} 127.0.0.1:${p1}`, 20_000);
    assert.equal(
      joiner.stderr.trim().split('\n').length,
      1,
      `one warning line, got ${JSON.stringify(joiner.stderr)}`,
    );
    assert.ok(joiner.running, 'an unreachable seed is not fatal');
  } finally {
    await joiner.kill();
    await seed?.kill();
  }
});

test('a port in use is a one-line error and a non-zero exit', async () => {
  const [p1] = (await freePorts(1)) as [number];
  const first = new CliProcess([String(p1)]);
  try {
    await first.waitForLine(`listening at: ${p1}`);
    const clash = new CliProcess([String(p1)]);
    const exit = await clash.exited();
    assert.notEqual(exit.code, 0);
    assert.equal(clash.stdout, '');
    const lines = clash.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line, got ${JSON.stringify(clash.stderr)}`);
    assert.match(lines[0]!, /^gossip-peer: .*address already in use/i);
  } finally {
    await first.kill();
  }
});

for (const [args, why] of [
  [['12000', '--frobnicate'], /unknown option --frobnicate/],
  [['99999'], /invalid port/],
  [['12000', 'not-an-address'], /invalid seed/],
  [['12000', '--bind', 'example.com'], /invalid --bind/],
] as const) {
  test(`bad arguments (${args.join(' ')}) are a one-line error with exit code 2`, async () => {
    const p = new CliProcess(args);
    try {
      const exit = await p.exited();
      assert.equal(exit.code, 2);
      assert.equal(p.stdout, '');
      assert.match(p.stderr, /^gossip-peer: /);
      assert.match(p.stderr, why);
      assert.doesNotMatch(p.stderr, /\n\s+at /, 'no stack trace');
    } finally {
      await p.kill();
    }
  });
}

test('port 0 binds a free port and prints it', async () => {
  const p = new CliProcess(['0']);
  try {
    const line = await p.waitForLine(/^listening at: \d+$/);
    assert.notEqual(line, 'listening at: 0');
  } finally {
    await p.kill();
  }
});

test('--help documents seed mode on stdout and exits 0, from the program and from seed mode', async () => {
  for (const args of [['--help'], ['12000', '--help']]) {
    const p = new CliProcess(args);
    try {
      const exit = await p.exited();
      assert.equal(exit.code, 0);
      assert.match(p.stdout, /gossip-peer PORT \[SEED_IP:SEED_PORT\] \[--bind IP\] \[--advertise IP\]/);
      assert.match(p.stdout, /listening at: PORT/);
      assert.equal(p.stderr, '');
    } finally {
      await p.kill();
    }
  }
});
