/**
 * Fuzz the wire decoders outside CI: `npm run fuzz -- [--seconds N] [--seed S] [--count C]`.
 * Mutates the captured serf packets (test/vectors) and feeds every decoder, as the hostile-input
 * test does, for as long as asked. Prints the seed and the number of inputs; on a failure prints
 * the decoder, the input and the command that replays it, and exits 1.
 */
import { randomInt } from 'node:crypto';
import { FuzzFailure, runFuzz } from '../test/helpers/wire-fuzz.js';
import { toHex } from '../test/helpers/wire-vectors.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) {
    console.error(`--${name} needs a non-negative number`);
    process.exit(2);
  }
  return v;
}

const seconds = arg('seconds', 60);
const seed = arg('seed', randomInt(0, 2 ** 31));
const count = arg('count', Number.MAX_SAFE_INTEGER);
const start = performance.now();
console.log(`fuzz-wire: seed ${seed}, up to ${seconds} s`);
try {
  const stats = runFuzz(seed, count, () => performance.now(), start + seconds * 1000);
  const elapsed = (performance.now() - start) / 1000;
  console.log(`fuzz-wire: seed ${seed}: ${stats.inputs} inputs in ${elapsed.toFixed(1)} s, no failure`);
} catch (e) {
  if (!(e instanceof FuzzFailure)) throw e;
  console.error(`fuzz-wire: seed ${seed}: ${e.target} threw something other than DecodeError:`);
  console.error(e.thrown);
  console.error(`input (${e.input.length} bytes): ${toHex(e.input)}`);
  console.error(`replay: npm run fuzz -- --seed ${seed} --seconds ${seconds}`);
  process.exit(1);
}
