/**
 * Where the terraform lifecycle keeps its binaries and run dirs: under the terratower cache
 * (`$TERRATOWER_CACHE`, else `~/.cache/terratower`).
 */
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the terratower checkout (three levels above this module). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The cache dir: `$TERRATOWER_CACHE`, else `~/.cache/terratower`. */
export function cacheRoot(): string {
  const fromEnv = process.env.TERRATOWER_CACHE;
  return fromEnv && fromEnv.trim() !== '' ? resolve(fromEnv) : join(homedir(), '.cache', 'terratower');
}

/** Directory the installer puts built binaries in (`<cache>/bin`). */
export function binDir(): string {
  return join(cacheRoot(), 'bin');
}

/** Directory holding the scratch Go modules and build logs (`<cache>/build`). */
export function buildDir(): string {
  return join(cacheRoot(), 'build');
}

/** Directory holding one sub-directory per terraform run (`<cache>/tf-runs`). */
export function terraformRunsRoot(): string {
  return join(cacheRoot(), 'tf-runs');
}
