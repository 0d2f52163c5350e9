/**
 * `gossip-peer members [--json] [--tag k=v]... [--status s] [--name n] [--watch] [--http IP:PORT]`:
 * the members an agent sees (GET /v1/members on its HTTP API). Filters are anchored Go regular
 * expressions, as `serf members -tag/-status/-name`. Text output is one member per line:
 * `name  ip:port  status  k=v,k=v`, aligned, sorted by name; `--json` prints the API's answer
 * `{"members":[{"name","addr","port","status","tags","protocol","delegate"}]}`.
 *
 * `--watch` prints the set, then again each time it changes (the API's blocking query,
 * `index=N&wait=60s`): with `--json` one line per change, as text the table followed by an empty
 * line. It runs until interrupted.
 */
import type { Command } from 'commander';
import { AgentClientError, agentAddress, callAgent } from '../../agent/client.js';
import { parseTag } from '../../agent/config.js';
import { formatTags, type MemberDetailJson } from '../../agent/event-format.js';
import { formatAddress } from '../../core/io.js';
import { CliError } from '../errors.js';
import type { CliCommand } from './index.js';

interface RawMembersOptions {
  json?: boolean;
  watch?: boolean;
  tag?: string[];
  status?: string;
  name?: string;
  http?: string;
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

/** How long one watch call blocks at the agent, and the client's deadline for it. */
const WATCH_WAIT = '60s';
const WATCH_CALL_TIMEOUT_MS = 90_000;

/** Aligned text table of `members`, one line each. */
export function formatMembersTable(members: readonly MemberDetailJson[]): string {
  const rows = [...members]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((m) => [m.name, formatAddress({ ip: m.addr, port: m.port }), m.status, formatTags(m.tags)]);
  const widths = [0, 1, 2].map((i) => Math.max(0, ...rows.map((r) => (r[i] as string).length)));
  return rows
    .map(
      (r) =>
        r
          .map((c, i) => (i < 3 ? c.padEnd(widths[i] as number) : c))
          .join('  ')
          .trimEnd() + '\n',
    )
    .join('');
}

async function runMembers(o: RawMembersOptions): Promise<number> {
  const params = new URLSearchParams();
  for (const t of o.tag ?? []) {
    const kv = parseTag(t);
    if (typeof kv === 'string') throw new CliError(`members: --tag ${kv}`, 2);
    params.append('tag', t);
  }
  if (o.status !== undefined) params.set('status', o.status);
  if (o.name !== undefined) params.set('name', o.name);
  const q = params.toString();
  try {
    const addr = agentAddress(o.http);
    let index: number | undefined;
    let last: string | undefined;
    for (;;) {
      const blocking = index !== undefined ? `${q ? '&' : ''}index=${index}&wait=${WATCH_WAIT}` : '';
      const answer = (await callAgent(addr, 'GET', `/v1/members?${q}${blocking}`, {
        timeoutMs: WATCH_CALL_TIMEOUT_MS,
      })) as { members?: MemberDetailJson[]; index?: number };
      const members = Array.isArray(answer.members) ? answer.members : [];
      const text = o.json ? `${JSON.stringify({ members })}\n` : formatMembersTable(members);
      if (!o.watch) {
        process.stdout.write(text);
        return 0;
      }
      // An index can move for a change outside the filter: print only a different set.
      if (text !== last) process.stdout.write(o.json ? text : `${text}\n`);
      last = text;
      if (typeof answer.index !== 'number')
        throw new CliError('members: the agent gave no index to watch', 1);
      index = answer.index;
    }
  } catch (err) {
    if (err instanceof AgentClientError) throw new CliError(`members: ${err.message}`, 1);
    throw err;
  }
}

export const membersCommand: CliCommand = {
  register(program: Command) {
    program
      .command('members')
      .description("list the members an agent sees (its HTTP API's GET /v1/members)")
      .option('--json', 'print JSON instead of a table')
      .option('--tag <k=v>', 'only members whose tag k matches v (anchored regex; repeatable)', collect)
      .option('--status <status>', 'only members in this status: alive, leaving, left, failed (regex)')
      .option('--name <name>', 'only members whose name matches (anchored regex)')
      .option('--watch', 'print the set again each time it changes (until interrupted)')
      .option('--http <ip:port>', "the agent's HTTP API (default $GOSSIP_PEER_HTTP_ADDR or 127.0.0.1:7374)")
      .action(async (o: RawMembersOptions) => {
        process.exitCode = await runMembers(o);
      });
  },
};
