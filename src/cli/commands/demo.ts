/**
 * `gossip-peer demo [--nodes N] [--port P] [--profile lan|wan|local]`: a local cluster of real
 * nodes in one process on 127.0.0.1, telling a scripted story (joins, a crash, a graceful leave)
 * as it happens, then running on so that a second terminal can join it with seed mode
 * (src/agent/demo.ts). Ctrl-C exits 0 after a graceful leave; bad flags or a port in use print one
 * line and exit 2 / 1.
 */
import type { Command } from 'commander';
import { runDemo } from '../../agent/demo.js';
import type { Profile } from '../../swim/config.js';
import { ConfigError, GossipError } from '../../wire/errors.js';
import { CliError } from '../errors.js';
import type { CliCommand } from './index.js';

function intFlag(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new CliError(`demo: --${flag} must be a whole number (got '${v}')`, 2);
  return Number(v);
}

async function runDemoCommand(o: { nodes?: string; port?: string; profile?: string }): Promise<number> {
  const ac = new AbortController();
  const stop = (): void => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await runDemo({
      ...(o.nodes !== undefined ? { nodes: intFlag('nodes', o.nodes) } : {}),
      ...(o.port !== undefined ? { port: intFlag('port', o.port) } : {}),
      ...(o.profile !== undefined ? { profile: o.profile as Profile } : {}),
      signal: ac.signal,
    });
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(`demo: ${err.problems.join('; ')}`, 2);
    if (err instanceof GossipError) throw new CliError(`demo: ${err.message}`, 1);
    throw err;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

export const demoCommand: CliCommand = {
  register(program: Command) {
    program
      .command('demo')
      .description('watch a local cluster live: nodes join, one is killed, one leaves; then join it yourself')
      .option('--nodes <n>', 'nodes in the cluster, 4 to 32 (default 5)')
      .option('--port <port>', 'port of node-1, the one to join (default: a free port)')
      .option('--profile <lan|wan|local>', 'memberlist timing profile (default local)')
      .action(async (o: { nodes?: string; port?: string; profile?: string }) => {
        process.exitCode = await runDemoCommand(o);
      });
  },
};
