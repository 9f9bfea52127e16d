/**
 * terratower as a dependency of someone else's CDKTF app: `npm pack`'s tarball installed into
 * scratch projects (with cdktf, constructs and @cdktf/provider-aws, the peer dependencies, from the
 * registry cache), each synthesizing its own resource beside our PipelineStack:
 *   (a) an ESM app compiled with tsc and run with node;
 *   (b) the CommonJS layout `cdktf init --template typescript` writes, run with ts-node;
 *   (c) `cdktf synth` (cdktf-cli 0.21) on that layout;
 *   (d) strict consumer flags (exactOptionalPropertyTypes, noUncheckedIndexedAccess,
 *       skipLibCheck false): zero type errors from the shipped .d.ts, in both layouts.
 * No twin, but npm installs are IO-heavy: a few minutes.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/support/paths.ts';

/** Test-only tools, not dependencies of ours: the versions `cdktf init` (cdktf-cli 0.21.0) installs. */
const TS_NODE_VERSION = '10.9.2';
const CDKTF_CLI_VERSION = '0.21.0';

/** tsconfig.json of cdktf-cli 0.21.0's `typescript` template (bundle/templates/typescript), verbatim. */
const CDKTF_INIT_TSCONFIG = {
  compilerOptions: {
    alwaysStrict: true,
    declaration: true,
    experimentalDecorators: true,
    inlineSourceMap: true,
    inlineSources: true,
    lib: ['es2018'],
    module: 'CommonJS',
    noEmitOnError: true,
    noFallthroughCasesInSwitch: true,
    noImplicitAny: true,
    noImplicitReturns: true,
    noImplicitThis: true,
    noUnusedLocals: true,
    noUnusedParameters: true,
    resolveJsonModule: true,
    strict: true,
    strictNullChecks: true,
    strictPropertyInitialization: true,
    stripInternal: true,
    target: 'ES2018',
    incremental: true,
    skipLibCheck: true,
  },
  include: ['**/*.ts'],
  exclude: ['node_modules', 'cdktf.out'],
};

/** The consumer flags we promise our .d.ts survive. */
const STRICT_FLAGS = [
  '--strict',
  '--exactOptionalPropertyTypes',
  '--noUncheckedIndexedAccess',
  '--skipLibCheck',
  'false',
];

const ESM_MAIN = `import { App } from 'cdktf';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket/index.js';
import { PipelineStack, defaultSpec, validateSpec } from 'terratower/constructs';

const app = new App({ outdir: process.argv[2] ?? 'cdktf.out' });
const stack = new PipelineStack(app, 'payments', { spec: validateSpec(defaultSpec()), runId: 'consumer-esm' });
new S3Bucket(stack, 'their-bucket', { bucket: 'their-own-bucket' });
app.synth();
`;

// The other entries' types (spec + harness, the AWS target), checked too; type-only, so the app
// does not load them.
const ESM_ROOT_TYPES = `import type * as Terratower from 'terratower';
import type * as AwsTarget from 'terratower/aws-target';
export type Spec = Terratower.PipelineSpec;
export type Scenario = Terratower.ScenarioDefinition;
export type Local = Terratower.LocalTarget;
export type Aws = AwsTarget.AwsTarget;
export type Deployment = AwsTarget.AwsDeployment;
`;

const CJS_MAIN = `import { Construct } from "constructs";
import { App, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { Pipeline, PipelineStack, StackIdentity, defaultSpec, validateSpec } from "terratower/constructs";

class TheirStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new AwsProvider(this, "aws", { region: "eu-west-1" });
    new S3Bucket(this, "their-bucket", { bucket: "their-other-bucket" });
  }
}

const app = new App();
const stack = new PipelineStack(app, "payments", { spec: validateSpec(defaultSpec()), runId: "consumer-cjs" });
new S3Bucket(stack, "their-bucket", { bucket: "their-own-bucket" });
new TheirStack(app, "theirs");
const identity: StackIdentity = stack.identity;
const pipeline: Pipeline = stack.pipeline;
console.log(\`\${identity.stackName} \${pipeline.node.id}\`);
app.synth();
`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a command; never throws (the caller asserts on the exit code and shows the output). */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        cwd,
        env: { ...process.env, CHECKPOINT_DISABLE: '1', ...env },
        maxBuffer: 64 * 1024 * 1024,
        timeout: 8 * 60_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

