import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoPath } from '../helpers/repo-root.js';

const main = repoPath('dist', 'src', 'cli', 'main.js');

function sim(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [main, 'sim', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The report without its one non-deterministic line (wall time and memory). */
function deterministic(stdout: string): string {
  return stdout
    .split('\n')
    .filter((l) => !l.startsWith('time:'))
    .join('\n');
}

const args = ['--nodes', '20', '--seconds', '40', '--loss', '0.05', '--kill', '2', '--seed', '7'];

test('the same seed prints the same figures twice; the report has every figure and a replay line', () => {
  const a = sim(args);
  const b = sim(args);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  assert.equal(deterministic(a.stdout), deterministic(b.stdout));
  for (const want of [
    /detection of 2 crashed node\(s\): 2 declared dead by someone, 2 by every live node/,
    /to first node: p50 \d+\.\d\d s {2}p99 \d+\.\d\d s {2}max \d+\.\d\d s/,
    /to all nodes: {2}p50 \d+\.\d\d s/,
    /false failures: 0 /,
    /per node per second: [\d.]+ msgs .* [\d.]+ bytes/,
    /time: 40 s simulated in [\d.]+ s wall .* peak RSS \d+ MiB/,
    /seed 7/,
    /replay: gossip-peer sim --nodes 20 --seconds 40 --loss 0\.05 --kill 2 --seed 7/,
  ]) {
    assert.match(a.stdout, want);
  }
  const c = sim([...args.slice(0, -1), '8']);
  assert.notEqual(deterministic(c.stdout), deterministic(a.stdout), 'another seed, other figures');
});

test('--json prints one JSON object whose figures repeat for the same seed', () => {
  const a = sim([...args, '--json']);
  const b = sim([...args, '--json']);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.stdout.trim().split('\n').length, 1);
  const ja = JSON.parse(a.stdout) as Record<string, unknown> & {
    wall: unknown;
    detection: { crashed: number };
  };
  const jb = JSON.parse(b.stdout) as Record<string, unknown>;
  assert.equal(ja.detection.crashed, 2);
  assert.equal(ja.seed, 7);
  assert.equal(typeof ja.traceHash, 'string');
  assert.ok(ja.wall && typeof ja.wall === 'object');
  delete ja.wall;
  delete jb.wall;
  assert.deepEqual(ja, jb);
});

test('a run without --seed picks one, prints it, and its replay command reproduces the figures', () => {
  const a = sim(['--nodes', '8', '--seconds', '10']);
  assert.equal(a.code, 0, a.stderr);
  const m = /replay: gossip-peer sim (.*)$/m.exec(a.stdout);
  assert.ok(m, a.stdout);
  const b = sim((m[1] as string).split(' '));
  assert.equal(deterministic(b.stdout), deterministic(a.stdout));
});

test('bad flags exit non-zero with one line on stderr and nothing on stdout', () => {
  for (const bad of [
    ['--nodes', 'abc'],
    ['--nodes', '0'],
    ['--loss', '1'],
    ['--loss', '-0.1'],
    ['--seconds', 'x'],
    ['--kill', '5', '--nodes', '5'],
    ['--profile', 'moon'],
    ['--bootstrap', 'psychic'],
    ['--partition', '1.5'],
    ['--bogus'],
    ['--faults', '/nonexistent/schedule.txt'],
  ]) {
    const r = sim(bad);
    assert.notEqual(r.code, 0, bad.join(' '));
    assert.equal(r.stdout, '', bad.join(' '));
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${bad.join(' ')}: ${r.stderr}`);
    assert.match(lines[0] as string, /^(gossip-peer: |error: )/);
  }
});

test('a --faults schedule runs, and a failed expect step makes the exit status 1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gp-sim-'));
  try {
    const good = join(dir, 'good.txt');
    writeFileSync(good, '20s kill 3\n50s expect dead 3\n50s expect alive 0..2,4..5\n');
    const ok = sim(['--nodes', '6', '--seconds', '50', '--seed', '1', '--faults', good]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /expect ok {3}50s expect dead 3/);
    const bad = join(dir, 'bad.txt');
    writeFileSync(bad, '20s kill 3\n20.1s expect dead 3\n');
    const fail = sim(['--nodes', '6', '--seconds', '30', '--seed', '1', '--faults', bad]);
    assert.equal(fail.code, 1);
    assert.match(fail.stdout, /expect FAIL 20100ms expect dead 3: node-\d still sees node-3 (alive|suspect)/);
    const unparsable = join(dir, 'worse.txt');
    writeFileSync(unparsable, '20s kil 3\n');
    const r = sim(['--nodes', '6', '--faults', unparsable]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--faults: line 1: unknown step 'kil'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
