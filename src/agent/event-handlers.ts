/**
 * Event handler scripts, compatible with the serf agent's `-event-handler [filter=]script`
 * (serf: cmd/serf/command/agent/event_handler.go, invoke.go), so ops scripts written for serf run
 * unchanged:
 *
 * - filter: `*` (default), `member-join`, `member-leave`, `member-failed`, `member-update`,
 *   `member-reap`, `user`, `user:NAME`, `query`, `query:NAME`, several joined by commas;
 * - the script runs with `/bin/sh -c SCRIPT` and the environment `SERF_EVENT`, `SERF_SELF_NAME`,
 *   `SERF_SELF_ROLE`, `SERF_TAG_<NAME>` (upper-cased, anything outside `[A-Z0-9_]` becomes `_`),
 *   plus `SERF_USER_EVENT` / `SERF_USER_LTIME` or `SERF_QUERY_NAME` / `SERF_QUERY_LTIME`;
 * - stdin: for member events one line per member `name\taddr\trole\tk=v,k=v` (tabs and newlines
 *   escaped), for user events and queries the payload with a newline added if missing;
 * - for a query, whatever the script prints (stdout and stderr, last 8 KiB) is the response.
 *
 * Scripts run one at a time in event order, like the serf agent's event loop. They take the node's
 * own events (../runtime/events.ts): a query is answered through the event's `respond`.
 */
import { spawn } from 'node:child_process';
import { ConfigError } from '../wire/errors.js';
import type { Member } from '../cluster/members.js';
import { isSerfEvent, type NodeEvent } from '../runtime/events.js';
import { noopLogger, type Logger } from '../core/logger.js';

/** Event types a filter may name (serf `EventFilter.Valid`). */
const EVENT_TYPES = new Set([
  'member-join',
  'member-leave',
  'member-failed',
  'member-update',
  'member-reap',
  'user',
  'query',
  '*',
]);

/** Output kept from one script run (serf `maxBufSize`). */
export const MAX_SCRIPT_OUTPUT_BYTES = 8 * 1024;

/** One `filter=script` pair, expanded per filter. */
export interface EventScript {
  /** Event type, or `*`. */
  readonly event: string;
  /** For `user:NAME` / `query:NAME`: the name; '' = any. */
  readonly name: string;
  readonly script: string;
}

/**
 * Parse one `-event-handler` value: `[filter=]script`, filter a comma list. Throws a
 * {@link ConfigError} for an unknown event type (the serf agent refuses to start too).
 */
