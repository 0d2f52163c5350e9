/**
 * One benchmark agent: a child process of either system, its output lines parsed into
 * timestamped membership events as they arrive, stopped by its own PID only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { AgentSpec, Binaries, ImplDriver, MemberEventKind } from './impls.js';
import { nowMs } from './time.js';

/** A membership change as one node observed it, stamped when its line reached the harness. */
export interface BenchEvent {
  /** Harness time (ms since the epoch, see ./time.ts). */
  readonly t: number;
  readonly observer: string;
  readonly kind: MemberEventKind;
  readonly member: string;
}

/** Called for every event of every agent (the cluster keeps the views). */
export type EventSink = (e: BenchEvent) => void;

const TAIL_CHARS = 8000;

/** A running (or exited) agent. */
export class BenchAgent {
  /** When the harness spawned it. */
  readonly spawnedAt: number;
  /** When it reported its own join (started and joined its seeds), if it has. */
  readyAt: number | undefined;
  /** When it exited, if it has. */
  exitedAt: number | undefined;
  /** Its suspicions of other members, where the system logs them (serf only). */
  suspicions = 0;
  private readonly child: ChildProcess;
  private tail = '';
  private readonly exitPromise: Promise<void>;

  private constructor(
    readonly spec: AgentSpec,
    private readonly driver: ImplDriver,
    bin: Binaries,
    sink: EventSink,
  ) {
    const { file, args } = driver.command(spec, bin);
    this.spawnedAt = nowMs();
    this.child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.exitPromise = new Promise((resolve) => {
      this.child.once('exit', () => {
        this.exitedAt = nowMs();
        resolve();
      });
      this.child.once('error', (err) => {
        this.keep(`spawn error: ${err.message}\n`);
        this.exitedAt ??= nowMs();
        resolve();
      });
    });
    const out = createInterface({ input: this.child.stdout as NodeJS.ReadableStream });
    out.on('line', (line) => {
      const t = nowMs();
      this.keep(line + '\n');
      const p = driver.parseLine(line);
      if (p === undefined) return;
      if (p.type === 'suspect') {
        this.suspicions++;
        return;
      }
      if (p.kind === 'join' && p.member === spec.name) this.readyAt ??= t;
      sink({ t, observer: spec.name, kind: p.kind, member: p.member });
    });
    this.child.stderr?.on('data', (b: Buffer) => this.keep(b.toString()));
  }

  /** Spawns an agent; events flow to `sink` from now on. */
  static start(spec: AgentSpec, driver: ImplDriver, bin: Binaries, sink: EventSink): BenchAgent {
    return new BenchAgent(spec, driver, bin, sink);
  }

  /** The node name. */
  get name(): string {
    return this.spec.name;
  }

  /** The OS process id (undefined only if spawning failed). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Whether the process is still running. */
  get running(): boolean {
    return this.exitedAt === undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines it printed (stdout and stderr), for error messages. */
  get output(): string {
    return this.tail;
  }

  /** Waits until the agent reported its own join; throws if it exits first or after `timeoutMs`. */
  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = nowMs() + timeoutMs;
    while (this.readyAt === undefined) {
      if (!this.running)
        throw new Error(
          `${this.name} exited (${this.child.exitCode ?? this.child.signalCode}):\n${this.tail}`,
        );
      if (nowMs() > deadline) throw new Error(`${this.name} not ready after ${timeoutMs} ms:\n${this.tail}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** SIGKILL (a crash); resolves once the process is gone. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exitPromise;
  }

  /** Sends the system's graceful-leave signal; does not wait. */
  signalLeave(): void {
    if (this.running) this.child.kill(this.driver.leaveSignal);
  }

  /** Resolves when the process exited, or after `timeoutMs` (then SIGKILL and wait). */
  async exited(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), timeoutMs)));
    const r = await Promise.race([this.exitPromise, late]);
    clearTimeout(timer);
    if (r === 'late') await this.kill();
  }

  /** Synchronous SIGKILL without waiting (for process-exit handlers). */
  killNow(): void {
    if (this.running) this.child.kill('SIGKILL');
  }

  private keep(s: string): void {
    this.tail += s;
    if (this.tail.length > TAIL_CHARS * 2) this.tail = this.tail.slice(-TAIL_CHARS);
  }
}
