/**
 * Runs Packer on the templates in packer/: `packer build` of some or all image roles, and
 * `packer validate` (syntax-only, then full). Every -var comes from one place: `versions` from
 * packer/versions.env, `git_revision` from git, `run_tags` from the caller, `dashboards_dir` from
 * the Grafana dashboards generated for the spec. The templates' manifest post-processor appends
 * each image to packer/manifest.json; {@link summarizeRun} reads back what a run built.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { appBundle, cacheDir, PACKER_DIR } from '../../support/paths.ts';
import { parseVersionsEnv } from '../../support/versions.ts';
import { grafanaDashboardFiles } from '../monitoring/grafana.ts';
import type { PipelineSpec } from '../../spec/types.ts';
import { amiRecords, IMAGE_ROLES, MANIFEST_PATH, readManifest, type AmiRecord, type ImageRole } from './manifest.ts';

/** One packer invocation, runnable and printable. */
export interface PackerCommand {
  /** Executable. */
  command: string;
  /** Arguments, unquoted. */
  args: string[];
  /** Working directory. */
  cwd: string;
  /** Extra environment. */
  env: Record<string, string>;
}

/** The -var values of a run. */
export interface PackerVars {
  /** AWS region to build in. */
  region: string;
  /** packer/versions.env as KEY → VALUE. */
  versions: Record<string, string>;
  /** Git revision of packer/. */
  gitRevision: string;
  /** Tags of this build run (run id, user tags). */
  runTags: Record<string, string>;
  /** Directory holding the generated Grafana dashboards (*.json) for the monitoring image. */
  dashboardsDir: string;
}

/** Options shared by {@link buildCommand} and {@link validateCommands}. */
export interface PackerPlanOptions {
  /** packer executable. */
  packer: string;
  /** The -var values. */
  vars: PackerVars;
  /** Template directory. @default packer/ of this checkout */
  packerDir?: string;
}

/** Build options: which images. */
export interface PackerBuildOptions extends PackerPlanOptions {
  /** Images to build. @default all */
  roles?: readonly ImageRole[];
}

const PACKER_ENV = { CHECKPOINT_DISABLE: '1', PACKER_NO_COLOR: '1' };

