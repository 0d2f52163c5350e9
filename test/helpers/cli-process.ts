/**
 * A `gossip-peer` CLI child process for tests: started from the compiled entry point, its stdout and
 * stderr collected line by line, waited on with deadlines, and stopped by its own PID only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { repoPath } from './repo-root.js';
import { waitUntil } from './wait.js';

/** The compiled CLI entry point. */
export const CLI_MAIN = repoPath('dist', 'src', 'cli', 'main.js');

/** One running `gossip-peer` process. */
export class CliProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  #exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: readonly string[]) {
    this.child = spawn(process.execPath, [CLI_MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (b: Buffer) => (this.stdout += b.toString()));
    this.child.stderr?.on('data', (b: Buffer) => (this.stderr += b.toString()));
    this.#exit = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => resolve({ code, signal })),
    );
  }

  /** Lines printed on stdout so far. */
  get lines(): string[] {
    return this.stdout.split('\n').filter((l) => l.length > 0);
  }

  /** Waits until stdout has a line equal to `line` (or matching it, for a RegExp). */
  async waitForLine(line: string | RegExp, timeoutMs = 15_000): Promise<string> {
    return waitUntil(
      `line ${String(line)} (stdout so far: ${JSON.stringify(this.stdout)}, stderr: ${JSON.stringify(this.stderr)})`,
      () => this.lines.find((l) => (typeof line === 'string' ? l === line : line.test(l))),
      timeoutMs,
      20,
    );
  }

  /** Waits for stderr to contain `text`. */
  async waitForStderr(text: string | RegExp, timeoutMs = 15_000): Promise<void> {
    await waitUntil(
      `stderr ${String(text)} (so far: ${JSON.stringify(this.stderr)})`,
      () => (typeof text === 'string' ? this.stderr.includes(text) : text.test(this.stderr)),
      timeoutMs,
      20,
    );
  }

  /** Resolves with the exit status; rejects after `timeoutMs`. */
  async exited(timeoutMs = 15_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let t: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      t = setTimeout(
        () => reject(new Error(`process ${this.child.pid} did not exit within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.#exit, timeout]);
    } finally {
      clearTimeout(t);
    }
  }

  /** Whether the process is still running. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends `signal` to this process (by its PID). */
  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** SIGKILL if still running, and wait for the exit. Safe in `finally`. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.#exit;
  }
}
