/**
 * Every CLI subcommand. Add one import and one array entry per command file; keep this the only
 * place that lists them.
 */
import type { Command } from 'commander';
import { agentCommand } from './agent.js';
import { demoCommand } from './demo.js';
import { leaveCommand } from './leave.js';
import { membersCommand } from './members.js';
import { seedCommand } from './seed.js';
import { simCommand } from './sim.js';
import { eventCommand } from './event.js';
import { queryCommand } from './query.js';
import { tagsCommand } from './tags.js';
import { keysCommand } from './keys.js';

/** One subcommand module. */
export interface CliCommand {
  /** Adds the subcommand (and its options/action) to the program. */
  register(program: Command): void;
  /** Optional: a form dispatched before commander (seed mode's `gossip-peer PORT [SEED]`). */
  seedMode?: { matches(argv: readonly string[]): boolean; run(argv: readonly string[]): Promise<number> };
}

export const commands: CliCommand[] = [
  simCommand,
  seedCommand,
  agentCommand,
  membersCommand,
  leaveCommand,
  eventCommand,
  queryCommand,
  tagsCommand,
  keysCommand,
  demoCommand,
];
