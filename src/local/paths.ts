/** Where the local twin keeps its cache, its runs and its sources. */
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the terratower checkout (two levels above this module). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The cache dir: `$TERRATOWER_CACHE`, else `~/.cache/terratower`. */
export function cacheDir(): string {
  const fromEnv = process.env.TERRATOWER_CACHE;
  return fromEnv && fromEnv.trim() !== '' ? resolve(fromEnv) : join(homedir(), '.cache', 'terratower');
}

/** Directory holding one sub-directory per twin run. */
export function runsDir(): string {
  return join(cacheDir(), 'runs');
}

/** The run dir of one twin run: run.json, member data dirs and logs. */
export function runDir(runId: string): string {
  return join(runsDir(), runId);
}

/** packer/ — versions.env and the install scripts shared with the AMI builds. */
export const PACKER_DIR = join(REPO_ROOT, 'packer');
