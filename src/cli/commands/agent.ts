/**
 * `gossip-peer agent`: the long-running agent (src/agent/agent.ts).
 *
 *   gossip-peer agent --node NAME --bind IP:PORT [--advertise IP:PORT] [--join IP:PORT]...
 *     [--retry-join IP:PORT]... [--tag k=v]... [--encrypt BASE64KEY] [--profile lan|wan|local]
 *     [--detector adaptive|memberlist]
 *     [--http IP:PORT | --no-http] [--events json|text|none] [--event-handler [filter=]script]...
 *     [--log-level LEVEL] [--no-rejoin] [--snapshot FILE] [--config FILE]
 *
 * Exit status: 0 after a graceful leave (SIGINT, SIGTERM, `gossip-peer leave`); 1 when it cannot
 * start (address in use, no `--join` seed answered, a second signal, a lost name conflict); 2 for
 * bad flags or config. Every failure is one line on stderr.
 */
import type { Command } from 'commander';
import { startAgent } from '../../agent/agent.js';
import { loadConfigFile, resolveAgentConfig, type AgentConfigInput } from '../../agent/config.js';
import { ConfigError, GossipError } from '../../wire/errors.js';
import { CliError } from '../errors.js';
import type { CliCommand } from './index.js';

/** Raw values from commander. */
interface RawAgentOptions {
  node?: string;
  bind?: string;
  advertise?: string;
  join?: string[];
  retryJoin?: string[];
  tag?: string[];
  encrypt?: string;
  profile?: string;
  detector?: string;
  http?: string | boolean;
  events?: string;
  eventHandler?: string[];
  logLevel?: string;
  rejoin?: boolean;
  snapshot?: string;
  config?: string;
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

/** Flags → config input (only what was given, so the config file can fill the rest). */
function flagsInput(o: RawAgentOptions): AgentConfigInput {
  return {
    node: o.node,
    bind: o.bind,
    advertise: o.advertise,
    join: o.join,
    retryJoin: o.retryJoin,
    tags: o.tag,
    encrypt: o.encrypt,
    profile: o.profile,
    detector: o.detector,
    // commander: `--no-http` → false; `--http X` → 'X'; neither → undefined (no default given).
    http: o.http,
    events: o.events,
    eventHandlers: o.eventHandler,
    logLevel: o.logLevel,
    rejoin: o.rejoin === false ? false : undefined,
    snapshot: o.snapshot,
  };
}

/** Runs the agent until it stops; resolves with the exit code. */
async function runAgentCommand(o: RawAgentOptions): Promise<number> {
  let config;
  try {
    const file = o.config !== undefined ? loadConfigFile(o.config) : {};
    config = resolveAgentConfig(flagsInput(o), file);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(`agent: ${err.problems.join('; ')}`, 2);
    throw err;
  }
  let agent;
  try {
    agent = await startAgent(config);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(`agent: ${err.problems.join('; ')}`, 2);
    if (err instanceof GossipError) throw new CliError(`agent: ${err.message}${joinHint(err)}`, 1);
    throw err;
  }
  return agent.done;
}

/**
 * memberlist's stream errors name the symptom of a key mismatch; say what to check. The reasons are
 * the seed's own words (net.go readStream) or ours when its reply cannot be opened.
 */
function joinHint(err: GossipError): string {
  if (err.code !== 'GP_ERR_JOIN') return '';
  const m = err.message;
  if (m.includes('No installed keys could decrypt'))
    return ' (the cluster uses a different encryption key: check --encrypt)';
  if (m.includes('encryption is not configured') || m.includes('remote state is not encrypted'))
    return " (encryption is on at one end only: --encrypt must match the cluster's key, or be absent if it has none)";
  return '';
}

export const agentCommand: CliCommand = {
  register(program: Command) {
    program
      .command('agent')
      .description('run a long-lived node: events on stdout, an HTTP API for the client commands')
      .option('--node <name>', 'node name (default: <hostname>-<port>)')
      .option('--bind <ip:port>', 'gossip address, UDP and TCP (default 0.0.0.0:7946)')
      .option('--advertise <ip[:port]>', 'address other nodes reach us at (default: from --bind)')
      .option('--join <ip:port>', 'seed to join at start; exit 1 if none answers (repeatable)', collect)
      .option(
        '--retry-join <ip:port>',
        'seed to join in the background until it answers (repeatable)',
        collect,
      )
      .option('--tag <k=v>', 'a tag, as serf -tag (repeatable)', collect)
      .option('--encrypt <base64key>', 'gossip encryption key (16, 24 or 32 bytes, base64; as serf -encrypt)')
      .option('--profile <lan|wan|local>', 'memberlist timing profile (default lan)')
      .option(
        '--detector <adaptive|memberlist>',
        'failure detector: adaptive (default) or memberlist 0.2.2 exactly',
      )
      .option('--http <ip:port>', 'serve the HTTP API here (default 127.0.0.1:7374)')
      .option('--no-http', 'do not serve the HTTP API')
      .option('--events <json|text|none>', 'print every event on stdout in this form (default text)')
      .option(
        '--event-handler <[filter=]script>',
        'run a script for events, as serf -event-handler (repeatable)',
        collect,
      )
      .option(
        '--log-level <level>',
        'stderr log level: trace, debug, info, warn, error, fatal, silent (default warn)',
      )
      .option('--no-rejoin', 'do not retry seeds and known members when every peer is gone')
      .option(
        '--snapshot <file>',
        'persist members and clocks here, so a restart rejoins them (as serf -snapshot)',
      )
      .option('--config <file>', 'JSON config file (keys as the flags in camelCase; flags win)')
      .action(async (o: RawAgentOptions) => {
        process.exitCode = await runAgentCommand(o);
      });
  },
};