export function parseEventScript(spec: string): EventScript[] {
  const eq = spec.indexOf('=');
  const filter = eq < 0 ? '' : spec.slice(0, eq);
  const script = eq < 0 ? spec : spec.slice(eq + 1);
  const problems: string[] = [];
  if (script.trim() === '') problems.push(`event handler ${JSON.stringify(spec)}: empty script`);
  const out: EventScript[] = [];
  for (let event of (filter === '' ? '*' : filter).split(',')) {
    let name = '';
    if (event.startsWith('user:')) [event, name] = ['user', event.slice('user:'.length)];
    else if (event.startsWith('query:')) [event, name] = ['query', event.slice('query:'.length)];
    if (!EVENT_TYPES.has(event))
      problems.push(`event handler ${JSON.stringify(spec)}: invalid event filter ${JSON.stringify(event)}`);
    out.push({ event, name, script });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out;
}

/** Whether `s` should run for `e` (serf `EventFilter.Invoke`). Non-Serf events never match. */
export function scriptMatches(s: EventScript, e: NodeEvent): boolean {
  if (!isSerfEvent(e)) return false;
  if (s.event === '*') return true;
  if (e.type !== s.event) return false;
  if (s.name !== '' && (e.type === 'user' || e.type === 'query')) return e.name === s.name;
  return true;
}

function sanitizeTagName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

function clean(v: string): string {
  return v.replace(/\t/g, '\\t').replace(/\n/g, '\\n');
}

function tagOf(tags: Readonly<Record<string, string>>, k: string): string {
  return Object.hasOwn(tags, k) ? (tags[k] as string) : '';
}

/**
 * The environment additions and stdin for running a script on `e` as node `self`, or undefined
 * for an event no script runs for (transport errors, shutdown).
 */
export function scriptInvocation(
  self: Pick<Member, 'name' | 'tags'>,
  e: NodeEvent,
): { env: Record<string, string>; stdin: Uint8Array } | undefined {
  if (!isSerfEvent(e)) return undefined;
  const env: Record<string, string> = {
    SERF_EVENT: e.type,
    SERF_SELF_NAME: self.name,
    SERF_SELF_ROLE: tagOf(self.tags, 'role'),
  };
  for (const [k, v] of Object.entries(self.tags)) env[`SERF_TAG_${sanitizeTagName(k)}`] = v;
  if (e.type === 'user' || e.type === 'query') {
    if (e.type === 'user') {
      env.SERF_USER_EVENT = e.name;
      env.SERF_USER_LTIME = String(e.lTime);
    } else {
      env.SERF_QUERY_NAME = e.name;
      env.SERF_QUERY_LTIME = String(e.lTime);
    }
    const p = e.payload;
    const stdin = p.length > 0 && p[p.length - 1] !== 0x0a ? Buffer.concat([p, Buffer.from('\n')]) : p;
    return { env, stdin };
  }
  const m = e.member;
  const pairs = Object.entries(m.tags).map(([k, v]) => `${k}=${v}`);
  const line = `${clean(m.name)}\t${m.addr.ip}\t${clean(tagOf(m.tags, 'role'))}\t${clean(pairs.join(','))}\n`;
  return { env, stdin: Buffer.from(line) };
}

/** The result of one script run. */
export interface ScriptResult {
  /** Exit code, or null if killed by a signal. */
  readonly code: number | null;
  /** Combined stdout+stderr, the last {@link MAX_SCRIPT_OUTPUT_BYTES}. */
  readonly output: Buffer;
  /** Total bytes the script wrote (above the kept size means truncated). */
  readonly totalBytes: number;
}

/** Run `script` with `/bin/sh -c`, feeding `stdin`, with the parent environment plus `env`. */
export function runScript(
  script: string,
  env: Record<string, string>,
  stdin: Uint8Array,
  timeoutMs = 0,
): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', script], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(timeoutMs > 0 ? { timeout: timeoutMs } : {}),
    });
    let chunks: Buffer[] = [];
    let kept = 0;
    let total = 0;
    const collect = (b: Buffer): void => {
      total += b.length;
      chunks.push(b);
      kept += b.length;
      if (kept > 2 * MAX_SCRIPT_OUTPUT_BYTES) {
        const all = Buffer.concat(chunks).subarray(-MAX_SCRIPT_OUTPUT_BYTES);
        chunks = [all];
        kept = all.length;
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.stdin.on('error', () => {}); // a script that does not read stdin closes the pipe early
    child.stdin.end(stdin);
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, output: Buffer.concat(chunks).subarray(-MAX_SCRIPT_OUTPUT_BYTES), totalBytes: total });
    });
  });
}

/** What a handler needs from the node. */
export interface ScriptHost {
  /** Our member (name and current tags) at the time an event is handled. */
  self(): Pick<Member, 'name' | 'tags'>;
}

/** Runs the configured scripts for each event, one at a time, in event order. */
export class ScriptEventHandler {
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;

  constructor(
    private readonly scripts: readonly EventScript[],
    private readonly host: ScriptHost,
    private readonly logger: Logger = noopLogger,
    /** Events waiting beyond this are dropped with a warning (the agent must not grow without bound). */
    private readonly maxQueued = 1024,
  ) {}

  /** Queue `e`; scripts whose filter matches run after every earlier event's scripts. */
  handle(e: NodeEvent): void {
    const matching = this.scripts.filter((s) => scriptMatches(s, e));
    if (matching.length === 0) return;
    if (this.queued >= this.maxQueued) {
      this.logger.warn({ event: e.type }, 'agent: event handler queue full, event dropped');
      return;
    }
    this.queued++;
    this.chain = this.chain.then(async () => {
      try {
        for (const s of matching) await this.invoke(s, e);
      } finally {
        this.queued--;
      }
    });
  }

  /** Resolves when every queued script has finished. */
  idle(): Promise<void> {
    return this.chain;
  }

  private async invoke(s: EventScript, e: NodeEvent): Promise<void> {
    const invocation = scriptInvocation(this.host.self(), e);
    if (invocation === undefined) return;
    const { env, stdin } = invocation;
    try {
      const r = await runScript(s.script, env, stdin);
      if (r.totalBytes > MAX_SCRIPT_OUTPUT_BYTES) {
        this.logger.warn({ script: s.script, bytes: r.totalBytes }, 'agent: script output truncated');
      }
      if (r.code !== 0) {
        this.logger.error({ script: s.script, code: r.code }, 'agent: error invoking script');
        return;
      }
      // A response after the query's deadline throws StateError: logged below, as serf logs it.
      if (e.type === 'query' && r.output.length > 0) e.respond(r.output);
    } catch (err) {
      this.logger.error({ err, script: s.script }, 'agent: error invoking script');
    }
  }
}
