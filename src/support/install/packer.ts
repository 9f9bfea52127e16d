/**
 * Finds `packer`, or builds Packer 1.9.4 into the cache (`<cache>/bin/packer`).
 *
 * Packer 1.9.4 is the last release that bundles the amazon plugin, so its `validate` and `build`
 * work without `packer init` (which cannot download plugins here). `go install …@v1.9.4` fails on
 * these machines (the module proxy refuses the version list go reads to check deprecation), so
 * the build is a scratch module that requires `github.com/hashicorp/packer v1.9.4` and runs
 * `go build` of it with `GOFLAGS=-mod=mod` (MACHINE-FACTS.md; ~3 min of CPU, 120 MB, once), by the
 * Go-build installer (go-build.ts: its lock, progress and errors).
 *
 * Lookup order: `$TERRATOWER_PACKER` (explicit path), `packer` on PATH when it reports 1.9.x
 * (later releases no longer bundle the amazon plugin), then `<cache>/bin/packer`.
 */
import { join } from 'node:path';
import { execa } from 'execa';
import { cacheDir } from '../paths.ts';
import { pinnedVersion } from '../versions.ts';
import {
  everyOnPath,
  GoBuildError,
  goBuild,
  isExecutable,
  type ScratchModule,
  scratchModule as goScratchModule,
} from './go-build.ts';

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

/** The version `packer version` reports (`Packer v1.9.4` → `1.9.4`), or undefined if it does not run. */
export async function packerVersion(path: string): Promise<string | undefined> {
  const result = await execa(path, ['version'], { reject: false, timeout: 30_000, env: { CHECKPOINT_DISABLE: '1' } });
  if (result.exitCode !== 0) return undefined;
  const match = /Packer v(\d+\.\d+\.\d+)/.exec(String(result.stdout));
  return match?.[1];
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
  for (const candidate of await everyOnPath('packer', env.PATH ?? '')) {
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

function packerModule(version: string): ScratchModule {
  return goScratchModule({
    name: 'packer',
    go: '1.21',
    require: `github.com/hashicorp/packer v${version}`,
    main: 'github.com/hashicorp/packer',
  });
}

/** The scratch module that builds Packer: a go.mod requiring it and a file importing its main package. */
export function scratchModule(version: string = PACKER_VERSION): { 'go.mod': string; 'tools.go': string } {
  const module = packerModule(version);
  return { 'go.mod': module.goMod, 'tools.go': module.toolsGo };
}

/**
 * Build Packer {@link PACKER_VERSION} into `<cache>/bin/packer`. Shows progress (modules fetched,
 * a heartbeat while compiling) and fails with the fix when Go is missing.
 */
export async function buildPacker(options: PackerInstallOptions = {}): Promise<PackerBinary> {
  try {
    const built = await goBuild({
      name: 'packer',
      version: PACKER_VERSION,
      // Plain `go build` flags: the same as MACHINE-FACTS' build, so a warm Go build cache is reused.
      source: {
        kind: 'module',
        module: packerModule(PACKER_VERSION),
        package: 'github.com/hashicorp/packer',
      },
      minGo: '1.21',
      accepts: 'packer 1.9.x',
      envOverride: 'TERRATOWER_PACKER',
      expected: 'about 3 minutes',
      verify: async (path) => ((await packerVersion(path)) === PACKER_VERSION ? PACKER_VERSION : undefined),
      log: options.log ?? defaultLog,
      ...(options.cacheDir ? { cacheRoot: options.cacheDir } : {}),
      ...(options.env ? { env: options.env } : {}),
    });
    return { path: built.path, version: built.version, source: 'cache' };
  } catch (error) {
    throw error instanceof GoBuildError ? new PackerInstallError(error.message) : error;
  }
}

/** Find packer, or build it into the cache when there is none. */
export async function ensurePacker(options: PackerInstallOptions = {}): Promise<PackerBinary> {
  return (await findPacker(options)) ?? buildPacker(options);
}
