/**
 * `gossip-peer leave [--http IP:PORT]`: asks an agent to leave the cluster gracefully and stop
 * (POST /v1/leave). Prints `Graceful leave complete` (as `serf leave`) once the other members have
 * been told; the agent then exits 0.
 */
import type { Command } from 'commander';
import { post } from './client-call.js';
import type { CliCommand } from './index.js';

async function runLeave(o: { http?: string }): Promise<number> {
  await post('leave', o.http, '/v1/leave', { body: {}, timeoutMs: 60_000 });
  process.stdout.write('Graceful leave complete\n');
  return 0;
}

export const leaveCommand: CliCommand = {
  register(program: Command) {
    program
      .command('leave')
      .description('make an agent leave the cluster gracefully and exit')
      .option('--http <ip:port>', "the agent's HTTP API (default $GOSSIP_PEER_HTTP_ADDR or 127.0.0.1:7374)")
      .action(async (o: { http?: string }) => {
        process.exitCode = await runLeave(o);
      });
  },
};
