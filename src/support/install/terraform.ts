/**
 * Finds `terraform` and `tofu`, or builds them into the cache from the Go module proxy:
 * Terraform 1.5.7 with `go install`, OpenTofu 1.10.7 from a scratch module (its go.mod carries a
 * `replace`, which `go install pkg@version` refuses). See MACHINE-FACTS.md.
 *
 * Lookup order per binary: `$TERRATOWER_TERRAFORM` / `$TERRATOWER_TOFU` (explicit path), then
 * PATH, then `<cache>/bin/<name>`. A binary older than 1.4 (no built-in `terraform_data`) is
 * passed over. The Go used for building is `$TERRATOWER_GO`, else `go` on PATH, else
 * `/usr/local/go/bin/go`.
 */
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import { binDir, buildDir } from '../paths.ts';
import { sleep } from '../time.ts';
import { pidAlive } from '../process.ts';
import { pinnedVersion } from '../versions.ts';

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

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, fsConstants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Looks `name` up on PATH; returns the first executable match. */
export async function whichOnPath(name: string, pathEnv = process.env.PATH ?? ''): Promise<string | undefined> {
  for (const dir of pathEnv.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
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

/** Finds the `go` command: `$TERRATOWER_GO` if set (and only it), else PATH, then the usual install location. */
export async function findGo(): Promise<string | undefined> {
  const explicit = process.env.TERRATOWER_GO;
  if (explicit) return (await isExecutable(explicit)) ? explicit : undefined;
  return (
    (await whichOnPath('go')) ?? ((await isExecutable('/usr/local/go/bin/go')) ? '/usr/local/go/bin/go' : undefined)
  );
}

/** A scratch go.mod that builds OpenTofu with the one `replace` its own go.mod carries. */
export function tofuScratchModule(version: string): { goMod: string; toolsGo: string } {
  return {
    goMod: [
      'module terratower.local/tofu-build',
      '',
      'go 1.24',
      '',
      `require github.com/opentofu/opentofu v${version}`,
      '',
      'replace github.com/hashicorp/hcl/v2 v2.20.1 => github.com/opentofu/hcl/v2 v2.20.2-0.20251021132045-587d123c2828',
      '',
    ].join('\n'),
    toolsGo: '//go:build tools\n\npackage tools\n\nimport _ "github.com/opentofu/opentofu/cmd/tofu"\n',
  };
}

/** Holds a directory lock (mkdir is atomic) so two processes never build the same binary at once. */
async function withBuildLock<T>(name: string, log: (line: string) => void, fn: () => Promise<T>): Promise<T> {
  const lockDir = join(binDir(), `.${name}.lock`);
  await mkdir(binDir(), { recursive: true });
  for (let waited = 0; ; waited++) {
    try {
      await mkdir(lockDir);
      await writeFile(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch {
      let owner = 0;
      try {
        owner = Number(await readFile(join(lockDir, 'pid'), 'utf8'));
      } catch {
        // lock being created right now
      }
      if (owner > 0 && !pidAlive(owner)) {
        await rm(lockDir, { recursive: true, force: true });
        continue;
      }
      if (waited % 30 === 0) log(`waiting for another process (pid ${owner || '?'}) building ${name} …`);
      await sleep(1000);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

/** Runs one go command with a heartbeat on the log, its output appended to `logFile`. */
async function runGo(
  go: string,
  args: string[],
  opts: { cwd: string; env: Record<string, string>; logFile: string; what: string; log: (line: string) => void },
): Promise<void> {
  const started = Date.now();
  const heartbeat = setInterval(() => {
    opts.log(`… still building ${opts.what} (${Math.round((Date.now() - started) / 1000)} s)`);
  }, 20_000);
  try {
    const result = await execa(go, args, {
      cwd: opts.cwd,
      env: opts.env,
      reject: false,
      all: true,
      stdin: 'ignore',
    });
    await writeFile(opts.logFile, `${result.all ?? ''}\nexit ${result.exitCode}\n`, { flag: 'a' });
    if (result.exitCode !== 0) {
      const tail = (result.all ?? '').split('\n').slice(-15).join('\n');
      throw new TerraformInstallError(
        `building ${opts.what} failed (exit ${result.exitCode}); log: ${opts.logFile}\n${tail}`,
      );
    }
  } finally {
    clearInterval(heartbeat);
  }
}

/** Builds `kind` at its pinned version into `<cache>/bin/<kind>`; returns the binary. */
export async function buildTerraformBinary(
  kind: TerraformKind,
  log: (line: string) => void = defaultLog,
): Promise<TerraformBinary> {
  const go = await findGo();
  const version = PINNED_VERSIONS[kind];
  if (!go) {
    throw new TerraformInstallError(
      `${kind} was not found (not on PATH, not in ${binDir()}, ${ENV_OVERRIDE[kind]} unset) and Go is not ` +
        `installed, so it cannot be built. Install ${kind} ≥ ${MIN_VERSION} on PATH, point ` +
        `${ENV_OVERRIDE[kind]} at one, or install Go (≥ 1.24) so terratower can build ${kind} ${version} itself.`,
    );
  }
  return withBuildLock(kind, log, async () => {
    const target = cachedBinaryPath(kind);
    const existing = (await isExecutable(target)) ? await binaryVersion(target) : undefined;
    if (existing) return { kind, path: target, version: existing, source: 'cache' as const };

    const dir = join(buildDir(), `${kind}-${version}`);
    await mkdir(dir, { recursive: true });
    const logFile = join(dir, 'build.log');
    const partial = `${target}.partial-${process.pid}`;
    const started = Date.now();
    log(
      `building ${kind} ${version} from the Go module proxy into ${binDir()} (about 3 minutes, once; log: ${logFile})`,
    );
    if (kind === 'terraform') {
      const gobin = join(dir, 'bin');
      await runGo(go, ['install', `github.com/hashicorp/terraform@v${version}`], {
        cwd: dir,
        env: { GOBIN: gobin, GOFLAGS: '' },
        logFile,
        what: `terraform ${version}`,
        log,
      });
      await rename(join(gobin, 'terraform'), partial);
    } else {
      const mod = tofuScratchModule(version);
      await writeFile(join(dir, 'go.mod'), mod.goMod);
      await writeFile(join(dir, 'tools.go'), mod.toolsGo);
      // version.dev=no: report "1.10.7" as release builds do, not "1.10.7-dev".
      const ldflags = '-X github.com/opentofu/opentofu/version.dev=no';
      await runGo(go, ['build', '-ldflags', ldflags, '-o', partial, 'github.com/opentofu/opentofu/cmd/tofu'], {
        cwd: dir,
        env: { GOFLAGS: '-mod=mod' },
        logFile,
        what: `tofu ${version}`,
        log,
      });
    }
    await rename(partial, target);
    const built = await binaryVersion(target);
    if (!built) throw new TerraformInstallError(`built ${target} but it does not run; log: ${logFile}`);
    log(`built ${kind} ${built} in ${Math.round((Date.now() - started) / 1000)} s`);
    return { kind, path: target, version: built, source: 'cache' as const };
  });
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
