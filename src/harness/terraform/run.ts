/**
 * `TerraformRun`: one deployment of one configuration in its own run dir
 * (`<cache>/tf-runs/<runId>/`: the configuration, local state, `logs/terraform.log`, `run.json`).
 * Commands are serialized; init/plan/apply/output retry on the retryable-error table; destroy
 * retries on any failure and checks that the state is empty; a SIGINT/SIGTERM of the process
 * aborts the running command and destroys before the process exits.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { runCommand, succeeded, type CommandResult } from './exec.ts';
import { binaryVersion, requireTerraformBinary, type TerraformBinary } from '../../support/install/terraform.ts';
import { resolveOptions, type ResolvedTerraformOptions, type TerraformOptions } from './options.ts';
import { parseOutputsJson, type TerraformOutputs } from './outputs.ts';
import { cacheDir, terraformRunsRoot } from '../../support/paths.ts';
import { compileRetryTable, doWithRetry, matchRetryableError, type CompiledRetryTable } from './retry.ts';
import { processStartTicks } from '../../support/process.ts';
import { readRunRecord, writeRunRecord, type RunRecord, type RunStatus } from './run-record.ts';
import { providerInstallationBlock } from './plugin-dir.ts';
import { onTerminationSignal } from './signals.ts';
import { sleep } from '../../support/time.ts';

/** A terraform command that failed, timed out or was aborted. */
export class TerraformCommandError extends Error {
  constructor(
    message: string,
    /** How the last attempt ended. */
    readonly result: CommandResult,
    /** Run dir of the run. */
    readonly runDir: string,
  ) {
    super(message);
    this.name = 'TerraformCommandError';
  }

  /** The command was stopped at its time limit. */
  get timedOut(): boolean {
    return this.result.timedOut;
  }
}

/** Destroy did not complete: resources may be left. */
export class TerraformDestroyError extends Error {
  constructor(
    message: string,
    /** Command that finishes the destroy later. */
    readonly destroyCommand: string,
  ) {
    super(message);
    this.name = 'TerraformDestroyError';
  }
}

/** Result of `plan -detailed-exitcode`. */
export interface PlanResult {
  /** The plan has changes to make. */
  hasChanges: boolean;
  /** The plan's text. */
  output: string;
}

/** Files copied from a `sourceDir`: configuration and assets, never state or `.terraform`. */
function copyFilter(source: string): boolean {
  const name = basename(source);
  return name !== '.terraform' && !name.startsWith('terraform.tfstate') && name !== 'run.json';
}

/** Managed resource instances left in a local state file (0 when there is no state). */
export async function managedInstancesInState(stateFile: string): Promise<number> {
  let text: string;
  try {
    text = await readFile(stateFile, 'utf8');
  } catch {
    return 0;
  }
  if (text.trim() === '') return 0;
  const state = JSON.parse(text) as { resources?: Array<{ mode?: string; instances?: unknown[] }> };
  return (state.resources ?? [])
    .filter((r) => r.mode === 'managed')
    .reduce((sum, r) => sum + (r.instances?.length ?? 0), 0);
}

function lastLines(text: string, n = 12): string {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-n)
    .join('\n');
}

/**
 * Environment of every command: no prompts, no update checks, a plugin cache shared by runs,
 * and a CLI configuration in the run dir when one is needed: where `pluginDir` holds providers,
 * a `provider_installation` that takes them from it (the rest from their registries) on top of
 * the user's own configuration; where TF_CLI_CONFIG_FILE names a missing file (terraform warns
 * on every command), an empty one instead.
 */
