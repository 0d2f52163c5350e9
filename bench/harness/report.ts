/**
 * The side-by-side table (metric, serf, ours, ours/serf, goal) built from a run's results, and
 * its text form for stdout and the README.
 */
import type { Impl } from './impls.js';
import type { BenchResult, ImplResult, TableRow } from './result.js';
import { median } from './stats.js';

type Getter = (r: ImplResult) => number | null | undefined;

interface RowSpec {
  readonly metric: string;
  readonly unit: string;
  readonly get: Getter;
  /** Goal as a maximum ratio ours/serf, or 'zero' for a count that must be 0. */
  readonly goal?: { readonly maxRatio: number } | 'zero';
}

const nonNull = (xs: readonly (number | null)[]): number[] => xs.filter((x): x is number => x !== null);
const med = (xs: readonly (number | null)[]): number | null => median(nonNull(xs));
const sec = (ms: number | null | undefined): number | null =>
  ms === null || ms === undefined ? null : ms / 1000;

function rowSpecs(lossPercents: readonly number[]): RowSpec[] {
  const rows: RowSpec[] = [
    { metric: 'formation: all see all', unit: 's', get: (r) => sec(r.formation?.allSeeAllMs) },
    { metric: 'formation: after last node up', unit: 's', get: (r) => sec(r.formation?.afterLastReadyMs) },
    {
      metric: 'startup: spawn to joined, median',
      unit: 's',
      get: (r) => sec(r.formation?.startupMs?.median),
    },
    {
      metric: 'join: spawn to all see it, median',
      unit: 's',
      get: (r) => sec(med(r.join.map((j) => j.allMs))),
      goal: { maxRatio: 1 },
    },
    {
      metric: 'join: first to last node, median',
      unit: 's',
      get: (r) => sec(med(r.join.map((j) => j.spreadMs))),
      goal: { maxRatio: 1 },
    },
    {
      metric: 'join: spawn to all see it, worst',
      unit: 's',
      get: (r) => {
        const xs = nonNull(r.join.map((j) => j.allMs));
        return xs.length === 0 ? null : Math.max(...xs) / 1000;
      },
    },
    {
      metric: 'detection: first node, median',
      unit: 's',
      get: (r) => sec(med(r.detect.map((d) => d.firstMs))),
    },
    {
      metric: 'detection: all nodes, median',
      unit: 's',
      get: (r) => sec(med(r.detect.map((d) => d.allMs))),
      goal: { maxRatio: 0.33 },
    },
    {
      metric: 'detection: all nodes, worst',
      unit: 's',
      get: (r) => {
        const xs = nonNull(r.detect.map((d) => d.allMs));
        return xs.length === 0 ? null : Math.max(...xs) / 1000;
      },
    },
    {
      metric: 'detection: nodes that missed it',
      unit: 'count',
      get: (r) => (r.detect.length === 0 ? null : r.detect.reduce((s, d) => s + d.missing, 0)),
    },
    {
      metric: 'leave: all see it, median',
      unit: 's',
      get: (r) => sec(med(r.leave.map((l) => l.allMs))),
      goal: { maxRatio: 1 },
    },
    {
      metric: 'join: nodes that missed it',
      unit: 'count',
      get: (r) => (r.join.length === 0 ? null : r.join.reduce((s, j) => s + j.missing, 0)),
    },
    {
      metric: 'leave: nodes that missed it',
      unit: 'count',
      get: (r) => (r.leave.length === 0 ? null : r.leave.reduce((s, l) => s + l.missing, 0)),
    },
    {
      metric: 'leave: all see it, worst',
      unit: 's',
      get: (r) => {
        const xs = nonNull(r.leave.map((l) => l.allMs));
        return xs.length === 0 ? null : Math.max(...xs) / 1000;
      },
    },
    {
      metric: 'traffic per node',
      unit: 'bytes/s',
      get: (r) => r.steady?.bytesPerNodePerSec,
      goal: { maxRatio: 1 },
    },
    { metric: 'packets per node', unit: 'pkt/s', get: (r) => r.steady?.packetsPerNodePerSec },
    {
      metric: 'CPU per node, mean',
      unit: '% core',
      get: (r) => r.steady?.cpuPctPerNode?.mean,
      goal: { maxRatio: 1.5 },
    },
    { metric: 'RSS per node, mean', unit: 'MiB', get: (r) => r.steady?.rssMiB?.mean },
  ];
  for (const p of lossPercents) {
    rows.push({
      metric: `false failures at ${p}% loss`,
      unit: 'events',
      get: (r) => r.loss.find((l) => l.percent === p)?.falseFailures,
      goal: 'zero',
    });
    rows.push({
      metric: `members falsely failed at ${p}% loss`,
      unit: 'count',
      get: (r) => r.loss.find((l) => l.percent === p)?.membersFalselyFailed,
    });
    rows.push({
      metric: `flaps at ${p}% loss`,
      unit: 'events',
      get: (r) => r.loss.find((l) => l.percent === p)?.flaps,
    });
  }
  return rows;
}

