/**
 * Writing a run's files — `<name>.json` (every sample), `<name>.svg` (detection-time chart) and
 * `<name>.md` (the table) — and re-rendering them from a JSON file, so that a change to the table
 * or the chart never needs a new measurement.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Impl } from './impls.js';
import { buildTable, resultHeading, tableMarkdown, tableText } from './report.js';
import type { BenchResult } from './result.js';
import { stripPlotSvg, type Series } from './svg.js';

const COLORS: Readonly<Record<Impl, string>> = { serf: '#d1495b', ours: '#2e86ab' };

/** The SVG chart of detection times: per system, every node's detection and the last one per kill. */
export function detectionChart(result: BenchResult): string {
  const series: Series[] = [];
  for (const impl of result.config.impls) {
    const r = result.impls[impl];
    if (r === undefined) continue;
    series.push({
      label: `${impl}: each node, after SIGKILL`,
      values: r.detect.flatMap((d) => d.perObserverMs.map((x) => x / 1000)),
      color: COLORS[impl],
    });
    series.push({
      label: `${impl}: all nodes (the last), per kill`,
      values: r.detect.flatMap((d) => (d.allMs === null ? [] : [d.allMs / 1000])),
      color: COLORS[impl],
    });
  }
  const m = result.machine;
  return stripPlotSvg(
    `Failure detection time, N=${result.config.nodes}, lan profile (member-failed after SIGKILL)`,
    `${result.date.slice(0, 10)} · ${m.nproc}× ${m.cpuModel} · Linux ${m.kernel} · node ${m.node} · serf ${m.serf} · load ${m.loadAtStart[0]}`,
    series,
    'seconds after SIGKILL',
  );
}

/** The result with its table rebuilt from the samples (the current table definition). */
export function withFreshTable(result: BenchResult): BenchResult {
  const loss = result.config.scenarios.includes('loss') ? result.config.lossPercents : [];
  return { ...result, table: buildTable(result.impls, loss) };
}

/** Writes the three files; returns their paths. */
export function writeOutputs(result: BenchResult, dir: string, name: string): string[] {
  const json = join(dir, `${name}.json`);
  writeFileSync(json, JSON.stringify(result, null, 2) + '\n');
  const svg = join(dir, `${name}.svg`);
  writeFileSync(svg, detectionChart(result));
  const md = join(dir, `${name}.md`);
  writeFileSync(md, `${resultHeading(result)}\n\n${tableMarkdown(result.table)}\n`);
  return [json, svg, md];
}

/** The heading, the text table and the errors, as printed on stdout. */
export function resultText(result: BenchResult): string {
  const lines = [resultHeading(result), '', tableText(result.table), ''];
  for (const impl of result.config.impls)
    for (const e of result.impls[impl]?.errors ?? []) lines.push(`${impl}: ${e}`);
  return lines.join('\n') + '\n';
}
