/**
 * Where terratower finds its own files and keeps its cache. One module for both, so a moved
 * or compiled file never computes the package root differently from another.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The nearest directory above `start` whose package.json names the terratower package: the
 * checkout when run from sources, the installed package under node_modules when run from dist.
 */
export function findPackageRoot(start: string): string {
  let dir = start;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'terratower') return dir;
      } catch {
        // an unreadable package.json is not ours: keep looking upward
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`terratower: no terratower package.json above ${start}`);
    dir = parent;
  }
}

/** Root of the terratower package (the checkout, or the installed package). */
export const REPO_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

/** packer/ — versions.env and the install scripts shared with the AMI builds and the twin. */
export const PACKER_DIR = join(REPO_ROOT, 'packer');

/** dist/ — the compiled package (`npm run build`): JavaScript, declarations and the app bundles. */
export const DIST_DIR = join(REPO_ROOT, 'dist');

/** The one-file bundle of an app (`dist/bundle/producer.mjs`, `dist/bundle/consumer.mjs`). */
export function appBundle(app: 'producer' | 'consumer'): string {
  return join(DIST_DIR, 'bundle', `${app}.mjs`);
}

/** The compiled twin daemon's entry. */
export const TWIN_DAEMON_ENTRY = join(DIST_DIR, 'src', 'twin', 'daemon', 'main.js');

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

/** Directory the Go-build installer puts built binaries in (`<cache>/bin`). */
export function binDir(): string {
  return join(cacheDir(), 'bin');
}

/** Directory holding the scratch Go modules and build logs (`<cache>/build`). */
export function buildDir(): string {
  return join(cacheDir(), 'build');
}

/** Directory holding one sub-directory per terraform run (`<cache>/tf-runs`). */
export function terraformRunsRoot(): string {
  return join(cacheDir(), 'tf-runs');
}
