/** Command-line options of `npm run bench -- …` (see ../main.ts for the usage text). */
import { parseArgs } from 'node:util';
import { IMPLS, type Impl } from './impls.js';
import { SCENARIOS, type RunSettings, type Scenario } from './result.js';

/** Validated options. */
export interface BenchOptions extends RunSettings {
  /** Output directory (default `<repo>/bench/results`). */
  readonly out: string | undefined;
  readonly serf: string;
  readonly help: boolean;
}

/** Bad options: the message says which and why. */
export class UsageError extends Error {}

function int(name: string, v: string | undefined, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${name}: must be an integer from ${min} to ${max} (got ${JSON.stringify(v)})`);
  return n;
}

/** Parses argv (without node and script). */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        impl: { type: 'string' },
        nodes: { type: 'string' },
        scenario: { type: 'string' },
        rounds: { type: 'string' },
        loss: { type: 'string' },
        'loss-seconds': { type: 'string' },
        'settle-seconds': { type: 'string' },
        'steady-seconds': { type: 'string' },
        'formation-concurrency': { type: 'string' },
        sequential: { type: 'boolean' },
        seed: { type: 'string' },
        out: { type: 'string' },
        serf: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const implArg = values.impl ?? 'both';
  let impls: Impl[];
  if (implArg === 'both') impls = [...IMPLS];
  else if (implArg === 'ours' || implArg === 'serf') impls = [implArg];
  else throw new UsageError(`--impl: must be ours, serf or both (got ${JSON.stringify(implArg)})`);

  const scenarioArg = values.scenario ?? 'all';
  let scenarios: Scenario[];
  if (scenarioArg === 'all') scenarios = [...SCENARIOS];
  else {
    const names = scenarioArg.split(',').map((s) => s.trim());
    for (const s of names)
      if (!(SCENARIOS as readonly string[]).includes(s))
        throw new UsageError(`--scenario: unknown "${s}" (one of ${SCENARIOS.join(', ')}, all)`);
    scenarios = SCENARIOS.filter((s) => names.includes(s));
  }

  const lossPercents =
    values.loss === undefined
      ? [10, 20, 30]
      : values.loss.split(',').map((p) => int('loss', p.trim(), 0, 1, 99));

  return {
    impls,
    nodes: int('nodes', values.nodes, 32, 2, 200),
    scenarios,
    rounds: int('rounds', values.rounds, 3, 1, 50),
    lossPercents,
    lossSeconds: int('loss-seconds', values['loss-seconds'], 120, 1, 3600),
    settleSeconds: int('settle-seconds', values['settle-seconds'], 10, 0, 600),
    steadySeconds: int('steady-seconds', values['steady-seconds'], 60, 1, 3600),
    formationConcurrency: int('formation-concurrency', values['formation-concurrency'], 16, 1, 200),
    sideBySide: values.sequential !== true,
    seed: int('seed', values.seed, 1, 0, 2 ** 31),
    out: values.out,
    serf: values.serf ?? '/usr/bin/serf',
    help: values.help === true,
  };
}