function tail(r: Run): string {
  return `${r.stdout}\n${r.stderr}`.split('\n').slice(-40).join('\n');
}

async function mustRun(command: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<Run> {
  const r = await run(command, args, cwd, env);
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')} in ${cwd} exited ${r.code}:\n${tail(r)}`);
  return r;
}

interface TfJson {
  provider?: { aws?: { default_tags?: { tags?: Record<string, string> }[] }[] };
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, unknown>;
}

function readStack(outdir: string, stack: string): TfJson {
  return JSON.parse(readFileSync(join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8')) as TfJson;
}

/** Our pipeline and their bucket, side by side in the `payments` stack. */
function expectPipelineAndTheirs(json: TfJson, runId: string): void {
  const resources = json.resource ?? {};
  expect(resources.aws_s3_bucket?.['their-bucket']).toMatchObject({ bucket: 'their-own-bucket' });
  expect(Object.keys(resources.aws_vpc ?? {})).toHaveLength(1);
  expect(Object.keys(resources.aws_autoscaling_group ?? {}).length).toBeGreaterThanOrEqual(8);
  expect(Object.keys(json.output ?? {})).toEqual(expect.arrayContaining(['kafka_bootstrap', 'asg_names']));
  expect(json.provider?.aws?.[0]?.default_tags?.[0]?.tags?.['terratower:run-id']).toBe(runId);
}

const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  devDependencies: Record<string, string>;
};
const pin = (name: string): string => {
  const version = manifest.devDependencies[name];
  if (!version) throw new Error(`${name} is not pinned in package.json's devDependencies`);
  return `${name}@${version}`;
};

const work = mkdtempSync(join(tmpdir(), 'tt-consumer-'));
const esm = join(work, 'esm');
const cjs = join(work, 'cjs');
const cli = join(work, 'cli');
const bin = join(work, 'node_modules', '.bin');
let cliProblem: string | undefined;

beforeAll(async () => {
  // The tarball holds this checkout's dist/, built before any integration file ran (the prepare
  // tier, or the global setup). Not npm pack's prepack build: rebuilding dist/ here removed the
  // app bundles under the twin files' lane beside this one, and a twin booting then failed to
  // launch its producer (CI, 2026-11-29).
  mkdirSync(join(work, 'pack'));
  await mustRun('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', join(work, 'pack')], REPO_ROOT);
  const tarball = readdirSync(join(work, 'pack')).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error('npm pack wrote no tarball');
  // One node_modules for both apps (Node and TypeScript look upward from esm/ and cjs/).
  writeFileSync(join(work, 'package.json'), `${JSON.stringify({ name: 'scratch', private: true })}\n`);
  await mustRun(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      join(work, 'pack', tarball),
      pin('cdktf'),
      pin('constructs'),
      pin('@cdktf/provider-aws'),
      pin('typescript'),
      pin('@types/node'),
      `ts-node@${TS_NODE_VERSION}`,
    ],
    work,
  );

  mkdirSync(join(esm, 'src'), { recursive: true });
  writeFileSync(
    join(esm, 'package.json'),
    `${JSON.stringify({ name: 'scratch-esm', private: true, type: 'module' })}\n`,
  );
  writeFileSync(
    join(esm, 'tsconfig.json'),
    `${JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
        skipLibCheck: false,
        outDir: 'dist',
        rootDir: 'src',
        types: ['node'],
      },
      include: ['src'],
    })}\n`,
  );
  writeFileSync(join(esm, 'src', 'main.ts'), ESM_MAIN);
  writeFileSync(join(esm, 'src', 'root-types.ts'), ESM_ROOT_TYPES);

  // What `cdktf init --template typescript` writes (the sample stack replaced by ours and theirs).
  mkdirSync(cjs);
  writeFileSync(join(cjs, 'tsconfig.json'), `${JSON.stringify(CDKTF_INIT_TSCONFIG, null, 2)}\n`);
  writeFileSync(
    join(cjs, 'package.json'),
    `${JSON.stringify({ name: 'scratch-cjs', version: '1.0.0', main: 'main.js', types: 'main.ts', private: true })}\n`,
  );
  writeFileSync(
    join(cjs, 'cdktf.json'),
    `${JSON.stringify({
      language: 'typescript',
      app: 'npx ts-node main.ts',
      projectId: 'scratch',
      sendCrashReports: 'false',
      terraformProviders: [],
      terraformModules: [],
      context: {},
    })}\n`,
  );
  writeFileSync(join(cjs, 'main.ts'), CJS_MAIN);

  // cdktf-cli apart: when it cannot be installed here, (c) says why and the rest still runs.
  mkdirSync(cli);
  writeFileSync(join(cli, 'package.json'), `${JSON.stringify({ name: 'scratch-cli', private: true })}\n`);
  const installed = await run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', `cdktf-cli@${CDKTF_CLI_VERSION}`],
    cli,
  );
  if (installed.code !== 0) cliProblem = `npm install cdktf-cli@${CDKTF_CLI_VERSION} failed:\n${tail(installed)}`;
}, 15 * 60_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('a consumer project', () => {
  it('(a) ESM: compiles with tsc under strict flags and synthesizes its bucket beside our pipeline with node', async () => {
    const tsc = await run(join(bin, 'tsc'), ['-p', '.'], esm);
    expect(tsc.stdout, tsc.stdout).not.toMatch(/error TS/);
    expect(tsc.code).toBe(0);
    await mustRun(process.execPath, ['dist/main.js', 'out'], esm);
    expectPipelineAndTheirs(readStack(join(esm, 'out'), 'payments'), 'consumer-esm');
  });

  it("(b) CommonJS, cdktf init's layout: ts-node runs main.ts", async () => {
    const r = await mustRun(join(bin, 'ts-node'), ['main.ts'], cjs);
    expect(r.stdout).toContain('terratower pipeline');
    expectPipelineAndTheirs(readStack(join(cjs, 'cdktf.out'), 'payments'), 'consumer-cjs');
    const theirs = readStack(join(cjs, 'cdktf.out'), 'theirs');
    expect(Object.keys(theirs.resource ?? {})).toEqual(['aws_s3_bucket']);
  });

  it('(c) cdktf synth with cdktf-cli 0.21 on the CommonJS layout', async (ctx) => {
    if (cliProblem) ctx.skip(cliProblem);
    // (b)'s layout is the template's: the installed cdktf-cli ships the same tsconfig.json.
    const template = join(cli, 'node_modules', 'cdktf-cli', 'bundle', 'templates', 'typescript', 'tsconfig.json');
    expect(JSON.parse(readFileSync(template, 'utf8'))).toEqual(CDKTF_INIT_TSCONFIG);
    const outdir = join(cjs, 'synth.out');
    await mustRun(join(cli, 'node_modules', '.bin', 'cdktf'), ['synth', '--output', outdir], cjs, {
      PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`,
      CI: '1',
    });
    expectPipelineAndTheirs(readStack(outdir, 'payments'), 'consumer-cjs');
    expect(readStack(outdir, 'theirs').resource?.aws_s3_bucket?.['their-bucket']).toMatchObject({
      bucket: 'their-other-bucket',
    });
  });

  it('(d) strict flags with skipLibCheck false on the CommonJS layout: zero type errors', async () => {
    const tsc = await run(join(bin, 'tsc'), ['--noEmit', '-p', '.', ...STRICT_FLAGS], cjs);
    expect(tsc.stdout, tsc.stdout).not.toMatch(/error TS/);
    expect(tsc.code).toBe(0);
    // The program reads our declarations, never our shipped sources (they are there for the declaration maps).
    const files = await mustRun(join(bin, 'tsc'), ['--noEmit', '-p', '.', '--listFilesOnly'], cjs);
    expect(files.stdout).toMatch(/node_modules\/terratower\/dist\/src\/aws\/index\.d\.ts/);
    expect(files.stdout).not.toMatch(/node_modules\/terratower\/.*[^d]\.ts$/m);
  });
});
