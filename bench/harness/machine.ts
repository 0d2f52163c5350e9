/** What the numbers were measured on: the machine, the software versions and the load. */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem, availableParallelism } from 'node:os';

/** A description of the machine and the builds under test. */
export interface MachineInfo {
  readonly nproc: number;
  readonly cpuModel: string;
  readonly kernel: string;
  readonly memoryGiB: number;
  readonly node: string;
  /** The serf package version (dpkg), else `serf version`'s first line. */
  readonly serf: string;
  /** `serf version` first line, as the binary reports itself (Debian's 0.9.4 build says 0.8.2-dev). */
  readonly serfBinary: string;
  /** Commit of this checkout (with `-dirty` if it has changes). */
  readonly gitCommit: string;
  /** 1, 5 and 15 minute load averages when the run started. */
  readonly loadAtStart: readonly number[];
}

function firstLine(file: string, args: readonly string[], cwd?: string): string {
  try {
    return (
      execFileSync(file, [...args], { encoding: 'utf8', cwd, timeout: 10_000 })
        .split('\n')[0]
        ?.trim() ?? ''
    );
  } catch {
    return 'unknown';
  }
}

/** The installed Debian package version of serf, if dpkg knows it. */
function serfPackage(): string | undefined {
  const v = firstLine('dpkg-query', ['-W', '-f', '${Version}', 'serf']);
  return v === '' || v === 'unknown' ? undefined : v;
}

/** Reads the machine description now. */
export function machineInfo(serfBin: string, repoRoot: string): MachineInfo {
  const commit = firstLine('git', ['rev-parse', '--short', 'HEAD'], repoRoot);
  const dirty = firstLine('git', ['status', '--porcelain', '--untracked-files=no'], repoRoot);
  return {
    nproc: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    kernel: release(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    serf: serfPackage() ?? firstLine(serfBin, ['version']),
    serfBinary: firstLine(serfBin, ['version']),
    gitCommit: commit + (dirty !== '' && dirty !== 'unknown' ? '-dirty' : ''),
    loadAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

/** The 1, 5 and 15 minute load averages now. */
export function loadNow(): number[] {
  return loadavg().map((x) => Math.round(x * 100) / 100);
}
