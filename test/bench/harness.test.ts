/**
 * Smoke run of the serf-vs-ours benchmark harness (bench/main.ts): four agents of each system on
 * loopback, the join scenario only, one round. It checks that the harness runs both systems end
 * to end and writes a well-formed result with numbers for both — never the values themselves
 * (timings are reported by the benchmark, not asserted).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchResult } from '../../bench/harness/result.js';
import { repoPath } from '../helpers/repo-root.js';
import { serfAvailable } from '../helpers/serf-agent.js';

function runBench(args: readonly string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [repoPath('dist', 'bench', 'main.js'), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    // The harness kills its own agents on SIGTERM; a hung run fails the test instead of hanging it.
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

test(
  'a 4-node join run of both systems writes a result with join figures for serf and for ours',
  { skip: serfAvailable() ? false : 'serf binary not installed', timeout: 150_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gp-bench-smoke-'));
    try {
      const r = await runBench(
        ['--impl', 'both', '--nodes', '4', '--scenario', 'join', '--rounds', '1', '--out', dir],
        140_000,
      );
      assert.equal(r.code, 0, r.out);
      const files = readdirSync(dir);
      const json = files.find((f) => f.endsWith('.json'));
      assert.ok(json !== undefined, `no JSON written: ${files.join(', ')}\n${r.out}`);
      assert.ok(
        files.some((f) => f.endsWith('.svg')),
        'no SVG chart written',
      );
      const result = JSON.parse(readFileSync(join(dir, json), 'utf8')) as BenchResult;
      assert.equal(result.schema, 'gossip-peer-bench/1');
      assert.equal(result.config.nodes, 4);
      assert.deepEqual(result.config.scenarios, ['join']);
      for (const impl of ['serf', 'ours'] as const) {
        const res = result.impls[impl];
        assert.ok(res !== undefined, `${impl} missing`);
        assert.deepEqual(res.errors, [], `${impl} errors`);
        assert.equal(res.formation?.nodes, 4);
        assert.ok(isNum(res.formation?.allSeeAllMs), `${impl} formation time`);
        assert.equal(res.join.length, 1);
        const j = res.join[0];
        assert.equal(j?.missing, 0, `${impl}: every node saw the joiner`);
        assert.ok(isNum(j?.allMs) && isNum(j?.spreadMs) && isNum(j?.readyMs), `${impl} join figures`);
      }
      const row = result.table.find((t) => t.metric === 'join: spawn to all see it, median');
      assert.ok(row !== undefined && isNum(row.serf) && isNum(row.ours) && isNum(row.ratio), 'table row');
      assert.match(r.out, /ours\/serf/, 'the side-by-side table is printed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
