#!/usr/bin/env node
/**
 * The `gossip-peer` command. Each subcommand lives in its own file under ./commands and is
 * registered through ./commands/index.ts, which loads only the one asked for. Seed mode
 * (`gossip-peer 12000 [IP:PORT]`, the blog's form) is dispatched before commander sees the
 * arguments because its first word is a port.
 *
 * Errors: anything the user can cause prints one line `gossip-peer: <message>` to stderr and
 * exits non-zero; no stack traces (set GOSSIP_PEER_DEBUG=1 to see them).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.js';
import { CliError } from './errors.js';

export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('gossip-peer')
    .description('Cluster membership and failure detection over UDP gossip (memberlist/Serf compatible)')
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str) });
  // A named subcommand needs only its own module; help, seed mode and unknown words need them all.
  const named = commands.find((c) => c.name !== undefined && c.name === argv[0]);
  const loaded = await Promise.all((named !== undefined ? [named] : commands).map((c) => c.load()));
  for (const c of loaded) {
    if (c.seedMode && c.seedMode.matches(argv)) return c.seedMode.run(argv);
    c.register(program);
  }
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    throw err;
  }
}

/** True when this file is the process entry point (also through npm's bin symlink). */
function isEntryPoint(): boolean {
  const arg = process.argv[1];
  if (arg === undefined) return false;
  try {
    return realpathSync(arg) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

const isEntry = isEntryPoint();
if (isEntry) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      const msg = err instanceof CliError || err instanceof Error ? err.message : String(err);
      process.stderr.write(`gossip-peer: ${msg}\n`);
      if (process.env.GOSSIP_PEER_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
      process.exitCode = err instanceof CliError ? err.exitCode : 1;
    },
  );
}
