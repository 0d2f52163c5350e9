/**
 * The two systems under test, as command lines and output parsers. Both run one OS process per
 * node on 127.0.0.1 with the `lan` profile (memberlist's DefaultLANConfig: 1 s probes, 500 ms
 * probe timeout, suspicion multiplier 4, 200 ms gossip to 3 nodes, 30 s push-pull).
 *
 * How each reports membership changes, so that both are timestamped the same way (when the line
 * reaches the harness, see ./time.ts):
 * - ours: `gossip-peer agent --events json` prints one JSON object per event as the node delivers
 *   it (DESIGN.md, CLI contract);
 * - serf: the agent logs `[INFO] serf: EventMemberFailed: <name> <ip>` from serf.go
 *   (handleNodeLeave/handleNodeJoin) the moment memberlist notifies it, before the agent's event
 *   coalescer (agent/command.go sets a 3 s CoalescePeriod for member events, so an
 *   `-event-handler` would see failures up to seconds late). The log line is the earliest
 *   observable point and the equivalent of ours. memberlist's `Suspect <name> has failed` lines
 *   (state.go probeNode) are counted as suspicions.
 */

/** Which system a process runs. */
export type Impl = 'ours' | 'serf';

/** Both systems, in the order they run. */
export const IMPLS: readonly Impl[] = ['serf', 'ours'];

/** A membership change one node observed, as Serf names them. */
export type MemberEventKind = 'join' | 'leave' | 'failed' | 'update' | 'reap';

/** What one output line says. */
export type ParsedLine =
  | { readonly type: 'member'; readonly kind: MemberEventKind; readonly member: string }
  | { readonly type: 'suspect'; readonly member: string };

/** One node to start. */
export interface AgentSpec {
  readonly impl: Impl;
  readonly name: string;
  /** Gossip port (UDP and TCP) on 127.0.0.1. */
  readonly port: number;
  /** Control port: our HTTP API, serf's RPC. */
  readonly ctlPort: number;
  /** Seeds (`127.0.0.1:port`) joined at start. */
  readonly join: readonly string[];
}

/** Where the binaries are. */
export interface Binaries {
  /** `dist/src/cli/main.js` of this build. */
  readonly oursMain: string;
  /** The node executable running it. */
  readonly node: string;
  /** The serf binary. */
  readonly serf: string;
}

/** How to start one system and read its output. */
export interface ImplDriver {
  readonly impl: Impl;
  /** Executable and arguments of one agent. */
  command(spec: AgentSpec, bin: Binaries): { file: string; args: string[] };
  /** What a stdout line says, or undefined for lines of no interest. */
  parseLine(line: string): ParsedLine | undefined;
  /**
   * The signal for a graceful leave: ours leaves on SIGINT and SIGTERM; the serf agent leaves
   * only on SIGINT (SIGTERM exits without leaving unless `leave_on_terminate` is set).
   */
  readonly leaveSignal: NodeJS.Signals;
}

const OUR_KINDS: Readonly<Record<string, MemberEventKind>> = {
  'member-join': 'join',
  'member-leave': 'leave',
  'member-failed': 'failed',
  'member-update': 'update',
  'member-reap': 'reap',
};

const SERF_KINDS: Readonly<Record<string, MemberEventKind>> = {
  Join: 'join',
  Leave: 'leave',
  Failed: 'failed',
  Update: 'update',
  Reap: 'reap',
};

const SERF_EVENT = /\[INFO\] serf: EventMember(Join|Leave|Failed|Update|Reap): (\S+)/;
const SERF_SUSPECT = /memberlist: Suspect (\S+) has failed/;

/** gossip-peer's agent. */
export const oursDriver: ImplDriver = {
  impl: 'ours',
  command(spec, bin) {
    const args = [
      bin.oursMain,
      'agent',
      '--node',
      spec.name,
      '--bind',
      `127.0.0.1:${spec.port}`,
      '--http',
      `127.0.0.1:${spec.ctlPort}`,
      '--events',
      'json',
      '--profile',
      'lan',
      '--log-level',
      'warn',
    ];
    for (const j of spec.join) args.push('--join', j);
    return { file: bin.node, args };
  },
  parseLine(line) {
    if (!line.startsWith('{')) return undefined;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch {
      return undefined;
    }
    if (o === null || typeof o !== 'object') return undefined;
    const rec = o as { event?: unknown; member?: { name?: unknown } };
    const kind = typeof rec.event === 'string' ? OUR_KINDS[rec.event] : undefined;
    const member = rec.member?.name;
    if (kind === undefined || typeof member !== 'string') return undefined;
    return { type: 'member', kind, member };
  },
  leaveSignal: 'SIGTERM',
};

/** The real serf agent. */
export const serfDriver: ImplDriver = {
  impl: 'serf',
  command(spec, bin) {
    const args = [
      'agent',
      `-node=${spec.name}`,
      `-bind=127.0.0.1:${spec.port}`,
      `-rpc-addr=127.0.0.1:${spec.ctlPort}`,
      '-profile=lan',
      '-log-level=info',
    ];
    for (const j of spec.join) args.push(`-join=${j}`);
    return { file: bin.serf, args };
  },
  parseLine(line) {
    const m = SERF_EVENT.exec(line);
    if (m !== null) {
      const kind = SERF_KINDS[m[1] as string] as MemberEventKind;
      return { type: 'member', kind, member: m[2] as string };
    }
    const s = SERF_SUSPECT.exec(line);
    if (s !== null) return { type: 'suspect', member: s[1] as string };
    return undefined;
  },
  leaveSignal: 'SIGINT',
};

/** The driver of `impl`. */
export function driverFor(impl: Impl): ImplDriver {
  return impl === 'ours' ? oursDriver : serfDriver;
}
