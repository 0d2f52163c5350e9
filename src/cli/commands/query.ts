/**
 * `gossip-peer query [--node NAME]... [--tag k=expr]... [--no-ack] [--relay-factor N]
 * [--timeout MS] [--json] NAME [PAYLOAD]`: runs a Serf query through an agent (POST /v1/query) and
 * prints acks and responses as they arrive, like `serf query`; `--json` prints serf's
 * `-format=json` shape `{"Acks":[…],"Responses":{name: payload}}` at the end.
 */
import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { collect, post, tagFlags } from './client-call.js';
import type { CliCommand } from './index.js';

interface QueryOptions {
  node?: string[];
  tag?: string[];
  ack?: boolean;
  relayFactor?: string;
  timeout?: string;
  json?: boolean;
  http?: string;
}

function intOpt(name: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new CliError(`query: ${name} must be an integer ${min}…${max}`, 2);
  return n;
}

async function runQuery(name: string, payload: string | undefined, o: QueryOptions): Promise<number> {
  const relayFactor = intOpt('--relay-factor', o.relayFactor, 0, 255);
  const timeoutMs = intOpt('--timeout', o.timeout, 1, 3_600_000);
  const filterTags = tagFlags('query', '--tag', o.tag);
  const acks: string[] = [];
  const responses: Record<string, string> = {};
  const out = (s: string): void => {
    if (!o.json) process.stdout.write(s);
  };
  out(`Query '${name}' dispatched\n`);
  await post('query', o.http, '/v1/query', {
    body: {
      name,
      payload: payload ?? '',
      requestAck: o.ack !== false,
      ...(o.node !== undefined ? { filterNodes: o.node } : {}),
      ...(o.tag !== undefined ? { filterTags } : {}),
      ...(relayFactor !== undefined ? { relayFactor } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    },
    timeoutMs: (timeoutMs ?? 60_000) + 10_000,
    onLine: (v) => {
      const line = v as { type?: string; from?: string; payload?: string; encoding?: string };
      if (line.type === 'ack' && typeof line.from === 'string') {
        acks.push(line.from);
        out(`Ack from '${line.from}'\n`);
      } else if (line.type === 'response' && typeof line.from === 'string') {
        const text = line.encoding === 'base64' ? `(base64) ${line.payload ?? ''}` : (line.payload ?? '');
        responses[line.from] = line.payload ?? '';
        out(`Response from '${line.from}': ${text}\n`);
      }
    },
  });
  if (o.json) process.stdout.write(`${JSON.stringify({ Acks: acks, Responses: responses }, null, 2)}\n`);
  else out(`Total Acks: ${acks.length}\nTotal Responses: ${Object.keys(responses).length}\n`);
  return 0;
}

export const queryCommand: CliCommand = {
  register(program: Command) {
    program
      .command('query')
      .description('send a Serf query and print the acks and responses')
      .argument('<name>', 'query name')
      .argument('[payload]', 'query payload (UTF-8)')
      .option('--node <name>', 'only these nodes answer (repeatable)', collect)
      .option(
        '--tag <k=expr>',
        'only nodes whose tag matches the unanchored regex answer (repeatable)',
        collect,
      )
      .option('--no-ack', 'do not ask for acks')
      .option('--relay-factor <n>', 'extra relayed copies of every answer (0…255)')
      .option('--timeout <ms>', "response window in ms (default: Serf's)")
      .option('--json', "print serf's JSON shape at the end")
      .option('--http <ip:port>', "the agent's HTTP API (default $GOSSIP_PEER_HTTP_ADDR or 127.0.0.1:7374)")
      .action(async (name: string, payload: string | undefined, o: QueryOptions) => {
        process.exitCode = await runQuery(name, payload, o);
      });
  },
};
