/**
 * Finds `terraform` and `tofu`, or builds them into the cache from the Go module proxy:
 * Terraform 1.5.7 with `go install`, OpenTofu 1.10.7 from a scratch module (its go.mod carries a
 * `replace`, which `go install pkg@version` refuses). See MACHINE-FACTS.md.
 *
 * Lookup order per binary: `$TERRATOWER_TERRAFORM` / `$TERRATOWER_TOFU` (explicit path), then
 * PATH, then `<cache>/bin/<name>`. A binary older than 1.4 (no built-in `terraform_data`) is
 * passed over. Building is the Go-build installer's (go-build.ts): its lock, progress and errors.
 */
import { join } from 'node:path';
import { execa } from 'execa';
import { binDir } from '../paths.ts';
import { pinnedVersion } from '../versions.ts';
import {
  GoBuildError,
  type GoSource,
  goBuild,
  isExecutable,
  type ScratchModule,
  scratchModule,
  whichOnPath,
} from './go-build.ts';

/** Which CLI: HashiCorp Terraform or OpenTofu. */
export type TerraformKind = 'terraform' | 'tofu';

/** Both kinds, in the order tests run them. */
export const TERRAFORM_KINDS: readonly TerraformKind[] = ['terraform', 'tofu'];

/** Versions the installer builds when a binary is not on PATH. */
export const PINNED_VERSIONS: Readonly<Record<TerraformKind, string>> = {
  terraform: pinnedVersion('TERRAFORM_VERSION'),
  tofu: pinnedVersion('TOFU_VERSION'),
};

/** Oldest version accepted from PATH: `terraform_data` is built in from 1.4 on. */
export const MIN_VERSION = '1.4.0';

/** A usable binary. */
export interface TerraformBinary {
  /** terraform or tofu. */
  kind: TerraformKind;
  /** Absolute path of the executable. */
  path: string;
  /** Version it reports, e.g. `1.5.7`. */
  version: string;
  /** Where it was found. */
  source: 'env' | 'path' | 'cache';
}

/** Outcome of making one kind available. */
export type BinaryResolution = { ok: true; binary: TerraformBinary } | { ok: false; reason: string };

/** Options of {@link ensureTerraformBinaries}. */
export interface EnsureOptions {
  /** Kinds to make available. @default both */
  kinds?: readonly TerraformKind[];
  /** Progress sink. @default a line on stderr */
  log?: (line: string) => void;
  /** Build in the cache when not found (false: only look). @default true */
  build?: boolean;
}

/** Raised when no binary can be had (Go missing, build failed, …). */
export class TerraformInstallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TerraformInstallError';
  }
}

const ENV_OVERRIDE: Record<TerraformKind, string> = {
  terraform: 'TERRATOWER_TERRAFORM',
  tofu: 'TERRATOWER_TOFU',
};

const defaultLog = (line: string): void => {
  process.stderr.write(`[terratower install] ${line}\n`);
};

/** Compares dotted versions numerically: negative, 0 or positive like a sort comparator. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
  const pb = b.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Parses the output of `terraform version -json` (or plain `version`): returns `1.5.7` from
 * `{"terraform_version":"1.5.7",…}` or from `Terraform v1.5.7` / `OpenTofu v1.10.7`.
 */
export function parseVersionOutput(stdout: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(stdout);
    if (parsed && typeof parsed === 'object') {
      const record = parsed as Record<string, unknown>;
      for (const key of ['terraform_version', 'tofu_version', 'version']) {
        const value = record[key];
        if (typeof value === 'string' && value !== '') return value.replace(/^v/, '');
      }
    }
  } catch {
    // not JSON: fall through to the text form
  }
  return /\bv?(\d+\.\d+\.\d+(?:-[\w.]+)?)/.exec(stdout)?.[1];
}

/** Asks a binary for its version; undefined when it does not run. */
export async function binaryVersion(path: string): Promise<string | undefined> {
  const result = await execa(path, ['version', '-json'], {
    reject: false,
    timeout: 30_000,
    env: { CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: '/dev/null' },
    stdin: 'ignore',
  });
  if (result.exitCode !== 0) return undefined;
  return parseVersionOutput(result.stdout);
}

/** The cache path a built binary of `kind` lives at. */
export function cachedBinaryPath(kind: TerraformKind): string {
  return join(binDir(), kind);
}

/**
 * Finds an existing binary of `kind` (env override, PATH, cache) without building anything.
 * Returns undefined when there is none of version ≥ {@link MIN_VERSION}.
 */
