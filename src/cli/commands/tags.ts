/**
 * `gossip-peer tags [--set k=v]... [--delete k]...`: changes an agent's tags (POST /v1/tags); every
 * node sees `member-update`. Prints `Successfully updated agent tags`, as `serf tags`.
 */
import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { collect, post, tagFlags } from './client-call.js';
import type { CliCommand } from './index.js';

async function runTags(o: { set?: string[]; delete?: string[]; http?: string }): Promise<number> {
  if ((o.set ?? []).length === 0 && (o.delete ?? []).length === 0) {
    throw new CliError('tags: give at least one --set k=v or --delete k', 2);
  }
  await post('tags', o.http, '/v1/tags', {
    body: { set: tagFlags('tags', '--set', o.set), delete: o.delete ?? [] },
  });
  process.stdout.write('Successfully updated agent tags\n');
  return 0;
}

export const tagsCommand: CliCommand = {
  register(program: Command) {
    program
      .command('tags')
      .description("set or delete an agent's tags")
      .option('--set <k=v>', 'set a tag (repeatable)', collect)
      .option('--delete <k>', 'delete a tag (repeatable)', collect)
      .option('--http <ip:port>', "the agent's HTTP API (default $GOSSIP_PEER_HTTP_ADDR or 127.0.0.1:7374)")
      .action(async (o: { set?: string[]; delete?: string[]; http?: string }) => {
        process.exitCode = await runTags(o);
      });
  },
};