export async function commandEnvironment(
  runDir: string,
  extra: Readonly<Record<string, string>>,
  pluginDir?: string,
): Promise<Record<string, string>> {
  const env: Record<string, string> = { TF_IN_AUTOMATION: '1', TF_INPUT: '0', CHECKPOINT_DISABLE: '1', ...extra };
  const mirror = pluginDir ? providerInstallationBlock(pluginDir) : undefined;
  for (const name of ['TF_CLI_CONFIG_FILE', 'TERRAFORM_CONFIG']) {
    const configured = extra[name] ?? process.env[name];
    if (configured && !existsSync(configured)) {
      const empty = join(runDir, 'terraformrc');
      await writeFile(empty, '# terratower: empty CLI configuration (the configured one does not exist)\n');
      env[name] = empty;
    }
  }
  if (mirror) {
    const own = env.TF_CLI_CONFIG_FILE ?? process.env.TF_CLI_CONFIG_FILE;
    const user = own && existsSync(own) ? await readFile(own, 'utf8') : '';
    // One provider_installation block per configuration: a user's own wins over the plugin dir.
    if (!/^\s*provider_installation\b/m.test(user)) {
      const file = join(runDir, 'terraformrc');
      await writeFile(
        file,
        `${user.trim() === '' ? '' : `${user.trimEnd()}\n\n`}# terratower: providers from the plugin dir ${pluginDir}\n${mirror}`,
      );
      env.TF_CLI_CONFIG_FILE = file;
    }
  }
  // A mirror's unpacked providers are symlinked into the cache, not copied (675 MB for AWS).
  if (!process.env.TF_PLUGIN_CACHE_DIR && !extra.TF_PLUGIN_CACHE_DIR) {
    const pluginCache = join(cacheDir(), 'tf-plugin-cache');
    await mkdir(pluginCache, { recursive: true });
    env.TF_PLUGIN_CACHE_DIR = pluginCache;
  }
  return env;
}

/** The one shell command that destroys a run's stack later. */
export function destroyCommandFor(binaryPath: string, runDir: string, env: Readonly<Record<string, string>>): string {
  const quote = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const cli = env.TF_CLI_CONFIG_FILE ? `TF_CLI_CONFIG_FILE=${quote(env.TF_CLI_CONFIG_FILE)} ` : '';
  return `${cli}${quote(binaryPath)} -chdir=${quote(runDir)} destroy -auto-approve -input=false`;
}

/** Run dirs of runs in this process that have not finished (a sweep leaves them alone). */
const activeRunDirs = new Set<string>();

/** The run dir of run `runId`: `<runsRoot>/<runId>` (default root `<cache>/tf-runs`). */
export function terraformRunDir(runId: string, runsRoot: string = terraformRunsRoot()): string {
  return resolve(runsRoot, runId);
}

/** True while a run of this process uses `runDir` (created or attached, not yet finished). */
export function isRunActiveHere(runDir: string): boolean {
  return activeRunDirs.has(resolve(runDir));
}

/** One deployment of one configuration, in its own run dir with its own state. */
export class TerraformRun {
  /** Why the last failure happened (also in run.json). */
  private readonly retryTable: CompiledRetryTable;
  private readonly aborter = new AbortController();
  private queue: Promise<unknown> = Promise.resolve();
  private initialized = false;
  private finishing: Promise<void> | undefined;
  private destroying: Promise<void> | undefined;
  private unregisterSignals: (() => void) | undefined;

  private constructor(
    /** Options with defaults filled in. */
    readonly options: ResolvedTerraformOptions,
    /** The binary this run uses. */
    readonly binary: TerraformBinary,
    /** Absolute run dir. */
    readonly runDir: string,
    private record: RunRecord,
    private readonly env: Record<string, string>,
  ) {
    this.retryTable = compileRetryTable(options.retryableErrors);
    activeRunDirs.add(runDir);
    if (options.handleSignals) {
      this.unregisterSignals = onTerminationSignal(async () => {
        this.abort();
        await this.finish();
      });
    }
  }

