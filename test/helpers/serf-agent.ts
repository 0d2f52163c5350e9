/**
 * A real `serf` agent (Debian's /usr/bin/serf, 0.9.4) for interop tests: started on 127.0.0.1 with
 * explicit ports, driven through the `serf` CLI over its RPC port, and stopped by PID (never by
 * name). Every wait has a deadline; `stop()` is safe to call in `finally` whatever happened.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { freePort } from './ports.js';
import { waitUntil } from './wait.js';

/** Path of the serf binary. */
export const SERF_BIN = '/usr/bin/serf';

/** Whether the real serf binary is installed (interop tests skip with a reason otherwise). */
export function serfAvailable(): boolean {
  return existsSync(SERF_BIN);
}

/** Options of a serf agent. */
export interface SerfAgentOptions {
  readonly name: string;
  /** Loopback IP to bind gossip to (default 127.0.0.1; the RPC port stays on 127.0.0.1). */
  readonly ip?: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** Base64 key for `-encrypt`. */
  readonly encrypt?: string;
  /** `-event-handler` values. */
  readonly eventHandlers?: readonly string[];
  /** `-snapshot` path. */
  readonly snapshot?: string;
  /** Addresses (`ip:port`) to `-join` at start. */
  readonly join?: readonly string[];
  /** Extra raw arguments. */
  readonly args?: readonly string[];
}

/** A member as `serf members -format json` prints it. */
export interface SerfCliMember {
  name: string;
  addr: string;
  port: number;
  tags: Record<string, string>;
  status: string;
  protocol: { min: number; max: number; version: number };
}

/** Runs the serf CLI; resolves with stdout/stderr/exit code (never rejects on a non-zero exit). */
export function serfCli(
  args: readonly string[],
  timeoutMs = 15_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(SERF_BIN, [...args], { timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** One running serf agent. */
export class SerfAgent {
  private child: ChildProcess | undefined;
  private output = '';

  private constructor(
    readonly opts: SerfAgentOptions,
    /** Gossip port (UDP+TCP) on 127.0.0.1. */
    readonly port: number,
    /** RPC port on 127.0.0.1. */
    readonly rpcPort: number,
  ) {}

  /** The gossip IP. */
  get ip(): string {
    return this.opts.ip ?? '127.0.0.1';
  }

  /** `ip:port` other nodes join. */
  get addr(): string {
    return `${this.ip}:${this.port}`;
  }

  /** Everything the agent logged so far (for failure messages). */
  get log(): string {
    return this.output;
  }

  /** Start an agent on fresh loopback ports and wait until its RPC answers. */
  static async start(opts: SerfAgentOptions, ports?: { port: number; rpcPort: number }): Promise<SerfAgent> {
    const [port, rpcPort] =
      ports !== undefined
        ? [ports.port, ports.rpcPort]
        : [await freePort(opts.ip ?? '127.0.0.1'), await freePort()];
    const a = new SerfAgent(opts, port, rpcPort);
    await a.spawn();
    return a;
  }

  private async spawn(): Promise<void> {
    const o = this.opts;
    const args = [
      'agent',
      `-node=${o.name}`,
      `-bind=${this.ip}:${this.port}`,
      `-rpc-addr=127.0.0.1:${this.rpcPort}`,
      '-log-level=debug',
    ];
    for (const [k, v] of Object.entries(o.tags ?? {})) args.push('-tag', `${k}=${v}`);
    if (o.encrypt !== undefined) args.push(`-encrypt=${o.encrypt}`);
    for (const h of o.eventHandlers ?? []) args.push(`-event-handler=${h}`);
    if (o.snapshot !== undefined) args.push(`-snapshot=${o.snapshot}`);
    for (const j of o.join ?? []) args.push(`-join=${j}`);
    args.push(...(o.args ?? []));
    const child = spawn(SERF_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (b: Buffer): void => {
      this.output += b.toString();
      if (this.output.length > 400_000) this.output = this.output.slice(-200_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let exited = false;
    child.once('exit', () => {
      exited = true;
    });
    await waitUntil(
      `serf agent ${o.name} RPC on ${this.rpcPort}`,
      () => {
        if (exited) throw new Error(`serf agent ${o.name} exited:\n${this.output}`);
        return (
          this.output.includes('Serf agent running!') || this.output.includes('agent: Serf agent starting')
        );
      },
      15_000,
      20,
    );
    // The RPC listener is up once `members` answers.
    for (let i = 0; i < 100; i++) {
      const r = await this.cli(['members']);
      if (r.code === 0) return;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error(`serf agent ${o.name}: RPC never answered\n${this.output}`);
  }

  /** Run a serf CLI subcommand against this agent's RPC port. */
  cli(
    args: readonly string[],
    timeoutMs?: number,
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    const [sub, ...rest] = args;
    return serfCli([sub as string, `-rpc-addr=127.0.0.1:${this.rpcPort}`, ...rest], timeoutMs);
  }

  /** `serf members -format json`, with optional extra filter flags. */
  async members(extra: readonly string[] = []): Promise<SerfCliMember[]> {
    const r = await this.cli(['members', '-format=json', ...extra]);
    if (r.code !== 0) throw new Error(`serf members failed: ${r.stderr}${r.stdout}`);
    return (JSON.parse(r.stdout) as { members: SerfCliMember[] | null }).members ?? [];
  }

  /**
   * Polls `serf members` until `check` accepts the list and returns it; on timeout the error
   * carries the last list and the agent's log tail.
   */
  async waitForMembers(
    what: string,
    check: (m: SerfCliMember[]) => boolean,
    timeoutMs = 30_000,
  ): Promise<SerfCliMember[]> {
    let last: SerfCliMember[] = [];
    try {
      return await waitUntil(
        what,
        async () => {
          last = await this.members();
          return check(last) ? last : undefined;
        },
        timeoutMs,
        200,
      );
    } catch (err) {
      const seen = last.map((m) => `${m.name}=${m.status}`).join(' ');
      throw new Error(
        `${(err as Error).message}; last serf members: ${seen}\nagent log tail:\n${this.log.slice(-2000)}`,
      );
    }
  }

  /** The PID, for tests that signal the agent (SIGSTOP/SIGKILL) themselves. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Whether the process is still running. */
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Stop: SIGTERM, then SIGKILL after a grace period; resolves when the process is gone. */
  async stop(graceMs = 3000): Promise<void> {
    const child = this.child;
    if (child === undefined || !this.running) return;
    const gone = new Promise<void>((res) => child.once('exit', () => res()));
    child.kill('SIGTERM');
    const t = setTimeout(() => {
      if (this.running) child.kill('SIGKILL');
    }, graceMs);
    await gone;
    clearTimeout(t);
  }

  /** SIGKILL now (a crash). */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined || !this.running) return;
    const gone = new Promise<void>((res) => child.once('exit', () => res()));
    child.kill('SIGKILL');
    await gone;
  }

  /** Start the same agent again (same name and ports), e.g. after a kill. */
  async restart(): Promise<void> {
    await this.kill();
    this.output = '';
    await this.spawn();
  }
}
