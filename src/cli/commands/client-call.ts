/**
 * Shared plumbing of the Serf-feature client subcommands (`event`, `query`, `tags`, `keys`): one
 * agent call, with client failures turned into the CLI's one-line errors.
 */
import { AgentClientError, agentAddress, callAgent, type AgentCallOptions } from '../../agent/client.js';
import { parseTag } from '../../agent/config.js';
import { CliError } from '../errors.js';

/** Repeatable option collector for commander. */
export const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

/** `k=v` flags → a map; a malformed one is a usage error (exit 2). */
export function tagFlags(
  cmd: string,
  flag: string,
  values: readonly string[] | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of values ?? []) {
    const kv = parseTag(t);
    if (typeof kv === 'string') throw new CliError(`${cmd}: ${flag} ${kv}`, 2);
    Object.defineProperty(out, kv[0], { value: kv[1], enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** POST `path` on the agent named by `--http`. */
export async function post(
  cmd: string,
  http: string | undefined,
  path: string,
  opts: AgentCallOptions,
): Promise<unknown> {
  try {
    return await callAgent(agentAddress(http), 'POST', path, opts);
  } catch (err) {
    if (err instanceof AgentClientError) throw new CliError(`${cmd}: ${err.message}`, 1);
    throw err;
  }
}

/** GET `path` on the agent named by `--http`. */
export async function get(cmd: string, http: string | undefined, path: string): Promise<unknown> {
  try {
    return await callAgent(agentAddress(http), 'GET', path);
  } catch (err) {
    if (err instanceof AgentClientError) throw new CliError(`${cmd}: ${err.message}`, 1);
    throw err;
  }
}
