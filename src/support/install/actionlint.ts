/**
 * actionlint (a linter for GitHub Actions workflows), found on PATH or in the cache, or built
 * into `<cache>/bin/actionlint` from the Go module proxy (`go install
 * github.com/rhysd/actionlint/cmd/actionlint@v1.7.12`, ~30 s once) by the Go-build installer
 * (go-build.ts). Used to check the workflow `terratower ci init --github` writes.
 */
import { join } from 'node:path';
import { execa } from 'execa';
import { binDir } from '../paths.ts';
import { GoBuildError, goBuild, isExecutable, whichOnPath } from './go-build.ts';

/** The pinned actionlint version. */
export const ACTIONLINT_VERSION = '1.7.12';

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
  try {
    const built = await goBuild({
      name: 'actionlint',
      version: ACTIONLINT_VERSION,
      source: { kind: 'install', package: 'github.com/rhysd/actionlint/cmd/actionlint' },
      minGo: '1.25',
      expected: 'about 30 s',
      verify: actionlintVersion,
      log,
    });
    return { path: built.path };
  } catch (error) {
    if (error instanceof GoBuildError) return { unavailable: error.message };
    throw error;
  }
}
