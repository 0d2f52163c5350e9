/**
 * `gossip-peer sim`: run the deterministic simulator (src/sim/run.ts) and print its figures.
 *
 *   gossip-peer sim --nodes 1000 --seconds 120 --loss 0.05 --kill 10 --seed 7 [--json]
 *
 * Prints the detection times to the first and to all observers (p50/p99/max), false failures,
 * messages and bytes per node per second, whether the views agree at the end, the trace hash,
 * then — on a line of its own, as it is not deterministic — simulated vs wall time and peak RSS,
 * and the command that replays the run. The same seed prints the same figures.
 * Exit status: 0, or 1 when an `expect` step of a `--faults` schedule failed; bad flags print one
 * line and exit 2.
 */
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseFaults, type FaultStep } from '../../sim/faults.js';
import {
  PUSH_PULL_AUTO_OFF_ABOVE,
  runSimulation,
  SIM_LIMITS,
  type SimReport,
  type SimRunOptions,
  type Spread,
} from '../../sim/run.js';
import { ConfigError, GossipError } from '../../wire/errors.js';
import { CliError } from '../errors.js';
import type { CliCommand } from './index.js';

/** Raw option values as commander hands them over (strings, or true for flags). */
interface RawSimOptions {
  nodes?: string;
  seconds?: string;
  loss?: string;
  kill?: string;
  killAt?: string;
  seed?: string;
  profile?: string;
  detector?: string;
  bootstrap?: string;
  pushPull?: string;
  seeds?: string;
  pause?: string;
  pauseAt?: string;
  pauseFor?: string;
  partition?: string;
  partitionAt?: string;
  partitionFor?: string;
  delay?: string;
  jitter?: string;
  dup?: string;
  reorder?: string;
  faults?: string;
  json?: boolean;
  progress?: boolean;
}

function bad(flag: string, what: string, got: string): CliError {
  return new CliError(`--${flag}: must be ${what} (got '${got}')`, 2);
}

function intFlag(flag: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!(n >= min && n <= max)) throw bad(flag, `an integer between ${min} and ${max}`, v);
  return n;
}

function numFlag(
  flag: string,
  v: string | undefined,
  min: number,
  max: number,
  what: string,
): number | undefined {
  if (v === undefined) return undefined;
  const n = /^\d+(\.\d+)?$/.test(v) ? Number(v) : NaN;
  if (!(n >= min && n <= max)) throw bad(flag, what, v);
  return n;
}

function probFlag(flag: string, v: string | undefined, maxExclusive = false): number | undefined {
  const n = numFlag(flag, v, 0, 1, maxExclusive ? 'a probability in [0, 1)' : 'a probability in [0, 1]');
  if (n !== undefined && maxExclusive && n >= 1) throw bad(flag, 'a probability in [0, 1)', v as string);
  return n;
}

/** Seconds (decimals allowed) → integer ms. */
function secondsFlag(flag: string, v: string | undefined): number | undefined {
  const s = numFlag(flag, v, 0, SIM_LIMITS.maxSeconds, `seconds between 0 and ${SIM_LIMITS.maxSeconds}`);
  return s === undefined ? undefined : Math.round(s * 1000);
}

function choice<T extends string>(flag: string, v: string | undefined, allowed: readonly T[]): T | undefined {
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw bad(flag, `one of ${allowed.join(', ')}`, v);
  return v as T;
}

