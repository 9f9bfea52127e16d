/**
 * Finds `packer`, or builds Packer 1.9.4 into the cache (`<cache>/bin/packer`).
 *
 * Packer 1.9.4 is the last release that bundles the amazon plugin, so its `validate` and `build`
 * work without `packer init` (which cannot download plugins here). `go install …@v1.9.4` fails on
 * these machines (the module proxy refuses the version list go reads to check deprecation), so
 * the build is a scratch module that requires `github.com/hashicorp/packer v1.9.4` and runs
 * `go build` of it with `GOFLAGS=-mod=mod` (MACHINE-FACTS.md; ~3 min of CPU, 120 MB, once).
 *
 * Lookup order: `$TERRATOWER_PACKER` (explicit path), `packer` on PATH when it reports 1.9.x
 * (later releases no longer bundle the amazon plugin), then `<cache>/bin/packer`.
 */
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import { cacheDir } from '../paths.ts';
import { pinnedVersion } from '../versions.ts';

/** The Packer release terratower builds when none is found. */
export const PACKER_VERSION = pinnedVersion('PACKER_VERSION');

/** Where a usable packer came from. */
export type PackerSource = 'env' | 'path' | 'cache';

/** A usable packer binary. */
export interface PackerBinary {
  /** Absolute path of the executable. */
  path: string;
  /** Version it reports, e.g. `1.9.4`. */
  version: string;
  /** Where it was found. */
  source: PackerSource;
}

/** Options of {@link findPacker} and {@link ensurePacker}. */
export interface PackerInstallOptions {
  /** Cache root. @default `$TERRATOWER_CACHE`, else `~/.cache/terratower` */
  cacheDir?: string;
  /** Progress sink. @default a line on stderr */
  log?: (line: string) => void;
  /** Environment to read PATH and TERRATOWER_PACKER from. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** Raised when packer cannot be had (Go missing, build failed, bad override). */
export class PackerInstallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PackerInstallError';
  }
}

const defaultLog = (line: string): void => {
  process.stderr.write(`[terratower packer] ${line}\n`);
};

/** `<cache>/bin`, where the built packer lives. */
export function packerBinDir(root: string = cacheDir()): string {
  return join(root, 'bin');
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The version `packer version` reports (`Packer v1.9.4` → `1.9.4`), or undefined if it does not run. */
export async function packerVersion(path: string): Promise<string | undefined> {
  const result = await execa(path, ['version'], { reject: false, timeout: 30_000, env: { CHECKPOINT_DISABLE: '1' } });
  if (result.exitCode !== 0) return undefined;
  const match = /Packer v(\d+\.\d+\.\d+)/.exec(String(result.stdout));
  return match?.[1];
}

async function onPath(name: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const found: string[] = [];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) found.push(candidate);
  }
  return found;
}

/** Find a usable packer without building one; undefined when there is none yet. */
export async function findPacker(options: PackerInstallOptions = {}): Promise<PackerBinary | undefined> {
  const env = options.env ?? process.env;
  const override = env.TERRATOWER_PACKER;
  if (override && override.trim() !== '') {
    const version = await packerVersion(override);
    if (!version) throw new PackerInstallError(`TERRATOWER_PACKER=${override} does not run \`packer version\``);
    return { path: override, version, source: 'env' };
  }
  for (const candidate of await onPath('packer', env)) {
    const version = await packerVersion(candidate);
    if (version?.startsWith('1.9.')) return { path: candidate, version, source: 'path' };
  }
  const cached = join(packerBinDir(options.cacheDir), 'packer');
  if (await isExecutable(cached)) {
    const version = await packerVersion(cached);
    if (version === PACKER_VERSION) return { path: cached, version, source: 'cache' };
  }
  return undefined;
}

/** The scratch module that builds Packer: a go.mod requiring it and a file importing its main package. */
export function scratchModule(version: string = PACKER_VERSION): Record<string, string> {
  return {
    'go.mod': `module terratower.local/packer-build\n\ngo 1.21\n\nrequire github.com/hashicorp/packer v${version}\n`,
    'tools.go': '//go:build tools\n\npackage tools\n\nimport _ "github.com/hashicorp/packer"\n',
  };
}

/**
 * Build Packer {@link PACKER_VERSION} into `<cache>/bin/packer`. Shows progress (modules fetched,
 * a heartbeat while compiling) and fails with the fix when Go is missing.
 */
export async function buildPacker(options: PackerInstallOptions = {}): Promise<PackerBinary> {
  const log = options.log ?? defaultLog;
  const root = options.cacheDir ?? cacheDir();
  const go = await execa('go', ['version'], { reject: false });
  if (go.failed || go.exitCode !== 0) {
    throw new PackerInstallError(
      `packer ${PACKER_VERSION} is not on PATH or in ${packerBinDir(root)}, and Go is not installed to build it: ` +
        'install Go 1.21+ (https://go.dev/dl/, or apt-get install golang-go), or put packer 1.9.x on PATH, ' +
        'or set TERRATOWER_PACKER=/path/to/packer',
    );
  }
  const work = join(root, 'build', `packer-${PACKER_VERSION}`);
  const binDir = packerBinDir(root);
  await mkdir(work, { recursive: true });
  await mkdir(binDir, { recursive: true });
  for (const [name, text] of Object.entries(scratchModule())) await writeFile(join(work, name), text);

  const partial = join(binDir, `packer.partial.${process.pid}`);
  const target = join(binDir, 'packer');
  log(`building packer ${PACKER_VERSION} with ${String(go.stdout).trim()} into ${target} (first run only, ~3 min)`);
  const started = Date.now();
  let downloads = 0;
  const heartbeat = setInterval(() => {
    log(`still building packer (${Math.round((Date.now() - started) / 1000)} s, ${downloads} modules fetched)`);
  }, 20_000);
  const tail: string[] = [];
  try {
    // Plain `go build` flags: the same as MACHINE-FACTS' build, so a warm Go build cache is reused.
    const child = execa('go', ['build', '-o', partial, 'github.com/hashicorp/packer'], {
      cwd: work,
      env: { GOFLAGS: '-mod=mod' },
      reject: false,
      all: true,
    });
    child.all?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        if (line.startsWith('go: downloading')) downloads += 1;
        else tail.push(line);
        if (tail.length > 40) tail.shift();
      }
    });
    const result = await child;
    if (result.exitCode !== 0) {
      throw new PackerInstallError(
        `go build of packer ${PACKER_VERSION} failed (exit ${result.exitCode}) in ${work}:\n${tail.join('\n')}`,
      );
    }
  } finally {
    clearInterval(heartbeat);
  }
  await rename(partial, target).catch(async (error: unknown) => {
    await rm(partial, { force: true });
    throw error;
  });
  const version = await packerVersion(target);
  if (version !== PACKER_VERSION)
    throw new PackerInstallError(`${target} reports version ${version ?? '(none)'}, expected ${PACKER_VERSION}`);
  log(`packer ${version} ready in ${Math.round((Date.now() - started) / 1000)} s: ${target}`);
  return { path: target, version, source: 'cache' };
}

/** Find packer, or build it into the cache when there is none. */
export async function ensurePacker(options: PackerInstallOptions = {}): Promise<PackerBinary> {
  return (await findPacker(options)) ?? buildPacker(options);
}
