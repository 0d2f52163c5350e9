/** The repository root, found from this compiled file's location (`dist/test/helpers/…`). */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'test', 'vectors'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('repository root not found above ' + fileURLToPath(import.meta.url));
}

/** Absolute path of the repository root. */
export const repoRoot: string = findRoot();

/** Absolute path of a file given relative to the repository root. */
export function repoPath(...parts: string[]): string {
  return join(repoRoot, ...parts);
}