/** Turn raw flags into run options; throws a one-line {@link CliError} on the first bad flag. */
export function parseSimFlags(raw: RawSimOptions): { options: SimRunOptions; replay: string } {
  const nodes = intFlag('nodes', raw.nodes, 1, SIM_LIMITS.maxNodes) ?? 100;
  const seconds =
    numFlag(
      'seconds',
      raw.seconds,
      0.001,
      SIM_LIMITS.maxSeconds,
      `seconds in (0, ${SIM_LIMITS.maxSeconds}]`,
    ) ?? 60;
  const seed = intFlag('seed', raw.seed, 0, 0xffffffff) ?? randomInt(0, 0x7fffffff);
  let faults: FaultStep[] | undefined;
  if (raw.faults !== undefined) {
    let text: string;
    try {
      text = readFileSync(raw.faults, 'utf8');
    } catch (e) {
      throw new CliError(
        `--faults: cannot read ${raw.faults}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
        2,
      );
    }
    try {
      faults = parseFaults(text);
    } catch (e) {
      if (e instanceof ConfigError) throw new CliError(`--faults: ${e.problems.join('; ')}`, 2);
      throw e;
    }
  }
  const opt = <K extends keyof SimRunOptions>(k: K, v: SimRunOptions[K] | undefined) =>
    v === undefined ? {} : { [k]: v };
  const options: SimRunOptions = {
    nodes,
    seconds,
    seed,
    ...opt('profile', choice('profile', raw.profile, ['lan', 'wan', 'local'] as const)),
    ...opt('detector', choice('detector', raw.detector, ['adaptive', 'memberlist'] as const)),
    ...opt('loss', probFlag('loss', raw.loss, true)),
    ...opt('kill', intFlag('kill', raw.kill, 0, Math.max(0, nodes - 1))),
    ...opt('killAtMs', secondsFlag('kill-at', raw.killAt)),
    ...opt('bootstrap', choice('bootstrap', raw.bootstrap, ['join', 'prejoined'] as const)),
    ...opt('pushPull', choice('push-pull', raw.pushPull, ['on', 'off'] as const)),
    ...opt('seeds', intFlag('seeds', raw.seeds, 1, nodes)),
    ...opt('pause', intFlag('pause', raw.pause, 0, Math.max(0, nodes - 1))),
    ...opt('pauseAtMs', secondsFlag('pause-at', raw.pauseAt)),
    ...opt('pauseMs', secondsFlag('pause-for', raw.pauseFor)),
    ...opt('partition', numFlag('partition', raw.partition, 0, 1, 'a fraction in (0, 1)')),
    ...opt('partitionAtMs', secondsFlag('partition-at', raw.partitionAt)),
    ...opt('partitionMs', secondsFlag('partition-for', raw.partitionFor)),
    ...opt('delayMs', intFlag('delay', raw.delay, 0, 60_000)),
    ...opt('jitterMs', intFlag('jitter', raw.jitter, 0, 60_000)),
    ...opt('duplicate', probFlag('dup', raw.dup)),
    ...opt('reorder', probFlag('reorder', raw.reorder)),
    ...opt('faults', faults),
  };
  if (options.partition !== undefined && !(options.partition > 0 && options.partition < 1)) {
    throw bad('partition', 'a fraction in (0, 1)', raw.partition as string);
  }
  // The replay command: every flag given, with the seed made explicit.
  const words = ['gossip-peer sim'];
  const flagOf: [keyof RawSimOptions, string][] = [
    ['nodes', 'nodes'],
    ['seconds', 'seconds'],
    ['loss', 'loss'],
    ['kill', 'kill'],
    ['killAt', 'kill-at'],
    ['profile', 'profile'],
    ['detector', 'detector'],
    ['bootstrap', 'bootstrap'],
    ['pushPull', 'push-pull'],
    ['seeds', 'seeds'],
    ['pause', 'pause'],
    ['pauseAt', 'pause-at'],
    ['pauseFor', 'pause-for'],
    ['partition', 'partition'],
    ['partitionAt', 'partition-at'],
    ['partitionFor', 'partition-for'],
    ['delay', 'delay'],
    ['jitter', 'jitter'],
    ['dup', 'dup'],
    ['reorder', 'reorder'],
    ['faults', 'faults'],
  ];
  for (const [k, flag] of flagOf) {
    const v = raw[k];
    if (typeof v === 'string') words.push(`--${flag} ${/^[\w./:-]+$/.test(v) ? v : JSON.stringify(v)}`);
  }
  words.push(`--seed ${seed}`);
  return { options, replay: words.join(' ') };
}

function sec(ms: number | null): string {
  return ms === null ? '-' : `${(ms / 1000).toFixed(2)} s`;
}

function spreadText(s: Spread): string {
  return `p50 ${sec(s.p50)}  p99 ${sec(s.p99)}  max ${sec(s.max)}`;
}

/** The human-readable report: deterministic lines first, then the wall-time line and the replay line. */
export function formatSimReport(r: SimReport, replay: string): string {
  const f = r.figures;
  const d = f.detection;
  const lines = [
    `simulated ${f.nodes} nodes for ${f.seconds} s: profile ${f.profile}, detector ${f.detector}, loss ${Number((f.loss * 100).toFixed(4))}%, bootstrap ${f.bootstrap}, seed ${f.seed}`,
    `push-pull: periodic ${f.pushPull}${
      f.pushPullAuto
        ? f.pushPull === 'off'
          ? ` (default above ${PUSH_PULL_AUTO_OFF_ABOVE} nodes: a faithful run exchanges ~2·N² member entries in its first 30 s; --push-pull on to run it)`
          : ` (default up to ${PUSH_PULL_AUTO_OFF_ABOVE} nodes)`
        : ' (--push-pull)'
    }`,
    ...f.schedule.map((s) => `  fault: ${s}`),
    `detection of ${d.crashed} crashed node(s): ${d.detectedByFirst} declared dead by someone, ${d.detectedByAll} by every live node`,
    `  to first node: ${spreadText(d.firstMs)}`,
    `  to all nodes:  ${spreadText(d.allMs)}`,
    `  per observer:  ${spreadText(d.perObserverMs)}`,
    `false failures: ${f.falseFailures} (${f.falseFailureNodes} distinct nodes), false suspicions: ${f.falseSuspicions}`,
    `per node per second: ${f.perNode.msgsPerSec} msgs (${f.perNode.packetsPerSec} UDP packets, ${f.perNode.streamsPerSec} TCP streams), ${f.perNode.bytesPerSec} bytes`,
    `network: ${f.network.packetsSent} packets sent, ${f.network.lostToLoss} lost, ${f.network.lostToPartition} cut; ${f.network.streamsOpened} streams, ${f.network.streamsFailed} failed`,
    `memory: member tables ${f.memory.tableBytesPerMember} B per known member (${f.memory.memberRecords} records, ${f.memory.tableMiB.toFixed(1)} MiB)`,
    `views agree at end: ${f.converged ? 'yes' : `no (${f.convergenceDetail})`} [${f.convergenceCheck} check]`,
    ...f.expectations.map(
      (e) => `  expect ${e.ok ? 'ok  ' : 'FAIL'} ${e.text}${e.ok ? '' : `: ${e.detail}`}`,
    ),
    `trace: ${f.traceHash} (${f.steps} steps)`,
    `time: ${f.seconds} s simulated in ${(r.cost.wallMs / 1000).toFixed(1)} s wall (${r.cost.speedup}x), ${(r.cost.cpuMs / 1000).toFixed(1)} s CPU, peak RSS ${r.cost.peakRssMiB} MiB`,
    `replay: ${replay}`,
  ];
  return lines.join('\n') + '\n';
}

/** The `sim` subcommand. */
export const simCommand: CliCommand = {
  register(program: Command): void {
    program
      .command('sim')
      .description('run the deterministic simulator and print detection times, false failures and traffic')
      .option('--nodes <n>', 'number of nodes (default 100)')
      .option('--seconds <s>', 'simulated seconds (default 60)')
      .option('--loss <p>', 'UDP loss probability on every link, [0, 1) (default 0)')
      .option('--kill <n>', 'nodes to crash (default 0)')
      .option('--kill-at <s>', 'when to crash them, seconds (default a quarter of the run)')
      .option('--seed <n>', 'run seed, uint32 (default random, printed)')
      .option('--profile <name>', 'lan, wan or local (default lan)')
      .option('--detector <mode>', 'adaptive or memberlist (default adaptive, docs/failure-detection.md)')
      .option('--bootstrap <mode>', 'join or prejoined (default join up to 2000 nodes)')
      .option(
        '--push-pull <on|off>',
        `periodic push-pull (default on up to ${PUSH_PULL_AUTO_OFF_ABOVE} nodes, off above)`,
      )
      .option('--seeds <n>', 'seed nodes the others join through (default 1)')
      .option('--pause <n>', 'nodes to pause (SIGSTOP) and resume (default 0)')
      .option('--pause-at <s>', 'when to pause them, seconds (default a quarter of the run)')
      .option('--pause-for <s>', 'how long they stay paused, seconds (default 2)')
      .option('--partition <fraction>', 'cut this fraction of nodes off from the rest')
      .option('--partition-at <s>', 'when the partition starts, seconds (default a quarter of the run)')
      .option('--partition-for <s>', 'how long it lasts, seconds (default 5)')
      .option('--delay <ms>', 'one-way link delay, ms (default 1)')
      .option('--jitter <ms>', 'extra random delay up to this, ms (default 1)')
      .option('--dup <p>', 'UDP duplication probability (default 0)')
      .option('--reorder <p>', 'UDP reordering probability (default 0)')
      .option('--faults <file>', 'extra fault schedule in the text form (see src/sim/faults.ts)')
      .option('--progress', 'print the simulated time to stderr while running')
      .option('--json', 'print the figures as one JSON object')
      .action((raw: RawSimOptions) => {
        const { options, replay } = parseSimFlags(raw);
        let report: SimReport;
        try {
          report = runSimulation({
            ...options,
            ...(raw.progress
              ? { onProgress: (ms: number) => process.stderr.write(`\rsimulated ${ms / 1000} s`) }
              : {}),
          });
        } catch (e) {
          if (e instanceof ConfigError) throw new CliError(e.problems.join('; '), 2);
          if (e instanceof GossipError) throw new CliError(e.message, 1);
          throw e;
        }
        if (raw.progress) process.stderr.write('\n');
        if (raw.json) {
          process.stdout.write(`${JSON.stringify({ ...report.figures, wall: report.cost, replay })}\n`);
        } else {
          process.stdout.write(formatSimReport(report, replay));
        }
        if (report.figures.expectations.some((e) => !e.ok)) process.exitCode = 1;
      });
  },
};
