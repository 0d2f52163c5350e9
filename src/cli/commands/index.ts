/**
 * Every CLI subcommand. Add one entry per command file; keep this the only place that lists them.
 *
 * Entries load their module on demand: `gossip-peer agent …` loads only the agent command, not the
 * simulator, the demo or the client commands (about 0.15 CPU-s less per agent start, which adds up
 * when many agents start at once). The full list is loaded for the program's help, seed mode and
 * unknown words.
 */
import type { Command } from 'commander';

/** One subcommand module. */
export interface CliCommand {
  /** Adds the subcommand (and its options/action) to the program. */
  register(program: Command): void;
  /** Optional: a form dispatched before commander (seed mode's `gossip-peer PORT [SEED]`). */
  seedMode?: { matches(argv: readonly string[]): boolean; run(argv: readonly string[]): Promise<number> };
}

/** A subcommand's word and how to load its module. */
export interface CliCommandEntry {
  /** The word that selects it (`agent`); absent for a form without one (seed mode). */
  readonly name?: string;
  /** Imports the command's module. */
  readonly load: () => Promise<CliCommand>;
}

export const commands: readonly CliCommandEntry[] = [
  { name: 'sim', load: async () => (await import('./sim.js')).simCommand },
  { load: async () => (await import('./seed.js')).seedCommand },
  { name: 'agent', load: async () => (await import('./agent.js')).agentCommand },
  { name: 'members', load: async () => (await import('./members.js')).membersCommand },
  { name: 'leave', load: async () => (await import('./leave.js')).leaveCommand },
  { name: 'event', load: async () => (await import('./event.js')).eventCommand },
  { name: 'query', load: async () => (await import('./query.js')).queryCommand },
  { name: 'tags', load: async () => (await import('./tags.js')).tagsCommand },
  { name: 'keys', load: async () => (await import('./keys.js')).keysCommand },
  { name: 'rtt', load: async () => (await import('./rtt.js')).rttCommand },
  { name: 'pick', load: async () => (await import('./pick.js')).pickCommand },
  { name: 'demo', load: async () => (await import('./demo.js')).demoCommand },
];