export async function findTerraformBinary(kind: TerraformKind): Promise<TerraformBinary | undefined> {
  const candidates: Array<{ path: string | undefined; source: TerraformBinary['source'] }> = [
    { path: process.env[ENV_OVERRIDE[kind]] || undefined, source: 'env' },
    { path: await whichOnPath(kind), source: 'path' },
    { path: cachedBinaryPath(kind), source: 'cache' },
  ];
  for (const { path, source } of candidates) {
    if (!path || !(await isExecutable(path))) continue;
    const version = await binaryVersion(path);
    if (version && compareVersions(version, MIN_VERSION) >= 0) return { kind, path, version, source };
  }
  return undefined;
}

/** A scratch go.mod that builds OpenTofu with the one `replace` its own go.mod carries. */
export function tofuScratchModule(version: string): ScratchModule {
  return scratchModule({
    name: 'tofu',
    go: '1.24',
    require: `github.com/opentofu/opentofu v${version}`,
    replace: [
      'replace github.com/hashicorp/hcl/v2 v2.20.1 => github.com/opentofu/hcl/v2 v2.20.2-0.20251021132045-587d123c2828',
    ],
    main: 'github.com/opentofu/opentofu/cmd/tofu',
  });
}

/** What each kind is built from: Terraform with `go install`, OpenTofu from its scratch module. */
function sourceOf(kind: TerraformKind, version: string): GoSource {
  if (kind === 'terraform') return { kind: 'install', package: 'github.com/hashicorp/terraform' };
  return {
    kind: 'module',
    module: tofuScratchModule(version),
    package: 'github.com/opentofu/opentofu/cmd/tofu',
    // version.dev=no: report "1.10.7" as release builds do, not "1.10.7-dev".
    ldflags: '-X github.com/opentofu/opentofu/version.dev=no',
  };
}

/** Builds `kind` at its pinned version into `<cache>/bin/<kind>`; returns the binary. */
export async function buildTerraformBinary(
  kind: TerraformKind,
  log: (line: string) => void = defaultLog,
): Promise<TerraformBinary> {
  const version = PINNED_VERSIONS[kind];
  try {
    const built = await goBuild({
      name: kind,
      version,
      source: sourceOf(kind, version),
      minGo: '1.24',
      accepts: `${kind} ≥ ${MIN_VERSION}`,
      envOverride: ENV_OVERRIDE[kind],
      expected: 'about 3 minutes',
      verify: binaryVersion,
      log,
    });
    return { kind, path: built.path, version: built.version, source: 'cache' };
  } catch (error) {
    throw error instanceof GoBuildError ? new TerraformInstallError(error.message) : error;
  }
}

/**
 * Makes terraform and tofu available: finds each (env override, PATH, cache) or builds it into
 * the cache, one at a time (each build is ~3 min of CPU). Returns what happened per kind; throws
 * {@link TerraformInstallError} only when none of the requested kinds can be had.
 */
export async function ensureTerraformBinaries(
  options: EnsureOptions = {},
): Promise<Record<TerraformKind, BinaryResolution>> {
  const kinds = options.kinds ?? TERRAFORM_KINDS;
  const log = options.log ?? defaultLog;
  const results = {} as Record<TerraformKind, BinaryResolution>;
  for (const kind of TERRAFORM_KINDS) {
    if (!kinds.includes(kind)) {
      results[kind] = { ok: false, reason: 'not requested' };
      continue;
    }
    const found = await findTerraformBinary(kind);
    if (found) {
      log(`${kind} ${found.version}: ${found.path} (${found.source})`);
      results[kind] = { ok: true, binary: found };
      continue;
    }
    if (options.build === false) {
      results[kind] = { ok: false, reason: `${kind} not found and building is off` };
      continue;
    }
    try {
      results[kind] = { ok: true, binary: await buildTerraformBinary(kind, log) };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      log(`${kind} unavailable: ${reason}`);
      results[kind] = { ok: false, reason };
    }
  }
  const available = kinds.filter((k) => results[k].ok);
  if (available.length === 0) {
    const reasons = kinds.map((k) => {
      const r = results[k];
      return `${k}: ${r.ok ? 'ok' : r.reason}`;
    });
    throw new TerraformInstallError(`neither terraform nor tofu can be had:\n${reasons.join('\n')}`);
  }
  return results;
}

/** Resolves one kind for a run: found or built, else throws with the reason. */
export async function requireTerraformBinary(kind: TerraformKind): Promise<TerraformBinary> {
  const resolution = (await ensureTerraformBinaries({ kinds: [kind] }))[kind];
  if (!resolution.ok) throw new TerraformInstallError(resolution.reason);
  return resolution.binary;
}
