import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { CliProcess } from '../helpers/cli-process.js';
import { commands } from '../../src/cli/commands/index.js';

async function run(
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = new CliProcess(args);
  try {
    const { code } = await p.exited();
    return { code, stdout: p.stdout, stderr: p.stderr };
  } finally {
    await p.kill();
  }
}

test("the program's help lists every named subcommand, each loaded on demand", async () => {
  const names = commands.flatMap((c) => (c.name !== undefined ? [c.name] : []));
  assert.ok(names.includes('agent'));
  const help = await run(['--help']);
  assert.equal(help.code, 0);
  for (const name of names) assert.match(help.stdout, new RegExp(`^\\s+${name}\\b`, 'm'));
});

test("a subcommand's help shows its own options, and every entry loads the command it names", async () => {
  const agent = await run(['agent', '--help']);
  assert.equal(agent.code, 0);
  assert.match(agent.stdout, /--retry-join <ip:port>/);
  // A named entry's module registers exactly that word (main loads only it for that word).
  for (const entry of commands) {
    if (entry.name === undefined) continue;
    const program = new Command('gossip-peer');
    (await entry.load()).register(program);
    assert.deepEqual(
      program.commands.map((c) => c.name()),
      [entry.name],
    );
  }
});

test('an unknown subcommand is refused with exit status 2', async () => {
  const r = await run(['no-such-command']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown command 'no-such-command'/);
});