  /** Creates the run dir (configuration, variables, run.json) for a new run; deploys nothing yet. */
  static async create(options: TerraformOptions): Promise<TerraformRun> {
    const resolved = resolveOptions(options, { runsRoot: terraformRunsRoot() });
    const binary = resolved.binaryPath
      ? await describeBinary(resolved.binary, resolved.binaryPath)
      : await requireTerraformBinary(resolved.binary);
    const runDir = terraformRunDir(resolved.runId, resolved.runsRoot);
    await mkdir(resolved.runsRoot, { recursive: true });
    await mkdir(runDir); // fails if the run id is taken: runs never share a dir
    await mkdir(join(runDir, 'logs'));
    if (resolved.config) {
      await writeFile(join(runDir, 'main.tf.json'), `${JSON.stringify(resolved.config, null, 2)}\n`);
    } else if (resolved.sourceDir) {
      await cp(resolved.sourceDir, runDir, { recursive: true, filter: copyFilter });
    }
    for (const [name, content] of Object.entries(resolved.files)) await writeFile(join(runDir, name), content);
    if (Object.keys(resolved.vars).length > 0) {
      await writeFile(join(runDir, 'terraform.tfvars.json'), `${JSON.stringify(resolved.vars, null, 2)}\n`);
    }
    const env = await commandEnvironment(runDir, resolved.env, resolved.pluginDir);
    const now = new Date().toISOString();
    const record: RunRecord = {
      format: 1,
      runId: resolved.runId,
      runDir,
      binary: binary.kind,
      binaryPath: binary.path,
      binaryVersion: binary.version,
      status: 'created',
      ownerPid: process.pid,
      ownerStartTicks: processStartTicks(process.pid),
      env: { ...resolved.env },
      createdAt: now,
      updatedAt: now,
      destroyCommand: destroyCommandFor(binary.path, runDir, env),
      history: [],
      lastError: null,
    };
    await writeRunRecord(record);
    return new TerraformRun(resolved, binary, runDir, record, env);
  }

  /**
   * Takes over an existing run dir (a run whose destroy never completed) so that it can be
   * destroyed: the record's binary, env and state are reused; this process becomes the owner.
   */
  static async attach(
    runDir: string,
    options: Pick<
      TerraformOptions,
      'echo' | 'destroyRetries' | 'timeBetweenRetriesMs' | 'timeouts' | 'handleSignals'
    > = {},
  ): Promise<TerraformRun> {
    const record = await readRunRecord(runDir);
    if (!record) throw new Error(`${runDir} holds no readable run.json`);
    const binary = existsSync(record.binaryPath)
      ? await describeBinary(record.binary, record.binaryPath)
      : await requireTerraformBinary(record.binary);
    const resolved = resolveOptions(
      {
        ...options,
        binary: record.binary,
        binaryPath: binary.path,
        sourceDir: runDir,
        runId: record.runId,
        keep: false,
        env: record.env,
      },
      { runsRoot: resolve(runDir, '..') },
    );
    const env = await commandEnvironment(runDir, record.env, resolved.pluginDir);
    const taken: RunRecord = {
      ...record,
      runDir: resolve(runDir),
      ownerPid: process.pid,
      ownerStartTicks: processStartTicks(process.pid),
      binaryPath: binary.path,
    };
    await writeRunRecord(taken);
    return new TerraformRun(resolved, binary, resolve(runDir), taken, env);
  }

  /** Run id. */
  get runId(): string {
    return this.record.runId;
  }

  /** Current lifecycle status. */
  get status(): RunStatus {
    return this.record.status;
  }

  /** The command that destroys this run's stack later (printed when the stack is kept). */
  get destroyCommand(): string {
    return this.record.destroyCommand;
  }

  /** Path of the log file every command appends to. */
  get logFile(): string {
    return join(this.runDir, 'logs', 'terraform.log');
  }

  /** Path of the run's local state. */
  get stateFile(): string {
    return join(this.runDir, 'terraform.tfstate');
  }

  /** Stops the running command (SIGINT, then SIGKILL after the grace) and refuses new init/plan/apply. Destroy still runs. */
  abort(): void {
    this.aborter.abort();
  }

  /** `init`, once per run. */
  init(): Promise<void> {
    return this.serialize(() => this.initUnlocked());
  }

  /** `plan -detailed-exitcode`. */
  plan(): Promise<PlanResult> {
    return this.serialize(async () => {
      await this.initUnlocked();
      const result = await this.retried(
        'plan',
        ['plan', '-input=false', '-no-color', '-detailed-exitcode', ...this.parallelism()],
        this.options.timeouts.plan,
        true,
        [0, 2],
      );
      return { hasChanges: result.exitCode === 2, output: result.stdout };
    });
  }

