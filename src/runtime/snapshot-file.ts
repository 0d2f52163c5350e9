/**
 * The snapshot file of a node (`createNode({ snapshotPath })`, agent `--snapshot PATH`): read at
 * start, written atomically whenever the core's snapshot state changed (at most every
 * `intervalMs`, and once more at close). Atomic: write a temporary file next to it, fsync, rename
 * over the old one, fsync the directory — a crash leaves either the old or the new snapshot,
 * never a torn one. The format is serf's (src/cluster/snapshot.ts), so a serf snapshot works too.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseSnapshot, type SnapshotData, type SnapshotState } from '../cluster/snapshot.js';
import { DecodeError, GossipError } from '../wire/errors.js';
import { noopLogger, type Logger } from '../core/logger.js';

/**
 * Read `path`: undefined when it does not exist; a {@link GossipError} (`GP_ERR_CONFIG`) naming the
 * file when it cannot be read or is corrupt.
 */
export function readSnapshotFile(path: string, rejoinAfterLeave: boolean): SnapshotData | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new GossipError('GP_ERR_CONFIG', `snapshot ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return parseSnapshot(text, rejoinAfterLeave);
  } catch (err) {
    const msg = err instanceof DecodeError ? err.message : String(err);
    throw new GossipError('GP_ERR_CONFIG', `snapshot ${path}: ${msg}`, { cause: err });
  }
}

/** Replace `path` with `text` atomically (temporary file, fsync, rename, directory fsync). */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw err;
  }
  try {
    const dfd = openSync(dirname(path), 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // some file systems cannot fsync a directory; the rename itself is atomic
  }
}

/** Persists a core's snapshot state while the node runs. */
export class SnapshotPersister {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly path: string,
    private readonly state: SnapshotState,
    private readonly log: Logger = noopLogger,
    private readonly intervalMs = 500,
  ) {}

  /** Check for changes every `intervalMs` (the timer does not keep the process alive). */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.flush(), this.intervalMs);
    this.timer.unref();
  }

  /** Write now if anything changed. Errors are logged, and retried at the next check. */
  flush(): void {
    if (!this.state.dirty) return;
    try {
      writeFileAtomic(this.path, this.state.serialize());
      this.state.markClean();
    } catch (err) {
      this.log.error({ err, path: this.path }, 'failed to write snapshot');
    }
  }

  /** Stop checking, after a last write. */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.flush();
  }
}
