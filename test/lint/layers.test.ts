/**
 * The layer table of docs/architecture.md is enforced by eslint's `no-restricted-imports` per
 * folder (eslint.config.js). These tests lint small in-memory files placed in each layer and check
 * that a forbidden import is reported and an allowed one is not — so a rule that silently stops
 * matching (a changed glob, a reordered config) fails here, not in review.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';
import { repoRoot, repoPath } from '../helpers/repo-root.js';

const eslint = new ESLint({ cwd: repoRoot });

/** The messages of `no-restricted-imports` for `code` as if it were the file at `path`. */
async function restricted(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: repoPath(path) });
  assert.ok(result, 'eslint returned no result');
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const cases: ReadonlyArray<{ file: string; imports: string; allowed: boolean }> = [
  { file: 'src/wire/x.ts', imports: '../core/io.js', allowed: false },
  { file: 'src/core/x.ts', imports: '../wire/errors.js', allowed: true },
  { file: 'src/core/x.ts', imports: '../swim/swim.js', allowed: false },
  { file: 'src/swim/x.ts', imports: '../core/io.js', allowed: true },
  { file: 'src/swim/x.ts', imports: '../cluster/serf.js', allowed: false },
  { file: 'src/swim/x.ts', imports: '../transport/udp.js', allowed: false },
  { file: 'src/swim/x.ts', imports: 'node:dgram', allowed: false },
  { file: 'src/cluster/x.ts', imports: '../swim/swim.js', allowed: true },
  { file: 'src/cluster/x.ts', imports: '../runtime/node.js', allowed: false },
  { file: 'src/kv/x.ts', imports: '../cluster/serf.js', allowed: true },
  { file: 'src/kv/x.ts', imports: '../transport/udp.js', allowed: false },
  { file: 'src/kv/x.ts', imports: 'node:fs', allowed: false },
  { file: 'src/transport/x.ts', imports: '../core/io.js', allowed: true },
  { file: 'src/transport/x.ts', imports: '../swim/swim.js', allowed: false },
  { file: 'src/transport/sub/x.ts', imports: '../../swim/swim.js', allowed: false },
  { file: 'src/runtime/x.ts', imports: '../transport/udp.js', allowed: true },
  { file: 'src/runtime/x.ts', imports: '../agent/agent.js', allowed: false },
  { file: 'src/runtime/x.ts', imports: '../sim/world.js', allowed: false },
  { file: 'src/sim/x.ts', imports: '../runtime/stack.js', allowed: true },
  { file: 'src/sim/x.ts', imports: '../agent/agent.js', allowed: false },
  { file: 'src/agent/x.ts', imports: '../runtime/node.js', allowed: true },
  { file: 'src/agent/x.ts', imports: '../cli/main.js', allowed: false },
  { file: 'src/cli/commands/x.ts', imports: '../../agent/agent.js', allowed: true },
];

for (const c of cases) {
  test(`${c.file} importing ${c.imports} is ${c.allowed ? 'allowed' : 'reported'} by the layer rules`, async () => {
    const messages = await restricted(c.file, `import '${c.imports}';\n`);
    if (c.allowed) assert.deepEqual(messages, []);
    else assert.equal(messages.length, 1, `expected one report, got ${JSON.stringify(messages)}`);
  });
}

test('the pure layers are told off for wall-clock time and Math.random; the runtime is not', async () => {
  const code = 'export const t = Date.now() + Math.random();\n';
  const [pure] = await eslint.lintText(code, { filePath: repoPath('src/swim/x.ts') });
  const [runtime] = await eslint.lintText(code, { filePath: repoPath('src/runtime/x.ts') });
  assert.equal(pure?.messages.filter((m) => m.ruleId === 'no-restricted-properties').length, 2);
  assert.equal(runtime?.messages.filter((m) => m.ruleId === 'no-restricted-properties').length, 0);
});
