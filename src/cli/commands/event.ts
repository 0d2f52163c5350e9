/**
 * `gossip-peer event [--coalesce=false] [--tag k=expr]... [--node NAME]... NAME [PAYLOAD]`: sends a
 * Serf user event through an agent (POST /v1/event), printed as `serf event` does. With `--tag` or
 * `--node` the event is a multicast to that group only (docs/multicast.md).
 */
import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { collect, post, tagFlags } from './client-call.js';
import type { CliCommand } from './index.js';

interface EventOptions {
  coalesce?: string;
  tag?: string[];
  node?: string[];
  http?: string;
}

async function runEvent(name: string, payload: string | undefined, o: EventOptions): Promise<number> {
  if (o.coalesce !== undefined && o.coalesce !== 'true' && o.coalesce !== 'false') {
    throw new CliError('event: --coalesce must be true or false', 2);
  }
  const coalesce = o.coalesce !== 'false';
  const filterTags = tagFlags('event', '--tag', o.tag);
  const multicast = (o.tag ?? []).length > 0 || (o.node ?? []).length > 0;
  await post('event', o.http, '/v1/event', {
    body: {
      name,
      payload: payload ?? '',
      coalesce,
      ...(multicast ? { filterTags, ...(o.node !== undefined ? { filterNodes: o.node } : {}) } : {}),
    },
  });
  process.stdout.write(
    multicast
      ? `Event '${name}' dispatched to its group (multicast)\n`
      : `Event '${name}' dispatched! Coalescing enabled: ${coalesce}\n`,
  );
  return 0;
}

export const eventCommand: CliCommand = {
  register(program: Command) {
    program
      .command('event')
      .description('send a Serf user event to every node (or, with --tag/--node, to that group)')
      .argument('<name>', 'event name')
      .argument('[payload]', 'event payload (UTF-8)')
      .option('--coalesce <bool>', 'let receivers coalesce this event (default true)')
      .option('--tag <k=expr>', 'multicast: only nodes whose tag matches (repeatable)', collect)
      .option('--node <name>', 'multicast: only these nodes (repeatable)', collect)
      .option('--http <ip:port>', "the agent's HTTP API (default $GOSSIP_PEER_HTTP_ADDR or 127.0.0.1:7374)")
      .action(async (name: string, payload: string | undefined, o: EventOptions) => {
        process.exitCode = await runEvent(name, payload, o);
      });
  },
};
