/** The JSON a benchmark run writes (`bench/results/<date>-n<N>.json`). */
import type { FormationResult } from './cluster.js';
import type { Impl } from './impls.js';
import type { LossResult } from './loss.js';
import type { MachineInfo } from './machine.js';
import type { DetectSample, JoinSample, LeaveSample } from './rounds.js';
import type { SteadyResult } from './steady.js';

/** Identifies the format; bump when fields change meaning. */
export const RESULT_SCHEMA = 'gossip-peer-bench/1';

/** The scenarios `--scenario` can name. */
export type Scenario = 'join' | 'detect' | 'leave' | 'steady' | 'loss';

/** Every scenario, in the order they run. */
export const SCENARIOS: readonly Scenario[] = ['join', 'detect', 'leave', 'steady', 'loss'];

/** The settings a run is made of (options, run context and recorded config share them). */
export interface RunSettings {
  readonly impls: readonly Impl[];
  readonly nodes: number;
  readonly scenarios: readonly Scenario[];
  readonly rounds: number;
  readonly lossPercents: readonly number[];
  readonly lossSeconds: number;
  readonly settleSeconds: number;
  readonly steadySeconds: number;
  readonly formationConcurrency: number;
  /** Whether the steady and loss scenarios ran both systems at the same time. */
  readonly sideBySide: boolean;
  readonly seed: number;
}

/** How the run was configured. */
export interface RunConfig extends RunSettings {
  readonly profile: 'lan';
}

/** Everything measured for one system. */
export interface ImplResult {
  formation: FormationResult | null;
  /** True when another system's cluster was running while this one formed. */
  formationAlongside: boolean;
  detect: DetectSample[];
  join: JoinSample[];
  leave: LeaveSample[];
  steady: SteadyResult | null;
  loss: LossResult[];
  /** Problems met (a node that failed to start, a scenario that timed out): the run went on. */
  errors: string[];
}

/** One line of the side-by-side table. */
export interface TableRow {
  readonly metric: string;
  readonly unit: string;
  readonly serf: number | null;
  readonly ours: number | null;
  /** ours / serf, or null when either is missing or serf's is 0. */
  readonly ratio: number | null;
  /** The goal for this metric at N=32, if it sets one. */
  readonly goal?: string;
  /** Whether the goal is met (null: no goal or no data). */
  readonly met?: boolean | null;
}

/** The whole file. */
export interface BenchResult {
  readonly schema: typeof RESULT_SCHEMA;
  /** ISO time the run started. */
  readonly date: string;
  readonly durationSeconds: number;
  readonly command: string;
  readonly machine: MachineInfo;
  readonly loadAtEnd: readonly number[];
  readonly config: RunConfig;
  readonly impls: Partial<Record<Impl, ImplResult>>;
  readonly table: readonly TableRow[];
}

/** An empty per-system record. */
export function emptyImplResult(): ImplResult {
  return {
    formation: null,
    formationAlongside: false,
    detect: [],
    join: [],
    leave: [],
    steady: null,
    loss: [],
    errors: [],
  };
}
