/**
 * The options object of one terraform run (as Terratest's `terraform.Options`), and its defaults.
 */
import { switchedOn } from '../../support/env.ts';
import type { TerraformKind } from '../../support/install/terraform.ts';
import { defaultPluginDir } from './plugin-dir.ts';
import { DEFAULT_RETRYABLE_ERRORS, type RetryableErrorTable } from './retry.ts';
import { newRunId, RUN_ID_PATTERN } from '../../spec/run-id.ts';

/** A Terraform JSON configuration (the content of `main.tf.json` / `cdk.tf.json`). */
export type TerraformJsonConfig = Readonly<Record<string, unknown>>;

/** A value of an input variable (JSON-typed, as in `terraform.tfvars.json`). */
export type TerraformVarValue = string | number | boolean | readonly unknown[] | Readonly<Record<string, unknown>>;

/** Time limits per command, ms. */
export interface TerraformTimeouts {
  /** `init`. @default 5 min */
  init: number;
  /** `plan`. @default 15 min */
  plan: number;
  /** `apply`. @default 45 min */
  apply: number;
  /** `output`. @default 1 min */
  output: number;
  /** One `destroy` attempt. @default 45 min */
  destroy: number;
  /** After a timeout or abort: how long terraform gets to stop after SIGINT before its process group gets SIGKILL. @default 15 s */
  killGrace: number;
}

/** What one run needs. Only the configuration and the binary are required. */
export interface TerraformOptions {
  /** terraform or tofu. @default 'terraform' */
  binary?: TerraformKind;
  /** Path of the executable; found or built by the installer when omitted. */
  binaryPath?: string;
  /**
   * The configuration, as Terraform JSON: written to `main.tf.json` in the run dir. Give this
   * or `sourceDir`.
   */
  config?: TerraformJsonConfig;
  /** A directory whose `*.tf` / `*.tf.json` files are copied into the run dir (e.g. `cdktf.out/stacks/x`). */
  sourceDir?: string;
  /**
   * Files the configuration reads (name → content), written beside it in the run dir, so they
   * live exactly as long as the run: kept with a kept stack, removed with it. Plain file names.
   * @default {}
   */
  files?: Readonly<Record<string, string>>;
  /** Run id: names the run dir. @default `tf-<time>-<random>` */
  runId?: string;
  /** Parent of the run dir. @default `<cache>/tf-runs` */
  runsRoot?: string;
  /** Input variables, written to `terraform.tfvars.json` in the run dir (so a later destroy sees them too). @default {} */
  vars?: Readonly<Record<string, TerraformVarValue>>;
  /** Extra environment for every command (on top of the process environment). @default {} */
  env?: Readonly<Record<string, string>>;
  /** Time limits. @default see {@link TerraformTimeouts} */
  timeouts?: Partial<TerraformTimeouts>;
  /** Transient failures worth a retry (pattern → reason). @default {@link DEFAULT_RETRYABLE_ERRORS} */
  retryableErrors?: RetryableErrorTable;
  /** Retries of init/plan/apply on a retryable error. @default 3 */
  maxRetries?: number;
  /**
   * Retries of destroy. Destroy retries on *every* failure, not only on the table: what is left
   * in state costs money or holds processes. @default 3
   */
  destroyRetries?: number;
  /** Pause between attempts, ms. @default 5 000 */
  timeBetweenRetriesMs?: number;
  /** Prefix of every streamed log line. @default the run id */
  logPrefix?: string;
  /** Echo terraform's output to stderr (it always goes to the run dir's logs). @default true */
  echo?: boolean;
  /**
   * Keep the deployed stack instead of destroying it (debugging), and print the command that
   * destroys it later. Also set by `TERRATOWER_KEEP=1`. @default false
   */
  keep?: boolean;
  /** Keep the run dir (logs, empty state) after a successful destroy. @default false */
  retainRunDir?: boolean;
  /** Destroy on SIGINT/SIGTERM of this process, then re-raise the signal. @default true */
  handleSignals?: boolean;
  /** `-parallelism` of plan/apply/destroy. @default terraform's own (10) */
  parallelism?: number;
  /**
   * Provider plugin directory (filesystem-mirror layout): the providers it holds install from
   * it with no network, others from their registry. `false`: none.
   * @default `TERRATOWER_TF_PLUGIN_DIR`, else `/opt/tf-plugins` when it exists (see plugin-dir.ts)
   */
  pluginDir?: string | false;
}

