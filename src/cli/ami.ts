/**
 * `terratower ami`: bake and check the Packer images.
 *
 *   terratower ami build [--only ROLE[,ROLE]] [--region R] [--run-id ID] [--tag K=V]... [--spec FILE] [--dry-run]
 *   terratower ami validate [--syntax-only]
 *   terratower ami list [--region R]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultSpec } from '../spec/defaults.ts';
import { loadSpecFile } from '../spec/load.ts';
import { TAG_KEYS } from '../spec/tags.ts';
import type { PipelineSpec } from '../spec/types.ts';
import {
  buildCommand,
  missingAppBundles,
  dashboardsDirFor,
  formatCommand,
  gitRevision,
  readVersionsFile,
  runPackerCommand,
  summarizeRun,
  validateCommands,
  writeDashboards,
  type PackerVars,
} from '../aws/packer/build.ts';
import { ensurePacker, findPacker, packerBinDir } from '../support/install/packer.ts';
import { IMAGE_ROLES, latestAmis, MANIFEST_PATH, readManifest, type ImageRole } from '../aws/packer/manifest.ts';
import { CommandError, type Command } from './command.ts';

const USAGE = `usage:
  terratower ami build [--only ROLE[,ROLE]] [--region R] [--run-id ID] [--tag KEY=VALUE]... [--spec FILE] [--dry-run]
  terratower ami validate [--syntax-only] [--spec FILE]
  terratower ami list [--region R]

Roles: ${IMAGE_ROLES.join(', ')} (the app image runs producers and consumers).
build needs AWS credentials; --dry-run prints the exact packer commands instead of running them.
Images are recorded in ${MANIFEST_PATH}.`;

const OPTIONS = {
  only: { type: 'string' },
  region: { type: 'string' },
  'run-id': { type: 'string' },
  tag: { type: 'string', multiple: true },
  spec: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'syntax-only': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Parse `--only kafka,app` into roles; throws naming the unknown role. */
export function parseRoles(value: string | undefined): ImageRole[] | undefined {
  if (value === undefined) return undefined;
  const roles = value
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  for (const role of roles) {
    if (!(IMAGE_ROLES as readonly string[]).includes(role)) {
      throw new CommandError(
        `--only ${role}: unknown image role; use ${IMAGE_ROLES.join(', ')} (producers and consumers run from "app")`,
        2,
      );
    }
  }
  return roles as ImageRole[];
}

/** Parse repeated `--tag KEY=VALUE` into a map. */
export function parseTags(values: readonly string[] | undefined): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const value of values ?? []) {
    const eq = value.indexOf('=');
    if (eq <= 0) throw new CommandError(`--tag ${value}: expected KEY=VALUE`, 2);
    tags[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return tags;
}

async function specFrom(path: string | undefined): Promise<PipelineSpec> {
  return path ? loadSpecFile(path) : defaultSpec();
}

async function packerVars(
  spec: PipelineSpec,
  region: string,
  runTags: Record<string, string>,
  dryRun: boolean,
): Promise<PackerVars> {
  return {
    region,
    versions: await readVersionsFile(),
    gitRevision: await gitRevision(),
    runTags,
    // A dry run names the directory without writing to it.
    dashboardsDir: dryRun ? dashboardsDirFor(spec) : await writeDashboards(spec),
  };
}

async function build(values: Record<string, unknown>): Promise<number> {
  const roles = parseRoles(values.only as string | undefined);
  const spec = await specFrom(values.spec as string | undefined);
  const region = (values.region as string | undefined) ?? spec.region;
  const runTags = { ...spec.tags, ...parseTags(values.tag as string[] | undefined) };
  const runId = values['run-id'] as string | undefined;
  if (runId) runTags[TAG_KEYS.runId] = runId;
  const dryRun = values['dry-run'] === true;
  // A dry run builds nothing: it names the packer a real run would use (or build into the cache).
  const packer = dryRun ? ((await findPacker()) ?? { path: join(packerBinDir(), 'packer') }) : await ensurePacker();
  const vars = await packerVars(spec, region, runTags, dryRun);
  const cmd = buildCommand({ packer: packer.path, vars, roles });
  if (dryRun) {
    console.log(`# first: the spec's Grafana dashboards are written to ${vars.dashboardsDir}`);
    console.log(formatCommand(cmd));
    return 0;
  }
  const noBundles = missingAppBundles(roles);
  if (noBundles) {
    console.error(`terratower ami build: ${noBundles}`);
    return 1;
  }
  console.error(
    `terratower ami build: ${roles?.join(', ') ?? 'all images'} in ${region} (packer/ at ${vars.gitRevision})`,
  );
  const result = await runPackerCommand(cmd);
  if (result.exitCode !== 0) {
    throw new CommandError(
      `packer build failed (exit ${result.exitCode}); last lines:\n${result.tail.slice(-15).join('\n')}`,
      result.exitCode,
    );
  }
  const built = summarizeRun(MANIFEST_PATH);
  for (const ami of built) console.log(`${ami.role}\t${ami.region}\t${ami.amiId}`);
  console.error(`terratower ami build: ${built.length} image(s) recorded in ${MANIFEST_PATH}`);
  return 0;
}

async function validate(values: Record<string, unknown>): Promise<number> {
  const spec = await specFrom(values.spec as string | undefined);
  const packer = await ensurePacker();
  const vars = await packerVars(spec, spec.region, {}, false);
  const [syntax, full] = validateCommands({ packer: packer.path, vars });
  const steps = values['syntax-only'] === true ? [syntax] : [syntax, full];
  for (const cmd of steps) {
    console.error(`$ ${formatCommand(cmd)}`);
    const result = await runPackerCommand(cmd);
    if (result.exitCode !== 0)
      throw new CommandError(
        `packer ${cmd.args.slice(0, 2).join(' ')} failed (exit ${result.exitCode})`,
        result.exitCode,
      );
  }
  console.error(`terratower ami validate: templates in packer/ are valid (packer ${packer.version})`);
  return 0;
}

function list(values: Record<string, unknown>): number {
  const manifest = readManifest();
  if (!manifest) {
    console.error(`no images built yet (${MANIFEST_PATH} does not exist): run terratower ami build`);
    return 1;
  }
  const region = (values.region as string | undefined) ?? defaultSpec().region;
  const latest = latestAmis(manifest, region);
  for (const role of IMAGE_ROLES) {
    const ami = latest[role];
    console.log(
      `${role}\t${region}\t${ami ? `${ami.amiId}\t${ami.builtAt.toISOString()}\t${ami.gitRevision}` : '(none)'}`,
    );
  }
  return 0;
}

const command: Command = async (argv) => {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new CommandError(`${message}\n\n${USAGE}`, 2);
  }
  const [sub, ...extra] = parsed.positionals;
  if (parsed.values.help || !sub) {
    console.log(USAGE);
    return sub || parsed.values.help ? 0 : 2;
  }
  if (extra.length > 0) throw new CommandError(`unexpected argument(s): ${extra.join(' ')}\n\n${USAGE}`, 2);
  switch (sub) {
    case 'build':
      return build(parsed.values);
    case 'validate':
      return validate(parsed.values);
    case 'list':
      return list(parsed.values);
    default:
      throw new CommandError(`unknown ami subcommand "${sub}"\n\n${USAGE}`, 2);
  }
};
export default command;
