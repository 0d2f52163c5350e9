/**
 * Seed mode, the blog post's form: `gossip-peer PORT [SEED_IP:SEED_PORT]`.
 *
 *   gossip-peer 12000                      → prints `listening at: 12000`
 *   gossip-peer 12001 127.0.0.1:12000      → joins the first; both print `append: <name> <ip>:<port>`
 *
 * Binds 127.0.0.1:PORT by default (the blog's local scenario); `--bind IP` / `--advertise IP` run
 * it across hosts. Prints one `append:` line when a peer becomes alive and one `remove:` line when
 * it fails or leaves. Ctrl-C / SIGTERM leave gracefully and exit 0. A seed that is down at start is
 * retried with backoff (one warning line on stderr), never fatal. PORT 0 binds a free port and
 * prints it.
 */
import { createNode } from '../../runtime/create-node.js';
import type { GossipNode } from '../../runtime/node.js';
import type { NodeMemberEvent } from '../../runtime/events.js';
import { formatAddress } from '../../core/io.js';
import { ipFamily } from '../../core/host-port.js';
import { parseSeed, type Seed } from '../../core/seeds.js';
import type { Profile } from '../../swim/config.js';
import { GossipError } from '../../wire/errors.js';
import { CliError } from '../errors.js';
import type { CliCommand } from './index.js';

const USAGE =
  'usage: gossip-peer PORT [SEED_IP:SEED_PORT] [--bind IP] [--advertise IP] [--name NAME] [--profile lan|wan|local]';

const HELP = `Seed mode (the blog's form): serve UDP+TCP on PORT and optionally join a seed.
Prints "listening at: PORT", then "append: <name> <ip>:<port>" when a peer becomes alive and
"remove: <name> <ip>:<port>" when it fails or leaves. Ctrl-C/SIGTERM leave gracefully (exit 0).
  --bind IP         address to bind (default 127.0.0.1; e.g. 0.0.0.0 across hosts)
  --advertise IP    address peers reach us at (default: the bind address)
  --name NAME       node name (default <hostname>-<port>)
  --profile P       lan (default), wan or local timings
PORT 0 binds a free port and prints it. An unreachable seed is retried with backoff.`;

/** Parsed seed-mode arguments. */
interface SeedArgs {
  port: number;
  seed: Seed | undefined;
  /** The seed as typed, for messages. */
  seedText: string | undefined;
  bindIp: string;
  advertiseIp: string | undefined;
  name: string | undefined;
  profile: Profile;
}

/** Parses `argv` (without the program name); throws a CliError (exit 2) for anything wrong. */
function parseArgs(argv: readonly string[]): SeedArgs | 'help' {
  const positional: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-h' || a === '--help') return 'help';
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const key = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (!['bind', 'advertise', 'name', 'profile'].includes(key))
        throw new CliError(`unknown option --${key}\n${USAGE}`, 2);
      const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined || value === '') throw new CliError(`option --${key} needs a value`, 2);
      flags[key] = value;
    } else positional.push(a);
  }
  if (positional.length < 1 || positional.length > 2) throw new CliError(USAGE, 2);
  const portText = positional[0]!;
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port > 65535)
    throw new CliError(`invalid port "${portText}" (expected 0-65535)`, 2);
  const seedText = positional[1];
  let seed: Seed | undefined;
  if (seedText !== undefined) {
    const s = parseSeed(seedText, { defaultPort: null });
    if (typeof s === 'string') throw new CliError(`invalid seed: ${s}`, 2);
    seed = s;
  }
  const bindIp = flags.bind ?? '127.0.0.1';
  if (ipFamily(bindIp) === 0) throw new CliError(`invalid --bind "${bindIp}": expected an IP address`, 2);
  const advertiseIp = flags.advertise;
  if (advertiseIp !== undefined && ipFamily(advertiseIp) === 0) {
    throw new CliError(`invalid --advertise "${advertiseIp}": expected an IP address`, 2);
  }
  const profile = (flags.profile ?? 'lan') as Profile;
  if (!['lan', 'wan', 'local'].includes(profile))
    throw new CliError(`invalid --profile "${profile}" (lan, wan or local)`, 2);
  return { port, seed, seedText, bindIp, advertiseIp, name: flags.name, profile };
}

function memberLine(verb: 'append' | 'remove', e: NodeMemberEvent): string {
  return `${verb}: ${e.member.name} ${formatAddress(e.member.addr)}\n`;
}

/** Runs seed mode until SIGINT/SIGTERM; resolves with the exit code. */
async function runSeed(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args === 'help') {
    process.stdout.write(`${USAGE}\n\n${HELP}\n`);
    return 0;
  }
  const bind = args.bindIp.includes(':') ? `[${args.bindIp}]:${args.port}` : `${args.bindIp}:${args.port}`;
  let node: GossipNode;
  try {
    node = await createNode({
      bind,
      ...(args.advertiseIp ? { advertise: args.advertiseIp } : {}),
      ...(args.name ? { name: args.name } : {}),
      profile: args.profile,
    });
  } catch (err) {
    if (err instanceof GossipError) throw new CliError(err.message, 1);
    throw err;
  }
  const out = (line: string): void => void process.stdout.write(line);
  node.on('member-join', (e) => {
    if (e.member.name !== node.name) out(memberLine('append', e));
  });
  const onGone = (e: NodeMemberEvent): void => {
    if (e.member.name !== node.name) out(memberLine('remove', e));
  };
  node.on('member-leave', onGone);
  node.on('member-failed', onGone);
  out(`listening at: ${node.address.port}\n`);

  const finished = new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (): void => {
      if (stopping) {
        // A second Ctrl-C while leaving: stop at once.
        void node.close().then(() => resolve(1));
        return;
      }
      stopping = true;
      void (async () => {
        try {
          await node.leave();
        } catch {
          // leave failed or was cut short: closing is all that is left to do
        }
        await node.close();
        resolve(0);
      })();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    node.on('shutdown', () => resolve(1));
  });

  if (args.seed !== undefined) {
    let warned = false;
    node
      .join([args.seed], {
        attempts: Infinity,
        onRetry: ({ errors }) => {
          if (warned) return;
          warned = true;
          process.stderr.write(
            `gossip-peer: warning: cannot reach seed ${args.seedText} (${errors.join('; ') || 'no answer'}); retrying\n`,
          );
        },
      })
      .catch(() => {
        // only an abort (the node closing) ends the retries
      });
  }
  return finished;
}

/** The seed-mode entry (dispatched before commander: its first word is a port number). */
export const seedCommand: CliCommand = {
  register: (program) => {
    program.addHelpText('after', `\n${USAGE}\n${HELP}`);
  },
  seedMode: {
    matches: (argv) => argv.length > 0 && /^\d+$/.test(argv[0]!),
    run: runSeed,
  },
};