  /** `init` (if not done) and `apply -auto-approve`. */
  apply(): Promise<void> {
    return this.serialize(async () => {
      await this.initUnlocked();
      await this.setStatus('applying');
      try {
        await this.retried(
          'apply',
          ['apply', '-auto-approve', '-input=false', '-no-color', ...this.parallelism()],
          this.options.timeouts.apply,
          true,
        );
      } catch (error) {
        await this.setStatus('apply-failed', error);
        throw error;
      }
      await this.setStatus('applied');
    });
  }

  /** All outputs (`output -json`). */
  outputs(): Promise<TerraformOutputs> {
    return this.serialize(async () => {
      const result = await this.retried('output', ['output', '-json', '-no-color'], this.options.timeouts.output, true);
      return parseOutputsJson(result.stdout);
    });
  }

  /**
   * Destroys everything in the run's state, retrying on any failure (`destroyRetries`), and
   * checks that the state is empty afterwards. Removes the run dir unless `retainRunDir`.
   * Concurrent calls share one destroy.
   */
  destroy(): Promise<void> {
    this.destroying ??= this.serialize(() => this.destroyUnlocked()).catch((error: unknown) => {
      this.destroying = undefined;
      throw error;
    });
    return this.destroying;
  }

  /**
   * Ends the run: destroys it, or — with `keep` / `TERRATOWER_KEEP=1` — leaves it deployed and
   * prints the command that destroys it later. Unregisters the signal handlers. Idempotent.
   */
  finish(): Promise<void> {
    this.finishing ??= (async () => {
      try {
        if (this.options.keep) {
          await this.serialize(async () => {
            await this.setStatus('kept');
          });
          process.stderr.write(
            `[${this.options.logPrefix}] keeping the stack (keep / TERRATOWER_KEEP=1). Destroy it later with:\n` +
              `  ${this.destroyCommand}\n  (or: terratower nuke --run-dir ${this.runDir})\n`,
          );
          return;
        }
        await this.destroy();
      } finally {
        this.unregisterSignals?.();
        this.unregisterSignals = undefined;
        activeRunDirs.delete(this.runDir);
      }
    })();
    return this.finishing;
  }

