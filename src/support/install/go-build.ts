/**
 * The Go-build installer: the one place that builds a tool from the Go module proxy into the
 * cache (`<cache>/bin/<name>`). Terraform and actionlint use `go install pkg@version`; OpenTofu
 * and Packer a scratch module (a go.mod requiring the tool and a tools.go importing its main
 * package), because `go install pkg@version` refuses a module whose go.mod carries a `replace`,
 * and fails on these machines for Packer (MACHINE-FACTS.md).
 *
 * Every build holds a lock (`<cache>/bin/.<name>.build-lock`), so two processes never build the same
 * binary at once: the second waits, then finds the first one's binary. A lock whose owner died
 * (or whose pid now belongs to another process) is taken over. The build shows progress (a
 * heartbeat with the modules fetched), keeps Go's output in `<cache>/build/<name>-<version>/build.log`,
 * and moves the binary into place with one rename, so a reader never sees half a file. When Go
 * is missing or the build fails, {@link GoBuildError} says so in one line, with the fix.
 *
 * The Go used is `$TERRATOWER_GO` if set (and only it), else `go` on PATH, else `/usr/local/go/bin/go`.
 */
import { randomUUID } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { access, copyFile, link, mkdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import { cacheDir } from '../paths.ts';
import { pidAlive, processStartTicks } from '../process.ts';
import { sleep } from '../time.ts';

/** Raised when a tool cannot be built: Go missing, or the build failed. The message is one line with the fix. */
export class GoBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GoBuildError';
  }
}

/** Whether `path` is an executable regular file. */
export async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, fsConstants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Every executable called `name` on PATH, in PATH order. */
export async function everyOnPath(name: string, pathEnv = process.env.PATH ?? ''): Promise<string[]> {
  const found: string[] = [];
  for (const dir of pathEnv.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) found.push(candidate);
  }
  return found;
}

/** Looks `name` up on PATH; returns the first executable match. */
export async function whichOnPath(name: string, pathEnv = process.env.PATH ?? ''): Promise<string | undefined> {
  return (await everyOnPath(name, pathEnv))[0];
}

/** Where Go is installed when it is on no PATH (the official tarball's place). */
const USUAL_GO = '/usr/local/go/bin/go';

/** Finds the `go` command: `$TERRATOWER_GO` if set (and only it), else PATH, then the usual install location. */
export async function findGo(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const explicit = env.TERRATOWER_GO;
  if (explicit) return (await isExecutable(explicit)) ? explicit : undefined;
  return (await whichOnPath('go', env.PATH ?? '')) ?? ((await isExecutable(USUAL_GO)) ? USUAL_GO : undefined);
}

/** What `go version` says (`go version go1.24.4 linux/amd64`), or undefined when it does not run. */
export async function goVersion(go: string): Promise<string | undefined> {
  const result = await execa(go, ['version'], { reject: false, timeout: 30_000, stdin: 'ignore' });
  return result.exitCode === 0 ? String(result.stdout).trim() : undefined;
}

/** A scratch module's two files. */
export interface ScratchModule {
  goMod: string;
  toolsGo: string;
}

/** What a scratch module requires and builds. */
export interface ScratchModuleSpec {
  /** Short name: the module is `terratower.local/<name>-build`. */
  name: string;
  /** The `go` directive: the oldest Go that builds the tool. */
  go: string;
  /** The module required, as `path vX.Y.Z`. */
  require: string;
  /** `replace` lines the tool's own go.mod carries (a build of it as a dependency ignores them). */
  replace?: readonly string[];
  /** The main package; tools.go imports it so that `-mod=mod` keeps its dependencies. */
  main: string;
}

/** Writes the go.mod and tools.go of a scratch module that builds one tool. */
export function scratchModule(spec: ScratchModuleSpec): ScratchModule {
  const replace = spec.replace && spec.replace.length > 0 ? ['', ...spec.replace] : [];
  return {
    goMod: [
      `module terratower.local/${spec.name}-build`,
      '',
      `go ${spec.go}`,
      '',
      `require ${spec.require}`,
      ...replace,
      '',
    ].join('\n'),
    toolsGo: `//go:build tools\n\npackage tools\n\nimport _ "${spec.main}"\n`,
  };
}