/** The table rows for the systems measured (a missing system gives null cells). */
export function buildTable(
  impls: Partial<Record<Impl, ImplResult>>,
  lossPercents: readonly number[],
): TableRow[] {
  const out: TableRow[] = [];
  for (const spec of rowSpecs(lossPercents)) {
    const serfR = impls.serf;
    const oursR = impls.ours;
    const serf = serfR === undefined ? null : (spec.get(serfR) ?? null);
    const ours = oursR === undefined ? null : (spec.get(oursR) ?? null);
    if (serf === null && ours === null) continue;
    const ratio = serf !== null && ours !== null && serf !== 0 ? ours / serf : null;
    let goal: string | undefined;
    let met: boolean | null | undefined;
    if (spec.goal === 'zero') {
      goal = '0';
      met = ours === null ? null : ours === 0;
    } else if (spec.goal !== undefined) {
      goal = `<= ${spec.goal.maxRatio}x`;
      met = ratio === null ? (ours !== null && serf === 0 ? ours === 0 : null) : ratio <= spec.goal.maxRatio;
    }
    out.push({ metric: spec.metric, unit: spec.unit, serf, ours, ratio, goal, met });
  }
  return out;
}

function fmt(x: number | null, unit: string): string {
  if (x === null) return '—';
  if (unit === 'count' || unit === 'events') return String(Math.round(x));
  if (unit === 's') return x.toFixed(2);
  if (unit === '% core') return x.toFixed(2);
  if (Math.abs(x) >= 100) return x.toFixed(0);
  return x.toFixed(1);
}

function fmtRatio(row: TableRow): string {
  if (row.ratio !== null) return `${row.ratio.toFixed(2)}x`;
  if (row.serf === 0 && row.ours === 0) return '=';
  return '—';
}

function fmtGoal(row: TableRow): string {
  if (row.goal === undefined) return '';
  const mark = row.met === true ? 'met' : row.met === false ? 'NOT met' : '?';
  return `${row.goal} (${mark})`;
}

/** The table as aligned text (for stdout). */
export function tableText(rows: readonly TableRow[]): string {
  const head = ['metric', 'unit', 'serf', 'ours', 'ours/serf', 'goal'];
  const body = rows.map((r) => [
    r.metric,
    r.unit,
    fmt(r.serf, r.unit),
    fmt(r.ours, r.unit),
    fmtRatio(r),
    fmtGoal(r),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i >= 2 && i <= 4 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** The table as Markdown (for the README). */
export function tableMarkdown(rows: readonly TableRow[]): string {
  const out = ['| metric | unit | serf | ours | ours/serf | goal |', '|---|---|--:|--:|--:|---|'];
  for (const r of rows)
    out.push(
      `| ${r.metric} | ${r.unit} | ${fmt(r.serf, r.unit)} | ${fmt(r.ours, r.unit)} | ${fmtRatio(r)} | ${fmtGoal(r)} |`,
    );
  return out.join('\n');
}

/** One line saying what a result was measured on, when, and under what load. */
export function resultHeading(r: BenchResult): string {
  const m = r.machine;
  return (
    `gossip-peer (${m.gitCommit}) vs serf ${m.serf}, N=${r.config.nodes}, ${r.date.slice(0, 16).replace('T', ' ')} UTC; ` +
    `${m.nproc}× ${m.cpuModel}, Linux ${m.kernel}, node ${m.node}; load average ${m.loadAtStart[0]} at start, ` +
    `${r.loadAtEnd[0]} at end; ${Math.round(r.durationSeconds)} s; \`${r.command}\``
  );
}
