/**
 * One Markdown table across cluster sizes from several result files of `npm run bench`:
 *
 *   node dist/bench/summary.js bench/results/2026-11-26-n8.json bench/results/2026-11-26-n32.json …
 *
 * Columns: serf, ours and ours/serf for each N (files sorted by N); rows: the metrics the issue
 * sets goals for, plus formation and memory. For the README.
 */
import { readFileSync } from 'node:fs';
import type { BenchResult, TableRow } from './harness/result.js';

const METRICS = [
  'formation: all see all',
  'join: first to last node, median',
  'join: spawn to all see it, median',
  'detection: first node, median',
  'detection: all nodes, median',
  'leave: all see it, median',
  'traffic per node',
  'packets per node',
  'CPU per node, mean',
  'RSS per node, mean',
  'false failures at 10% loss',
  'false failures at 20% loss',
  'false failures at 30% loss',
  'members falsely failed at 30% loss',
  'flaps at 30% loss',
];

function cell(x: number | null | undefined, unit: string): string {
  if (x === null || x === undefined) return '—';
  if (unit === 'events' || unit === 'count') return String(Math.round(x));
  if (unit === 's' || unit === '% core') return x.toFixed(2);
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(1);
}

function ratio(r: TableRow | undefined): string {
  if (r === undefined) return '—';
  if (r.ratio !== null) return `${r.ratio.toFixed(2)}x`;
  return r.serf === 0 && r.ours === 0 ? '=' : '—';
}

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write('usage: node dist/bench/summary.js RESULT.json...\n');
  process.exit(2);
}
const results = files
  .map((f) => JSON.parse(readFileSync(f, 'utf8')) as BenchResult)
  .sort((a, b) => a.config.nodes - b.config.nodes);
const head = ['metric', 'unit'];
const align = ['---', '---'];
for (const r of results) {
  head.push(`N=${r.config.nodes} serf`, 'ours', 'ours/serf');
  align.push('--:', '--:', '--:');
}
const lines = [`| ${head.join(' | ')} |`, `|${align.join('|')}|`];
for (const m of METRICS) {
  const rows = results.map((r) => r.table.find((t) => t.metric === m));
  const unit = rows.find((r) => r !== undefined)?.unit;
  if (unit === undefined) continue;
  const cells = [m, unit];
  for (const r of rows) cells.push(cell(r?.serf, unit), cell(r?.ours, unit), ratio(r));
  lines.push(`| ${cells.join(' | ')} |`);
}
process.stdout.write(lines.join('\n') + '\n');
for (const r of results)
  process.stdout.write(
    `\nN=${r.config.nodes}: ${r.date.slice(0, 16).replace('T', ' ')} UTC, load ${r.machine.loadAtStart[0]} → ${r.loadAtEnd[0]}, ${Math.round(r.durationSeconds)} s, commit ${r.machine.gitCommit}`,
  );
process.stdout.write('\n');
