/**
 * actionlint (a linter for GitHub Actions workflows), found on PATH or in the cache, or built
 * into `<cache>/bin/actionlint` from the Go module proxy (`go install
 * github.com/rhysd/actionlint/cmd/actionlint@v1.7.12`, ~30 s once). Used to check the workflow
 * `terratower ci init --github` writes.
 */
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { binDir, buildDir } from '../paths.ts';
import { findGo, whichOnPath } from './terraform.ts';

/** The pinned actionlint version. */
export const ACTIONLINT_VERSION = '1.7.12';

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The version an actionlint binary reports (`-version`'s first line), or undefined. */
export async function actionlintVersion(path: string): Promise<string | undefined> {
  const r = await execa(path, ['-version'], { reject: false });
  return r.exitCode === 0 ? /(\d+\.\d+\.\d+)/.exec(String(r.stdout))?.[1] : undefined;
}

/** actionlint on PATH or in the cache; undefined when there is none. */
export async function findActionlint(): Promise<string | undefined> {
  const cached = join(binDir(), 'actionlint');
  for (const candidate of [await whichOnPath('actionlint'), cached]) {
    if (candidate && (await isExecutable(candidate)) && (await actionlintVersion(candidate))) return candidate;
  }
  return undefined;
}

/**
 * Find actionlint, or build it with Go into the cache. Returns its path, or `{ unavailable }`
 * with the reason (no Go, the build failed) so a caller can skip with it.
 */
export async function ensureActionlint(
  log: (line: string) => void = (l) => process.stderr.write(`[terratower install] ${l}\n`),
): Promise<{ path: string } | { unavailable: string }> {
  const found = await findActionlint();
  if (found) return { path: found };
  const go = await findGo();
  if (!go) return { unavailable: 'actionlint is not on PATH or in the cache, and Go is not installed to build it' };
  const dir = join(buildDir(), `actionlint-${ACTIONLINT_VERSION}`);
  const gobin = join(dir, 'bin');
  await mkdir(gobin, { recursive: true });
  await mkdir(binDir(), { recursive: true });
  log(`building actionlint ${ACTIONLINT_VERSION} from the Go module proxy (about 30 s, once)`);
  const r = await execa(go, ['install', `github.com/rhysd/actionlint/cmd/actionlint@v${ACTIONLINT_VERSION}`], {
    cwd: dir,
    env: { GOBIN: gobin, GOFLAGS: '' },
    reject: false,
    all: true,
    stdin: 'ignore',
  });
  if (r.exitCode !== 0)
    return {
      unavailable: `go install of actionlint failed: ${String(r.all ?? '')
        .split('\n')
        .slice(-5)
        .join(' | ')}`,
    };
  const target = join(binDir(), 'actionlint');
  await rename(join(gobin, 'actionlint'), target);
  return { path: target };
}
