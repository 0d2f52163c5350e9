/**
 * A `gossip-peer agent --events json` child process for tests: started on free loopback ports
 * (gossip and HTTP), its JSON event lines parsed as they arrive, waited on with deadlines, stopped
 * by its own PID only. `start` resolves once the agent printed its own `member-join`.
 */
import { CliProcess } from './cli-process.js';
import { freePorts } from './ports.js';
import { waitUntil } from './wait.js';

/** One JSON event line as the agent prints it. */
export interface AgentEvent {
  ts: number;
  node: string;
  event: string;
  member?: { name: string; addr: string; port: number; status: string; tags: Record<string, string> };
  name?: string;
  payload?: string;
  encoding?: string;
  ltime?: number;
  from?: string;
}

/** Options of {@link AgentProcess.start}. */
export interface AgentProcessOptions {
  readonly name: string;
  /** Gossip port; default a free one. */
  readonly port?: number;
  /** HTTP port; default a free one. */
  readonly httpPort?: number;
  readonly join?: readonly string[];
  readonly retryJoin?: readonly string[];
  readonly tags?: Readonly<Record<string, string>>;
  readonly encrypt?: string;
  /** Default `local` (fast loopback timings). */
  readonly profile?: 'lan' | 'wan' | 'local';
  readonly extra?: readonly string[];
  /** Wait for the own member-join line (default true); false for agents expected to fail. */
  readonly waitReady?: boolean;
}

/** One running agent. */
export class AgentProcess {
  private constructor(
    readonly proc: CliProcess,
    readonly name: string,
    readonly port: number,
    readonly httpPort: number,
  ) {}

  /** The argv of an agent with these options (without the program). */
  static args(o: AgentProcessOptions, port: number, httpPort: number): string[] {
    const args = [
      'agent',
      '--node',
      o.name,
      '--bind',
      `127.0.0.1:${port}`,
      '--http',
      `127.0.0.1:${httpPort}`,
      '--events',
      'json',
      '--profile',
      o.profile ?? 'local',
      '--log-level',
      'warn',
    ];
    for (const j of o.join ?? []) args.push('--join', j);
    for (const j of o.retryJoin ?? []) args.push('--retry-join', j);
    for (const [k, v] of Object.entries(o.tags ?? {})) args.push('--tag', `${k}=${v}`);
    if (o.encrypt !== undefined) args.push('--encrypt', o.encrypt);
    args.push(...(o.extra ?? []));
    return args;
  }

  /** Starts an agent; by default resolves once it printed its own member-join. */
  static async start(o: AgentProcessOptions): Promise<AgentProcess> {
    const free = await freePorts(2);
    const port = o.port ?? (free[0] as number);
    const httpPort = o.httpPort ?? (free[1] as number);
    const a = new AgentProcess(new CliProcess(AgentProcess.args(o, port, httpPort)), o.name, port, httpPort);
    if (o.waitReady ?? true) {
      try {
        await a.waitForEvent(
          `${o.name}'s own member-join`,
          (e) => e.event === 'member-join' && e.member?.name === o.name,
          20_000,
        );
      } catch (err) {
        await a.kill();
        throw err;
      }
    }
    return a;
  }

  /** `127.0.0.1:port` others join. */
  get addr(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** `127.0.0.1:httpPort` for `--http`. */
  get http(): string {
    return `127.0.0.1:${this.httpPort}`;
  }

  /** Every JSON event printed so far (non-JSON lines are a test failure elsewhere; skipped here). */
  get events(): AgentEvent[] {
    const out: AgentEvent[] = [];
    for (const l of this.proc.lines) {
      try {
        out.push(JSON.parse(l) as AgentEvent);
      } catch {
        // not JSON: reported by tests that check the stream's shape
      }
    }
    return out;
  }

  /** Waits for an event matching `pred`; the failure names `what` and shows the output so far. */
  async waitForEvent(
    what: string,
    pred: (e: AgentEvent) => boolean,
    timeoutMs = 20_000,
  ): Promise<AgentEvent> {
    try {
      return await waitUntil(
        what,
        () => {
          if (!this.proc.running && !this.events.some(pred))
            throw new Error(`agent ${this.name} exited (${this.proc.child.exitCode}) before ${what}`);
          return this.events.find(pred);
        },
        timeoutMs,
        20,
      );
    } catch (err) {
      throw new Error(
        `${(err as Error).message}\n${this.name} stdout:\n${this.proc.stdout.slice(-4000)}\nstderr:\n${this.proc.stderr.slice(-2000)}`,
      );
    }
  }

  /** Waits for `event` (e.g. `member-failed`) about member `name`. */
  waitForMemberEvent(event: string, name: string, timeoutMs = 20_000): Promise<AgentEvent> {
    return this.waitForEvent(
      `${this.name} to print ${event} for ${name}`,
      (e) => e.event === event && e.member?.name === name,
      timeoutMs,
    );
  }

  /** Events about member `name` of type `event`, so far. */
  count(event: string, name: string): number {
    return this.events.filter((e) => e.event === event && e.member?.name === name).length;
  }

  /** SIGKILL (a crash) and wait for the exit. */
  kill(): Promise<void> {
    return this.proc.kill();
  }

  /** Sends a signal by PID. */
  signal(sig: NodeJS.Signals): void {
    this.proc.signal(sig);
  }

  /** Resolves with the exit status. */
  exited(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.proc.exited(timeoutMs);
  }
}

/** Kills every agent (by PID) that is still running; safe in `finally`. */
export async function killAll(agents: readonly (AgentProcess | undefined)[]): Promise<void> {
  await Promise.all(agents.map((a) => a?.kill()));
}