  private parallelism(): string[] {
    return this.options.parallelism ? [`-parallelism=${this.options.parallelism}`] : [];
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** `init` once; `abortable: false` for the init that destroy needs (it must run after an abort too). */
  private async initUnlocked(abortable = true): Promise<void> {
    if (this.initialized) return;
    await this.retried('init', ['init', '-input=false', '-no-color'], this.options.timeouts.init, abortable);
    this.initialized = true;
  }

  private async destroyUnlocked(): Promise<void> {
    await this.setStatus('destroying');
    const attempts = this.options.destroyRetries + 1;
    let lastProblem = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await this.initUnlocked(false);
        const result = await this.once(
          'destroy',
          ['destroy', '-auto-approve', '-input=false', '-no-color', ...this.parallelism()],
          this.options.timeouts.destroy,
          attempt,
          false,
        );
        const left = await managedInstancesInState(this.stateFile);
        if (succeeded(result) && left === 0) {
          await this.setStatus('destroyed');
          if (!this.options.retainRunDir) await rm(this.runDir, { recursive: true, force: true });
          return;
        }
        lastProblem = succeeded(result)
          ? `destroy exited 0 but ${left} resource instance(s) are still in state`
          : `${this.describeFailure('destroy', result)}\n${lastLines(result.output)}`;
      } catch (error) {
        lastProblem = error instanceof Error ? error.message : String(error);
      }
      if (attempt < attempts) {
        this.say(
          `destroy attempt ${attempt}/${attempts} failed; retrying in ${this.options.timeBetweenRetriesMs} ms: ${lastProblem.split('\n')[0]}`,
        );
        await sleep(this.options.timeBetweenRetriesMs);
      }
    }
    await this.setStatus('destroy-failed', lastProblem);
    throw new TerraformDestroyError(
      `destroy of run ${this.runId} failed after ${attempts} attempt(s); resources may be left. ` +
        `Finish it with:\n  ${this.destroyCommand}\n  (or: terratower nuke --run-dir ${this.runDir})\nlast failure: ${lastProblem}\nlog: ${this.logFile}`,
      this.destroyCommand,
    );
  }

  /** Runs a command with retries on the retryable-error table; throws when it finally fails. */
  private async retried(
    command: string,
    args: string[],
    timeoutMs: number,
    abortable: boolean,
    okCodes: number[] = [0],
  ): Promise<CommandResult> {
    const result = await doWithRetry<CommandResult>(
      {
        description: command,
        maxRetries: this.options.maxRetries,
        timeBetweenRetriesMs: this.options.timeBetweenRetriesMs,
        signal: abortable ? this.aborter.signal : undefined,
        retryReason: (r) => {
          if (r.timedOut || r.aborted || (r.exitCode !== undefined && okCodes.includes(r.exitCode))) return undefined;
          return matchRetryableError(this.retryTable, r.output);
        },
        onRetry: ({ attempt, reason }) =>
          this.say(
            `${command} attempt ${attempt} failed (${reason}); retrying in ${this.options.timeBetweenRetriesMs} ms`,
          ),
      },
      (attempt) => this.once(command, args, timeoutMs, attempt, abortable),
    );
    if (result.timedOut || result.aborted || result.exitCode === undefined || !okCodes.includes(result.exitCode)) {
      throw new TerraformCommandError(
        `${this.describeFailure(command, result)}\n${lastLines(result.output)}\nlog: ${this.logFile}`,
        result,
        this.runDir,
      );
    }
    return result;
  }

  private describeFailure(command: string, result: CommandResult): string {
    const how = result.timedOut
      ? `timed out after ${result.durationMs} ms`
      : result.aborted
        ? 'was aborted'
        : `failed (exit ${result.exitCode ?? result.signal})`;
    return `${this.binary.kind} ${command} of run ${this.runId} ${how}`;
  }

  /** One attempt of one command, recorded in run.json's history. */
  private async once(
    command: string,
    args: string[],
    timeoutMs: number,
    attempt: number,
    abortable: boolean,
  ): Promise<CommandResult> {
    if (abortable && this.aborter.signal.aborted) {
      throw new TerraformCommandError(
        `${command} of run ${this.runId} not started: the run was aborted`,
        {
          args,
          exitCode: undefined,
          signal: undefined,
          stdout: '',
          stderr: '',
          output: '',
          timedOut: false,
          aborted: true,
          durationMs: 0,
          pid: undefined,
        },
        this.runDir,
      );
    }
    const startedAt = new Date().toISOString();
    const result = await runCommand({
      binaryPath: this.binary.path,
      args,
      cwd: this.runDir,
      env: this.env,
      timeoutMs,
      killGraceMs: this.options.timeouts.killGrace,
      logFile: this.logFile,
      prefix: `${this.options.logPrefix} ${command}`,
      echo: this.options.echo,
      signal: abortable ? this.aborter.signal : undefined,
    });
    this.record.history.push({
      command,
      attempt,
      startedAt,
      durationMs: result.durationMs,
      exitCode: result.exitCode ?? null,
      timedOut: result.timedOut,
      aborted: result.aborted,
      pid: result.pid ?? null,
    });
    await this.saveRecord();
    return result;
  }

  private say(line: string): void {
    process.stderr.write(`[${this.options.logPrefix}] ${line}\n`);
  }

  private async setStatus(status: RunStatus, error?: unknown): Promise<void> {
    this.record.status = status;
    if (error !== undefined) this.record.lastError = error instanceof Error ? error.message : String(error);
    await this.saveRecord();
  }

  private async saveRecord(): Promise<void> {
    this.record.updatedAt = new Date().toISOString();
    if (existsSync(this.runDir)) await writeRunRecord(this.record);
  }
}

async function describeBinary(kind: TerraformBinary['kind'], path: string): Promise<TerraformBinary> {
  const version = await binaryVersion(path);
  if (!version) throw new Error(`${path} does not run as ${kind} (\`${path} version\` failed)`);
  return { kind, path: resolve(path), version, source: 'env' };
}