/** An HCL string literal: JSON escaping, plus `${`/`%{` escaped so HCL does not template them. */
export function hclString(value: string): string {
  return JSON.stringify(value)
    .replace(/\$\{/g, () => '$${')
    .replace(/%\{/g, () => '%%{');
}

/** An HCL object literal of strings, keys quoted (tag keys hold `:`). Keys are sorted for stable output. */
export function hclStringMap(map: Record<string, string>): string {
  const entries = Object.keys(map)
    .sort()
    .map((key) => `${hclString(key)}=${hclString(map[key]!)}`);
  return `{${entries.join(',')}}`;
}

/** The -var arguments for `vars`. */
export function packerVarArgs(vars: PackerVars): string[] {
  return [
    `-var=region=${vars.region}`,
    `-var=git_revision=${vars.gitRevision}`,
    `-var=versions=${hclStringMap(vars.versions)}`,
    `-var=run_tags=${hclStringMap(vars.runTags)}`,
    `-var=dashboards_dir=${vars.dashboardsDir}`,
    `-var=manifest_path=${MANIFEST_PATH}`,
  ];
}

/** `-only` filter selecting the builds of `roles` (each build is named after its role). */
export function onlyFilter(roles: readonly ImageRole[]): string {
  return roles.map((role) => `${role}.amazon-ebs.${role}`).join(',');
}

/** The `packer build` command for `roles` (all when omitted). */
export function buildCommand(options: PackerBuildOptions): PackerCommand {
  const roles = options.roles && options.roles.length > 0 ? options.roles : IMAGE_ROLES;
  const dir = options.packerDir ?? PACKER_DIR;
  const args = ['build', '-color=false', '-timestamp-ui'];
  if (roles.length < IMAGE_ROLES.length) args.push(`-only=${onlyFilter(roles)}`);
  args.push(...packerVarArgs(options.vars), '.');
  return { command: options.packer, args, cwd: dir, env: PACKER_ENV };
}

/**
 * `packer validate -syntax-only .` (no variables needed), then the full `packer validate .` with
 * the run's variables (offline: the amazon plugin is bundled in 1.9.4 and validate calls no AWS API).
 */
export function validateCommands(options: PackerPlanOptions): [PackerCommand, PackerCommand] {
  const dir = options.packerDir ?? PACKER_DIR;
  return [
    { command: options.packer, args: ['validate', '-syntax-only', '.'], cwd: dir, env: PACKER_ENV },
    { command: options.packer, args: ['validate', ...packerVarArgs(options.vars), '.'], cwd: dir, env: PACKER_ENV },
  ];
}

/**
 * Why the app image of `roles` (all when omitted) cannot be built: app.pkr.hcl ships the bundles
 * `npm run build` writes to dist/bundle. Undefined when they are there or no app image is built.
 */
export function missingAppBundles(roles?: readonly ImageRole[]): string | undefined {
  if (roles && roles.length > 0 && !roles.includes('app')) return undefined;
  const missing = (['producer', 'consumer'] as const).map(appBundle).filter((file) => !existsSync(file));
  return missing.length > 0
    ? `the app image ships the app bundles, and ${missing.join(', ')} is missing: run npm run build`
    : undefined;
}

/** A POSIX-shell quoted word. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The command as one line a user can paste into a shell. */
export function formatCommand(cmd: PackerCommand): string {
  const env = Object.entries(cmd.env).map(([k, v]) => `${k}=${shellQuote(v)}`);
  return `(cd ${shellQuote(cmd.cwd)} && ${[...env, cmd.command, ...cmd.args].map((w, i) => (i < env.length ? w : shellQuote(w))).join(' ')})`;
}

/** packer/versions.env as a map. */
export async function readVersionsFile(packerDir: string = PACKER_DIR): Promise<Record<string, string>> {
  const file = join(packerDir, 'versions.env');
  return parseVersionsEnv(await readFile(file, 'utf8'), file);
}

/**
 * The git revision of the templates: the last commit that touched `packerDir`, with `-dirty`
 * when it has uncommitted changes (the manifest itself does not count). `unknown` outside git.
 */
export async function gitRevision(packerDir: string = PACKER_DIR): Promise<string> {
  const log = await execa('git', ['log', '-1', '--format=%h', '--abbrev=12', '--', '.'], {
    cwd: packerDir,
    reject: false,
  });
  const rev = String(log.stdout).trim();
  if (log.exitCode !== 0 || rev === '') return 'unknown';
  const status = await execa(
    'git',
    ['status', '--porcelain', '--', '.', ':(exclude)manifest.json', ':(exclude)manifest.json.lock'],
    {
      cwd: packerDir,
      reject: false,
    },
  );
  return String(status.stdout).trim() === '' ? rev : `${rev}-dirty`;
}

/** Where {@link writeDashboards} puts the spec's dashboards: `<cache>/packer/dashboards/<spec name>`. */
export function dashboardsDirFor(spec: PipelineSpec, root: string = cacheDir()): string {
  return join(root, 'packer', 'dashboards', spec.name);
}

/** Write the spec's Grafana dashboards to {@link dashboardsDirFor} and return the dir. */
export async function writeDashboards(spec: PipelineSpec, root: string = cacheDir()): Promise<string> {
  const dir = dashboardsDirFor(spec, root);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(grafanaDashboardFiles(spec))) await writeFile(join(dir, name), text);
  return dir;
}

/** Result of one packer invocation. */
export interface PackerRunResult {
  exitCode: number;
  /** Last lines of output (for error messages). */
  tail: string[];
}

/** Run a packer command, streaming each output line to `onLine`. */
export async function runPackerCommand(
  cmd: PackerCommand,
  onLine: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<PackerRunResult> {
  const tail: string[] = [];
  const child = execa(cmd.command, cmd.args, { cwd: cmd.cwd, env: cmd.env, reject: false, all: true, buffer: false });
  let pending = '';
  child.all?.on('data', (chunk: Buffer) => {
    const lines = (pending + chunk.toString('utf8')).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      onLine(line);
      tail.push(line);
      if (tail.length > 60) tail.shift();
    }
  });
  const result = await child;
  if (pending !== '') {
    onLine(pending);
    tail.push(pending);
  }
  return { exitCode: result.exitCode ?? 1, tail };
}

/** The AMIs a packer run (by its run uuid) added to the manifest. */
export function summarizeRun(manifestPath: string, runUuid?: string): AmiRecord[] {
  const manifest = readManifest(manifestPath);
  if (!manifest) return [];
  const uuid = runUuid ?? manifest.last_run_uuid;
  return amiRecords(manifest).filter((r) => r.runUuid === uuid);
}
