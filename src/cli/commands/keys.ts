/**
 * `gossip-peer keys (--install K | --use K | --remove K | --list) [--relay-factor N]`: cluster-wide
 * key management through an agent (POST /v1/keys), with `serf keys`' output and exit codes: 0 only
 * if every node answered with success; failures list `failed: NODE MESSAGE`.
 */
import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { post } from './client-call.js';
import type { CliCommand } from './index.js';

interface KeysOptions {
  install?: string;
  use?: string;
  remove?: string;
  list?: boolean;
  relayFactor?: string;
  http?: string;
}

interface KeysAnswer {
  ok: boolean;
  error?: string;
  numNodes: number;
  messages: Record<string, string>;
  keys: Record<string, number>;
}

async function runKeys(o: KeysOptions): Promise<number> {
  const ops = (['install', 'use', 'remove'] as const).filter((k) => o[k] !== undefined);
  if (ops.length + (o.list ? 1 : 0) !== 1)
    throw new CliError('keys: give exactly one of --install, --use, --remove, --list', 2);
  const op = ops[0] ?? 'list';
  const rf = o.relayFactor === undefined ? 0 : Number(o.relayFactor);
  if (!Number.isInteger(rf) || rf < 0 || rf > 255)
    throw new CliError('keys: --relay-factor must be an integer 0…255', 2);
  const a = (await post('keys', o.http, '/v1/keys', {
    body: { op, ...(op !== 'list' ? { key: o[op] } : {}), relayFactor: rf },
    timeoutMs: 120_000,
  })) as KeysAnswer;
  for (const [node, msg] of Object.entries(a.messages ?? {}))
    process.stdout.write(`failed:  ${node}  ${msg}\n`);
  if (!a.ok) {
    process.stderr.write(`gossip-peer: keys ${op}: ${a.error ?? 'failed'}\n`);
    return 1;
  }
  if (op === 'list') {
    for (const [k, n] of Object.entries(a.keys ?? {})) process.stdout.write(`${k}  [${n}/${a.numNodes}]\n`);
  } else process.stdout.write(`Successfully ran ${op} on all ${a.numNodes} members\n`);
  return 0;
}

export const keysCommand: CliCommand = {
  register(program: Command) {
    program
      .command('keys')
      .description('install, use, remove or list encryption keys on every node')
      .option('--install <key>', 'install a base64 key on every node')
      .option('--use <key>', 'make an installed key the primary (encrypting) key')
      .option('--remove <key>', 'remove a key (not the primary)')
      .option('--list', 'list the keys installed across the cluster')
      .option('--relay-factor <n>', 'extra relayed copies of every answer (0…255)')
      .option('--http <ip:port>', "the agent's HTTP API (default $GOSSIP_PEER_HTTP_ADDR or 127.0.0.1:7374)")
      .action(async (o: KeysOptions) => {
        process.exitCode = await runKeys(o);
      });
  },
};
