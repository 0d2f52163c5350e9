/**
 * Fault schedules as data: a list of timed steps (join, kill, pause, cut, heal, set loss, expect…)
 * that a world executes through its event heap, so a schedule is part of the deterministic run.
 *
 * A schedule can be written as text, one step per line, `#` comments allowed:
 *
 * ```text
 * 0s     join 1..9 via 0        # nodes 1-9 join through node 0
 * 30s    kill 3                 # crash (SIGKILL)
 * 40s    pause 4 for 3s         # SIGSTOP, SIGCONT 3 s later
 * 60s    cut 0..4 | 5..9        # symmetric partition ("->" for one-way; no right side: the rest)
 * 90s    heal                   # remove every cut
 * 95s    loss 0.1               # default link: also delay, jitter, dup, reorder
 * 120s   expect converged       # also: expect alive 0..9, expect dead 3
 * 130s   restart 3
 * 140s   leave 2
 * ```
 *
 * Nodes are indexes (`3`), inclusive ranges (`1..9`) or names (starting with a letter), separated
 * by commas. Times take
 * `ms`, `s` or `m` (a bare number is ms).
 */
import type { Address, ProtocolCore } from '../core/io.js';
import type { LinkParams } from '../transport/memory.js';
import { ConfigError } from '../wire/errors.js';
import { viewAgreement, type MembershipView } from './checkers.js';
import type { World } from './world.js';

/** Nodes by index or name. */
export type NodeSet = readonly (number | string)[];

/** One timed step of a schedule. `at` is absolute virtual ms. */
export type FaultStep =
  | { readonly at: number; readonly do: 'join'; readonly nodes: NodeSet; readonly seeds: NodeSet }
  | { readonly at: number; readonly do: 'kill'; readonly nodes: NodeSet }
  | { readonly at: number; readonly do: 'restart'; readonly nodes: NodeSet }
  | { readonly at: number; readonly do: 'pause'; readonly nodes: NodeSet; readonly forMs?: number }
  | { readonly at: number; readonly do: 'resume'; readonly nodes: NodeSet }
  | { readonly at: number; readonly do: 'leave'; readonly nodes: NodeSet; readonly timeoutMs?: number }
  | {
      readonly at: number;
      readonly do: 'cut';
      readonly a: NodeSet;
      /** Omitted: every other node. */
      readonly b?: NodeSet;
      readonly oneWay?: boolean;
    }
  | { readonly at: number; readonly do: 'heal' }
  | { readonly at: number; readonly do: 'link'; readonly params: Partial<LinkParams> }
  | {
      readonly at: number;
      readonly do: 'expect';
      readonly what: 'converged' | 'alive' | 'dead';
      readonly nodes?: NodeSet;
    };

/** The commands a schedule may issue to a core (SwimCore has them). */
export interface ScheduleCommands {
  join(now: number, seeds: readonly Address[]): number;
  leave(now: number, timeoutMs: number): void;
}

