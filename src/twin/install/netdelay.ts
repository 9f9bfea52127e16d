/**
 * netdelay, the twin's packet delayer (the `latency` fault on namespace zones), built from its Go
 * source shipped in `src/twin/netdelay` into `<cache>/bin/netdelay` by the Go-build installer.
 * Its version is a digest of that source, so an edited source builds again and a stale binary is
 * never used.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { REPO_ROOT, binDir } from '../../support/paths.ts';
import { GoBuildError, goBuild, isExecutable } from '../../support/install/go-build.ts';
import type { ProgressFn } from './run-script.ts';

/** Where the delayer's Go module lives in the package. */
export const NETDELAY_SOURCE_DIR = join(REPO_ROOT, 'src', 'twin', 'netdelay');
/** The module's files, copied into the build's work dir. */
const SOURCE_FILES = ['go.mod', 'go.sum', 'main.go'] as const;

/** The version the source builds: the first 12 hex digits of a SHA-256 over its files. */
export function netdelaySourceVersion(dir = NETDELAY_SOURCE_DIR): string {
  const hash = createHash('sha256');
  for (const file of SOURCE_FILES) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(join(dir, file)));
  }
  return hash.digest('hex').slice(0, 12);
}

/** Path of the built delayer. */
export function netdelayPath(): string {
  return join(binDir(), 'netdelay');
}

/** The version a netdelay binary reports (`netdelay <version>`), or undefined when it does not run. */
async function reportedVersion(path: string): Promise<string | undefined> {
  const r = await execa(path, ['-version'], { reject: false, timeout: 10_000, stdin: 'ignore' });
  return r.exitCode === 0 ? /^netdelay (\S+)/.exec(String(r.stdout).trim())?.[1] : undefined;
}

/** Whether the cached binary is missing or was built from another source (a build is due). */
export function netdelayPending(): boolean {
  if (!existsSync(NETDELAY_SOURCE_DIR)) return false;
  const marker = `${netdelayPath()}.version`; // written beside the binary by ensureNetdelay
  return !existsSync(netdelayPath()) || !existsSync(marker) || readFileSync(marker, 'utf8') !== netdelaySourceVersion();
}

/**
 * The delayer's path, built first when the cached one is missing or stale (a few seconds with the
 * modules cached, about 30 s the first time). Throws a one-line {@link GoBuildError} naming the
 * fix when Go is missing or the build fails.
 */
export async function ensureNetdelay(onProgress?: ProgressFn): Promise<string> {
  const version = netdelaySourceVersion();
  const path = netdelayPath();
  if ((await isExecutable(path)) && (await reportedVersion(path)) === version) {
    if (netdelayPending()) await writeFile(`${path}.version`, version);
    return path;
  }
  const built = await goBuild({
    name: 'netdelay',
    version,
    source: {
      kind: 'directory',
      dir: NETDELAY_SOURCE_DIR,
      files: SOURCE_FILES,
      ldflags: `-s -w -X main.version=${version}`,
    },
    minGo: '1.22',
    accepts: 'a built netdelay',
    expected: 'about 30 s the first time',
    verify: async (p) => ((await reportedVersion(p)) === version ? version : undefined),
    ...(onProgress ? { log: onProgress } : {}),
  });
  await writeFile(`${built.path}.version`, version);
  return built.path;
}

/** {@link ensureNetdelay}, but a failed build is a reason (the latency fault is then unavailable), not an error. */
export async function tryEnsureNetdelay(onProgress?: ProgressFn): Promise<{ path: string } | { unavailable: string }> {
  try {
    return { path: await ensureNetdelay(onProgress) };
  } catch (error) {
    if (error instanceof GoBuildError) return { unavailable: error.message };
    throw error;
  }
}
