/**
 * Re-renders result files of `npm run bench` from their JSON, with the current table and chart
 * code (no new measurement): rewrites `<name>.json` (table only), `<name>.svg` and `<name>.md`,
 * and prints each table.
 *
 *   npm run build && node dist/bench/render.js bench/results/*.json
 */
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { resultText, withFreshTable, writeOutputs } from './harness/output.js';
import type { BenchResult } from './harness/result.js';

const files = process.argv.slice(2).filter((f) => f.endsWith('.json'));
if (files.length === 0) {
  process.stderr.write('usage: node dist/bench/render.js RESULT.json...\n');
  process.exit(2);
}
for (const f of files) {
  const result = withFreshTable(JSON.parse(readFileSync(f, 'utf8')) as BenchResult);
  writeOutputs(result, dirname(f), basename(f, '.json'));
  process.stdout.write(`${f}\n${resultText(result)}\n`);
}