/** Options of {@link withBuildLock}. */
export interface BuildLockOptions {
  /** Directory holding the lock file. @default `<cache>/bin` */
  dir?: string;
  /** Progress sink (waiting, stale lock taken over). */
  log?: (line: string) => void;
  /** How often to look at a held lock, ms. @default 1000 */
  pollMs?: number;
}

/**
 * The lock file's text: the owner's pid, its start time (so that a reused pid is not taken for the
 * owner) and a token of this holder (two calls in one process are two holders).
 */
function lockText(): string {
  return `${process.pid} ${processStartTicks(process.pid) ?? '-'} ${randomUUID()}\n`;
}

/** The pid a lock file names. */
function lockPid(text: string): number {
  return Number(text.trim().split(/\s+/)[0]);
}

/** Whether the owner a lock file names is gone: its pid is dead, or is another process now. */
function ownerGone(text: string): boolean {
  const ticks = text.trim().split(/\s+/)[1];
  const pid = lockPid(text);
  if (!Number.isInteger(pid) || pid <= 0 || !pidAlive(pid)) return true;
  return ticks !== undefined && ticks !== '-' && Number(ticks) !== processStartTicks(pid);
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Takes a stale owner's lock out of the way: renames it aside (of several waiters, one wins the
 * rename) and puts it back if what it moved was not the stale lock any more. True when it removed it.
 */
async function removeStaleLock(lockFile: string, staleText: string): Promise<boolean> {
  const aside = `${lockFile}.stale-${process.pid}-${randomUUID()}`;
  try {
    await rename(lockFile, aside);
  } catch {
    return false; // another waiter moved it first, or its owner released it
  }
  const moved = await readText(aside);
  if (moved !== staleText) await link(aside, lockFile).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
  return moved === staleText;
}

/**
 * Runs `fn` holding the build lock of `name`: a file created whole with `link` (which fails when
 * the name exists), so two processes, or two calls in one, never build the same binary at once.
 * Waits while a live process holds it; takes over a lock whose owner is gone.
 */
