/**
 * `gossip-peer pick --tag k=v [--strategy S] [--key K] [--http IP:PORT]`: one balancer pick among
 * the members an agent sees (GET /v1/pick), printed as `<name> <ip>:<port>` — the member's service
 * address (its `port` tag when it has one, else its gossip port; docs/balancing.md). No member to
 * pick is a one-line error and exit code 1.
 */
import type { Command } from 'commander';
import { STRATEGY_NAMES } from '../../balance/strategies.js';
import { formatAddress } from '../../core/io.js';
import { CliError } from '../errors.js';
import { collect, get, tagFlags } from './client-call.js';
import type { CliCommand } from './index.js';

interface RawPickOptions {
  tag?: string[];
  strategy?: string;
  key?: string;
  http?: string;
}

async function runPick(o: RawPickOptions): Promise<number> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(tagFlags('pick', '--tag', o.tag))) params.append('tag', `${k}=${v}`);
  if (o.strategy !== undefined) {
    if (!(STRATEGY_NAMES as readonly string[]).includes(o.strategy))
      throw new CliError(`pick: --strategy must be one of ${STRATEGY_NAMES.join(', ')}`, 2);
    params.set('strategy', o.strategy);
  }
  if (o.key !== undefined) params.set('key', o.key);
  if (o.strategy === 'hash' && o.key === undefined)
    throw new CliError('pick: --strategy hash needs --key', 2);
  const answer = (await get('pick', o.http, `/v1/pick?${params.toString()}`)) as {
    name?: string;
    service?: { ip?: string; port?: number };
  };
  const { name, service } = answer;
  if (typeof name !== 'string' || typeof service?.ip !== 'string' || typeof service.port !== 'number')
    throw new CliError('pick: the agent gave no member', 1);
  process.stdout.write(`${name} ${formatAddress({ ip: service.ip, port: service.port })}\n`);
  return 0;
}

export const pickCommand: CliCommand = {
  register(program: Command) {
    program
      .command('pick')
      .description('pick one member of a service to send a request to (load balancing)')
      .option('--tag <k=v>', 'only members whose tag k matches v (anchored regex; repeatable)', collect)
      .option('--strategy <s>', `${STRATEGY_NAMES.join(', ')} (default round-robin)`)
      .option('--key <k>', 'affinity key (the hash strategy sends one key to one member)')
      .option('--http <ip:port>', "the agent's HTTP API (default $GOSSIP_PEER_HTTP_ADDR or 127.0.0.1:7374)")
      .action(async (o: RawPickOptions) => {
        process.exitCode = await runPick(o);
      });
  },
};