/** The verdict of one `expect` step. */
export interface ExpectResult {
  readonly at: number;
  readonly text: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** Resolve a node set against a world (unknown names and out-of-range indexes are errors). */
export function resolveNodes<C extends ProtocolCore<E>, E>(world: World<C, E>, set: NodeSet): number[] {
  return set.map((ref) => {
    const i = typeof ref === 'number' ? ref : world.indexOf(ref);
    if (!(Number.isInteger(i) && i >= 0 && i < world.size)) throw new ConfigError([`no node ${String(ref)}`]);
    return i;
  });
}

/**
 * Queue every step of `steps` on `world`'s heap. `expect` verdicts are appended to `results` when
 * they run. Steps on nodes in the wrong state (joining a crashed node, pausing a paused one) are
 * skipped, as a real operator's command would fail.
 */
export function scheduleFaults<C extends ProtocolCore<E> & ScheduleCommands, E>(
  world: World<C, E>,
  steps: readonly FaultStep[],
  results: ExpectResult[] = [],
): ExpectResult[] {
  for (const step of steps) {
    world.at(step.at, formatStep(step), (w) => applyStep(w, step, results));
  }
  return results;
}

function applyStep<C extends ProtocolCore<E> & ScheduleCommands, E>(
  world: World<C, E>,
  step: FaultStep,
  results: ExpectResult[],
): void {
  switch (step.do) {
    case 'join': {
      const seeds = resolveNodes(world, step.seeds).map((i) => world.address(i));
      for (const i of resolveNodes(world, step.nodes)) {
        if (world.state(i) === 'up') world.command(i, (c, now) => c.join(now, seeds));
      }
      return;
    }
    case 'kill':
      for (const i of resolveNodes(world, step.nodes)) world.crash(i);
      return;
    case 'restart':
      for (const i of resolveNodes(world, step.nodes)) if (world.state(i) === 'crashed') world.restart(i);
      return;
    case 'pause': {
      const nodes = resolveNodes(world, step.nodes);
      for (const i of nodes) world.pause(i);
      if (step.forMs !== undefined) {
        world.at(world.now + step.forMs, `resume ${nodes.join(',')}`, (w) => {
          for (const i of nodes) w.resume(i);
        });
      }
      return;
    }
    case 'resume':
      for (const i of resolveNodes(world, step.nodes)) world.resume(i);
      return;
    case 'leave':
      for (const i of resolveNodes(world, step.nodes)) {
        if (world.state(i) === 'up') world.command(i, (c, now) => c.leave(now, step.timeoutMs ?? 5000));
      }
      return;
    case 'cut': {
      const a = resolveNodes(world, step.a);
      let b: number[];
      if (step.b !== undefined) b = resolveNodes(world, step.b);
      else {
        const inA = new Set(a);
        b = [];
        for (let i = 0; i < world.size; i++) if (!inA.has(i)) b.push(i);
      }
      world.net.partition(a, b, step.oneWay ?? false);
      return;
    }
    case 'heal':
      world.net.heal();
      return;
    case 'link':
      world.net.setDefaultLink(step.params);
      return;
    case 'expect': {
      results.push({ at: world.now, text: formatStep(step), ...checkExpect(world, step) });
      return;
    }
  }
}

function checkExpect<C extends ProtocolCore<E>, E>(
  world: World<C, E>,
  step: Extract<FaultStep, { do: 'expect' }>,
): { ok: boolean; detail: string } {
  if (step.what === 'converged') return viewAgreement(world);
  const targets = resolveNodes(world, step.nodes ?? []);
  for (const o of world.liveNodes()) {
    const view = world.core(o) as unknown as MembershipView | null;
    if (view === null) continue;
    for (const t of targets) {
      if (t === o) continue;
      const m = view.member(world.name(t));
      const up = m !== undefined && (m.state === 'alive' || m.state === 'suspect');
      if (step.what === 'alive' && !up) {
        return { ok: false, detail: `${world.name(o)} sees ${world.name(t)} ${m?.state ?? 'unknown'}` };
      }
      if (step.what === 'dead' && up) {
        return { ok: false, detail: `${world.name(o)} still sees ${world.name(t)} ${m.state}` };
      }
    }
  }
  return { ok: true, detail: '' };
}

// ------------------------------------------------------------------ text form

const LINK_WORDS: Record<string, keyof LinkParams> = {
  loss: 'loss',
  delay: 'delayMs',
  jitter: 'jitterMs',
  dup: 'duplicate',
  reorder: 'reorder',
  'reorder-ms': 'reorderMs',
};

/** Parse a duration: `250`, `250ms`, `3s`, `1.5s`, `2m`. Returns ms or `undefined`. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) return undefined;
  const v = Number(m[1]);
  const unit = m[2] ?? 'ms';
  const ms = unit === 'm' ? v * 60_000 : unit === 's' ? v * 1000 : v;
  return Math.round(ms);
}

function parseNodeSet(text: string): NodeSet | undefined {
  const out: (number | string)[] = [];
  for (const part of text.split(',')) {
    const p = part.trim();
    if (p === '') return undefined;
    const range = /^(\d+)\.\.(\d+)$/.exec(p);
    if (range) {
      const lo = Number(range[1]);
      const hi = Number(range[2]);
      if (hi < lo || hi - lo > 1_000_000) return undefined;
      for (let i = lo; i <= hi; i++) out.push(i);
    } else if (/^\d+$/.test(p)) out.push(Number(p));
    else if (/^[A-Za-z][A-Za-z0-9_.:-]*$/.test(p)) out.push(p);
    else return undefined;
  }
  return out;
}

/**
 * Parse the text form (see the module comment). Every bad line is reported at once in one
 * {@link ConfigError}, as `line N: problem`.
 */
export function parseFaults(text: string): FaultStep[] {
  const steps: FaultStep[] = [];
  const problems: string[] = [];
  const lines = text.split('\n');
  for (let ln = 0; ln < lines.length; ln++) {
    const line = (lines[ln] as string).replace(/#.*$/, '').trim();
    if (line === '') continue;
    const r = parseLine(line);
    if (typeof r === 'string') problems.push(`line ${ln + 1}: ${r}`);
    else steps.push(r);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return steps;
}

function parseLine(line: string): FaultStep | string {
  const words = line.split(/\s+/);
  const at = parseDuration(words[0] ?? '');
  if (at === undefined) return `bad time '${words[0]}'`;
  const verb = words[1];
  const rest = words.slice(2).join(' ');
  const nodes = (s: string): NodeSet | string => parseNodeSet(s) ?? `bad node list '${s}'`;
  switch (verb) {
    case 'kill':
    case 'restart':
    case 'resume': {
      const n = nodes(rest);
      return typeof n === 'string' ? n : { at, do: verb, nodes: n };
    }
    case 'join': {
      const m = /^(.+?)\s+via\s+(.+)$/.exec(rest);
      if (!m) return `expected 'join NODES via SEEDS'`;
      const n = nodes(m[1] as string);
      const s = nodes(m[2] as string);
      if (typeof n === 'string') return n;
      if (typeof s === 'string') return s;
      return { at, do: 'join', nodes: n, seeds: s };
    }
    case 'pause': {
      const m = /^(.+?)(?:\s+for\s+(\S+))?$/.exec(rest);
      const n = nodes(m?.[1] ?? '');
      if (typeof n === 'string') return n;
      if (m?.[2] === undefined) return { at, do: 'pause', nodes: n };
      const d = parseDuration(m[2]);
      if (d === undefined) return `bad duration '${m[2]}'`;
      return { at, do: 'pause', nodes: n, forMs: d };
    }
    case 'leave': {
      const n = nodes(rest);
      return typeof n === 'string' ? n : { at, do: 'leave', nodes: n };
    }
    case 'cut': {
      const m = /^(.+?)(?:\s*(\||->)\s*(.+))?$/.exec(rest);
      const a = nodes(m?.[1] ?? '');
      if (typeof a === 'string') return a;
      if (m?.[3] === undefined) return { at, do: 'cut', a };
      const b = nodes(m[3]);
      if (typeof b === 'string') return b;
      return { at, do: 'cut', a, b, oneWay: m[2] === '->' };
    }
    case 'heal':
      return rest === '' ? { at, do: 'heal' } : `'heal' takes no arguments`;
    case 'expect': {
      const m = /^(converged|alive|dead)(?:\s+(.+))?$/.exec(rest);
      if (!m) return `expected 'expect converged|alive NODES|dead NODES'`;
      const what = m[1] as 'converged' | 'alive' | 'dead';
      if (what === 'converged')
        return m[2] === undefined ? { at, do: 'expect', what } : `'converged' takes no nodes`;
      const n = nodes(m[2] ?? '');
      return typeof n === 'string' ? n : { at, do: 'expect', what, nodes: n };
    }
    default: {
      const key = verb === undefined ? undefined : LINK_WORDS[verb];
      if (key === undefined) return `unknown step '${verb ?? ''}'`;
      const isMs = key === 'delayMs' || key === 'jitterMs' || key === 'reorderMs';
      const v = isMs ? parseDuration(rest) : Number(rest);
      if (v === undefined || !Number.isFinite(v) || v < 0 || (!isMs && v > 1))
        return `bad value '${rest}' for ${verb}`;
      return { at, do: 'link', params: { [key]: v } };
    }
  }
}

function formatNodes(set: NodeSet): string {
  // Compress runs of consecutive indexes back into ranges.
  const parts: string[] = [];
  for (let i = 0; i < set.length; i++) {
    const v = set[i] as number | string;
    if (typeof v === 'number') {
      let j = i;
      while (j + 1 < set.length && set[j + 1] === (set[j] as number) + 1) j++;
      parts.push(j > i ? `${v}..${set[j] as number}` : String(v));
      i = j;
    } else parts.push(v);
  }
  return parts.join(',');
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** One step in the text form (parseFaults(formatStep(s)) gives back `s`). */
export function formatStep(step: FaultStep): string {
  const at = formatMs(step.at);
  switch (step.do) {
    case 'join':
      return `${at} join ${formatNodes(step.nodes)} via ${formatNodes(step.seeds)}`;
    case 'kill':
    case 'restart':
    case 'resume':
    case 'leave':
      return `${at} ${step.do} ${formatNodes(step.nodes)}`;
    case 'pause':
      return `${at} pause ${formatNodes(step.nodes)}${step.forMs !== undefined ? ` for ${formatMs(step.forMs)}` : ''}`;
    case 'cut':
      return `${at} cut ${formatNodes(step.a)}${
        step.b !== undefined ? ` ${step.oneWay ? '->' : '|'} ${formatNodes(step.b)}` : ''
      }`;
    case 'heal':
      return `${at} heal`;
    case 'link':
      return Object.entries(step.params)
        .map(([k, v]) => {
          const word = Object.keys(LINK_WORDS).find((w) => LINK_WORDS[w] === k) ?? k;
          return `${at} ${word} ${k.endsWith('Ms') ? formatMs(v as number) : String(v)}`;
        })
        .join('\n');
    case 'expect':
      return `${at} expect ${step.what}${step.nodes !== undefined ? ` ${formatNodes(step.nodes)}` : ''}`;
  }
}

/** A whole schedule in the text form. */
export function formatFaults(steps: readonly FaultStep[]): string {
  return steps.map(formatStep).join('\n');
}