export async function withBuildLock<T>(name: string, fn: () => Promise<T>, options: BuildLockOptions = {}): Promise<T> {
  const dir = options.dir ?? join(cacheDir(), 'bin');
  const log = options.log ?? (() => undefined);
  const pollMs = options.pollMs ?? 1000;
  // Not `.<name>.lock`: that was the directory lock of earlier releases, which a crash may have left.
  const lockFile = join(dir, `.${name}.build-lock`);
  await mkdir(dir, { recursive: true });
  const mine = lockText();
  const draft = `${lockFile}.draft-${randomUUID()}`;
  await writeFile(draft, mine);
  try {
    for (let waits = 0; ; waits++) {
      try {
        await link(draft, lockFile);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = await readText(lockFile);
      if (owner === undefined && (await stat(lockFile).catch(() => undefined))?.isFile() === false)
        throw new GoBuildError(`${lockFile} is not a lock file; remove it and run again`);
      if (owner !== undefined && ownerGone(owner)) {
        if (await removeStaleLock(lockFile, owner))
          log(`took over the ${name} build lock of pid ${lockPid(owner)}, which is gone`);
        continue;
      }
      if (owner !== undefined && waits % Math.max(1, Math.round(30_000 / pollMs)) === 0)
        log(`waiting for another process (pid ${lockPid(owner)}) building ${name} …`);
      await sleep(owner === undefined ? Math.min(pollMs, 50) : pollMs);
    }
  } finally {
    await unlink(draft).catch(() => undefined);
  }
  try {
    return await fn();
  } finally {
    if ((await readText(lockFile)) === mine) await unlink(lockFile).catch(() => undefined);
  }
}

/** How to get the tool's source. */
export type GoSource =
  /** `go install <package>@v<version>` (the module's go.mod has no `replace`). */
  | { kind: 'install'; package: string }
  /** `go build` of `package` in a scratch module, with `GOFLAGS=-mod=mod`. */
  | { kind: 'module'; module: ScratchModule; package: string; ldflags?: string }
  /** `go build .` of a module shipped with terratower: `files` of `dir` (go.mod, go.sum, sources) copied into the work dir. */
  | { kind: 'directory'; dir: string; files: readonly string[]; ldflags?: string };

/** One tool to build. */
export interface GoBuild {
  /** The binary's name in `<cache>/bin` (and the lock's). */
  name: string;
  /** Version built, without the `v`. */
  version: string;
  source: GoSource;
  /** The oldest Go that builds it, for the fix when Go is missing. */
  minGo: string;
  /** What else would do instead of a build, for the fix: `tofu ≥ 1.4.0`, `packer 1.9.x`. @default the name */
  accepts?: string;
  /** The variable that points at an installed binary (`TERRATOWER_TOFU`), named in the fix. */
  envOverride?: string;
  /** How long a build takes, for the progress line. @default `a few minutes` */
  expected?: string;
  /**
   * Whether a binary at `path` is the one wanted: the version it reports, or undefined. A binary
   * that passes is used as it is (one a concurrent process built while this one waited).
   */
  verify: (path: string) => Promise<string | undefined>;
  /** Cache root. @default `$TERRATOWER_CACHE`, else `~/.cache/terratower` */
  cacheRoot?: string;
  /** Environment that finds Go. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Progress sink. @default a line on stderr */
  log?: (line: string) => void;
  /** Seconds between heartbeat lines while Go runs. @default 20 */
  heartbeatSeconds?: number;
}

/** A built (or already cached) binary. */
export interface GoBuilt {
  path: string;
  /** What `verify` said of it. */
  version: string;
}

const defaultLog = (line: string): void => {
  process.stderr.write(`[terratower install] ${line}\n`);
};

/** What the user can put in place of a build: `tofu ≥ 1.4.0 on PATH or point TERRATOWER_TOFU at one`. */
function instead(build: GoBuild): string {
  const env = build.envOverride;
  return `${build.accepts ?? build.name} on PATH${env ? ` or point ${env} at one` : ''}`;
}

/** The fix when Go is missing: the message of {@link GoBuildError} for `build`. */
export function goMissingMessage(build: GoBuild, binDir: string): string {
  const env = build.envOverride;
  return (
    `${build.name} was not found (not on PATH, not in ${binDir}${env ? `, ${env} unset` : ''}) and Go is not ` +
    `installed, so terratower cannot build ${build.name} ${build.version} itself. Fix: put ${instead(build)}, ` +
    `or install Go ≥ ${build.minGo} (apt-get install golang-go, or https://go.dev/dl/; TERRATOWER_GO names a go ` +
    'that is not on PATH).'
  );
}

/** The last line of Go's output that says what went wrong (not a `go: downloading` line). */
function lastErrorLine(lines: readonly string[]): string {
  const meaningful = lines.filter((l) => l.trim() !== '' && !l.startsWith('go: downloading'));
  return meaningful.at(-1)?.trim() ?? '(no output)';
}

/**
 * Builds `build` into `<cache>/bin/<name>` under its lock, unless a binary that `verify` accepts
 * is there already. Throws {@link GoBuildError} when Go is missing or the build fails.
 */
export async function goBuild(build: GoBuild): Promise<GoBuilt> {
  const log = build.log ?? defaultLog;
  const root = build.cacheRoot ?? cacheDir();
  const binDir = join(root, 'bin');
  const target = join(binDir, build.name);
  const go = await findGo(build.env);
  if (!go) throw new GoBuildError(goMissingMessage(build, binDir));
  return withBuildLock(
    build.name,
    async () => {
      if (await isExecutable(target)) {
        const existing = await build.verify(target);
        if (existing) return { path: target, version: existing };
      }
      const work = join(root, 'build', `${build.name}-${build.version}`);
      await mkdir(work, { recursive: true });
      const logFile = join(work, 'build.log');
      const partial = join(binDir, `.${build.name}.partial-${process.pid}`);
      const what = `${build.name} ${build.version}`;
      const started = Date.now();
      log(
        `building ${what} from the Go module proxy with ${(await goVersion(go)) ?? go} into ${target} ` +
          `(${build.expected ?? 'a few minutes'}, once; log: ${logFile})`,
      );
      try {
        const source = build.source;
        const gobin = join(work, 'bin');
        if (source.kind === 'module') {
          await writeFile(join(work, 'go.mod'), source.module.goMod);
          await writeFile(join(work, 'tools.go'), source.module.toolsGo);
        }
        if (source.kind === 'directory') {
          for (const file of source.files) await copyFile(join(source.dir, file), join(work, file));
        }
        const ldflags = source.kind !== 'install' && source.ldflags ? ['-ldflags', source.ldflags] : [];
        const [args, env] =
          source.kind === 'install'
            ? [['install', `${source.package}@v${build.version}`], { GOBIN: gobin, GOFLAGS: '' }]
            : [
                ['build', ...ldflags, '-o', partial, source.kind === 'module' ? source.package : '.'],
                { GOFLAGS: '-mod=mod' },
              ];
        await runGo(go, args, { cwd: work, env, logFile, build, log });
        if (source.kind === 'install') await rename(join(gobin, build.name), partial);
        const version = await build.verify(partial);
        if (!version)
          throw new GoBuildError(
            `built ${what} but the binary does not run or reports another version; log: ${logFile}. ` +
              `Fix: remove ${work} and run again, or put ${instead(build)}.`,
          );
        await rename(partial, target);
        log(`built ${build.name} ${version} in ${Math.round((Date.now() - started) / 1000)} s: ${target}`);
        return { path: target, version };
      } finally {
        await rm(partial, { force: true });
      }
    },
    { dir: binDir, log },
  );
}

/** Runs one go command: its output to `logFile`, a heartbeat on the log, a one-line error when it fails. */
async function runGo(
  go: string,
  args: string[],
  opts: {
    cwd: string;
    env: Record<string, string>;
    logFile: string;
    build: GoBuild;
    log: (line: string) => void;
  },
): Promise<void> {
  const what = `${opts.build.name} ${opts.build.version}`;
  const started = Date.now();
  let downloads = 0;
  const tail: string[] = [];
  const heartbeat = setInterval(
    () => {
      const seconds = Math.round((Date.now() - started) / 1000);
      opts.log(`… still building ${what} (${seconds} s, ${downloads} modules fetched)`);
    },
    (opts.build.heartbeatSeconds ?? 20) * 1000,
  );
  try {
    await writeFile(opts.logFile, `$ ${go} ${args.join(' ')}\n`, { flag: 'a' });
    const child = execa(go, args, { cwd: opts.cwd, env: opts.env, reject: false, all: true, stdin: 'ignore' });
    child.all?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        if (line.startsWith('go: downloading')) downloads += 1;
        tail.push(line);
        if (tail.length > 40) tail.shift();
      }
    });
    const result = await child;
    await writeFile(opts.logFile, `${result.all ?? ''}\nexit ${result.exitCode ?? result.signal ?? '?'}\n`, {
      flag: 'a',
    });
    if (result.exitCode !== 0) {
      throw new GoBuildError(
        `building ${what} failed (go ${args[0]} exit ${result.exitCode ?? result.signal ?? '?'}): ` +
          `${lastErrorLine(tail)}; full output: ${opts.logFile}. Fix that cause and run again, or put ` +
          `${instead(opts.build)}.`,
      );
    }
  } finally {
    clearInterval(heartbeat);
  }
}