/** Options with every default filled in. */
export interface ResolvedTerraformOptions {
  binary: TerraformKind;
  binaryPath: string | undefined;
  config: TerraformJsonConfig | undefined;
  sourceDir: string | undefined;
  files: Readonly<Record<string, string>>;
  runId: string;
  runsRoot: string;
  vars: Readonly<Record<string, TerraformVarValue>>;
  env: Readonly<Record<string, string>>;
  timeouts: TerraformTimeouts;
  retryableErrors: RetryableErrorTable;
  maxRetries: number;
  destroyRetries: number;
  timeBetweenRetriesMs: number;
  logPrefix: string;
  echo: boolean;
  keep: boolean;
  retainRunDir: boolean;
  handleSignals: boolean;
  parallelism: number | undefined;
  pluginDir: string | undefined;
}

/** Default time limits, ms. */
export const DEFAULT_TIMEOUTS: Readonly<TerraformTimeouts> = {
  init: 5 * 60_000,
  plan: 15 * 60_000,
  apply: 45 * 60_000,
  output: 60_000,
  destroy: 45 * 60_000,
  killGrace: 15_000,
};

export { newRunId, RUN_ID_PATTERN } from '../../spec/run-id.ts';

/** True when the environment asks to keep stacks (`TERRATOWER_KEEP=1|on|true|yes`). */
export function keepFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return switchedOn(env.TERRATOWER_KEEP);
}

/** What a run dir holds of its own; `files` may not take these names (or these names with a suffix). */
const RUN_DIR_OWN_FILES = [
  'main.tf.json',
  'terraform.tfvars.json',
  'terraform.tfstate',
  'terraformrc',
  'run.json',
  'logs',
];

/** Fills in defaults and checks the options that can be checked without running anything. */
export function resolveOptions(
  options: TerraformOptions,
  defaults: { runsRoot: string; env?: NodeJS.ProcessEnv },
): ResolvedTerraformOptions {
  if (!options.config === !options.sourceDir) {
    throw new TypeError('terraform options: give exactly one of `config` or `sourceDir`');
  }
  for (const name of Object.keys(options.files ?? {})) {
    if (!/^[\w-][\w.-]*$/.test(name) || RUN_DIR_OWN_FILES.some((own) => name === own || name.startsWith(`${own}.`))) {
      throw new TypeError(
        `terraform options: files: "${name}" must be a plain file name (letters, digits, . _ -) that the run dir does not use itself (${RUN_DIR_OWN_FILES.join(', ')})`,
      );
    }
  }
  const runId = options.runId ?? newRunId();
  if (!RUN_ID_PATTERN.test(runId)) {
    throw new TypeError(`terraform options: run id "${runId}" must match ${RUN_ID_PATTERN}`);
  }
  const count = (name: string, value: number | undefined, fallback: number): number => {
    const v = value ?? fallback;
    if (!Number.isInteger(v) || v < 0)
      throw new TypeError(`terraform options: ${name} must be a whole number ≥ 0, got ${v}`);
    return v;
  };
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  for (const [name, ms] of Object.entries(timeouts)) {
    if (!(ms > 0)) throw new TypeError(`terraform options: timeouts.${name} must be > 0 ms, got ${ms}`);
  }
  return {
    binary: options.binary ?? 'terraform',
    binaryPath: options.binaryPath,
    config: options.config,
    sourceDir: options.sourceDir,
    files: options.files ?? {},
    runId,
    runsRoot: options.runsRoot ?? defaults.runsRoot,
    vars: options.vars ?? {},
    env: options.env ?? {},
    timeouts,
    retryableErrors: options.retryableErrors ?? DEFAULT_RETRYABLE_ERRORS,
    maxRetries: count('maxRetries', options.maxRetries, 3),
    destroyRetries: count('destroyRetries', options.destroyRetries, 3),
    timeBetweenRetriesMs: count('timeBetweenRetriesMs', options.timeBetweenRetriesMs, 5_000),
    logPrefix: options.logPrefix ?? runId,
    echo: options.echo ?? true,
    keep: options.keep ?? keepFromEnv(defaults.env),
    retainRunDir: options.retainRunDir ?? false,
    handleSignals: options.handleSignals ?? true,
    parallelism: options.parallelism,
    pluginDir: options.pluginDir === false ? undefined : (options.pluginDir ?? defaultPluginDir(defaults.env)),
  };
}
