/**
 * The Packer templates, parsed with @cdktf/hcl2json (always; no packer binary needed): declared
 * variables, the shared source, one build per image role, the manifest post-processor, and
 * every uploaded path and provisioned script existing in the repository.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { beforeAll, describe, expect, it } from 'vitest';
import { PACKER_DIR } from '../../src/support/paths.ts';
import { buildCommand, packerVarArgs, type PackerVars } from '../../src/aws/packer/build.ts';
import { IMAGE_ROLES } from '../../src/aws/packer/manifest.ts';
import { TAG_KEYS } from '../../src/spec/tags.ts';

type Json = Record<string, unknown>;

const templateFiles = readdirSync(PACKER_DIR)
  .filter((f) => f.endsWith('.pkr.hcl'))
  .sort();
const parsed: Record<string, Json> = {};

beforeAll(async () => {
  for (const file of templateFiles) {
    parsed[file] = (await parse(file, readFileSync(join(PACKER_DIR, file), 'utf8'))) as Json;
  }
});

function all<T>(key: string): T[] {
  return Object.values(parsed).flatMap((doc) => (doc[key] === undefined ? [] : [doc[key] as T]));
}

function variables(): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const block of all<Record<string, Json[]>>('variable')) {
    for (const [name, defs] of Object.entries(block)) out[name] = defs[0]!;
  }
  return out;
}

function locals(): Json {
  return Object.assign({}, ...all<Json[]>('locals').flat()) as Json;
}

interface Build {
  name: string;
  source: Record<string, Json[]>;
  provisioner: { file?: Json[]; shell?: Json[] };
  'post-processor'?: { manifest?: Json[] };
}

function builds(): Build[] {
  return all<Build[]>('build').flat();
}

const sampleVars: PackerVars = {
  region: 'eu-west-1',
  versions: { KAFKA_VERSION: '4.1.1' },
  gitRevision: 'abc123',
  runTags: {},
  dashboardsDir: '/tmp/d',
};

describe('packer templates (hcl2json)', () => {
  it('finds the template files', () => {
    expect(templateFiles).toEqual(
      expect.arrayContaining([
        'variables.pkr.hcl',
        'sources.pkr.hcl',
        'kafka.pkr.hcl',
        'cassandra.pkr.hcl',
        'app.pkr.hcl',
        'monitoring.pkr.hcl',
      ]),
    );
  });

  it('has no packer { required_plugins } block (it fails offline with Packer 1.9.4)', () => {
    expect(all('packer')).toEqual([]);
    for (const file of templateFiles) {
      const code = readFileSync(join(PACKER_DIR, file), 'utf8')
        .split('\n')
        .filter((l) => !l.trim().startsWith('#'))
        .join('\n');
      expect(code, file).not.toMatch(/required_plugins/);
    }
  });

  it('declares the variables the build runner passes, and passes every variable without a default', () => {
    const vars = variables();
    for (const name of [
      'region',
      'instance_type',
      'base_image_owners',
      'base_image_name',
      'ssh_username',
      'versions',
      'git_revision',
      'run_tags',
      'dashboards_dir',
    ]) {
      expect(vars, name).toHaveProperty(name);
    }
    const passed = packerVarArgs(sampleVars).map((arg) => /^-var=([a-z_]+)=/.exec(arg)![1]!);
    for (const name of passed) expect(vars, `runner passes -var ${name}`).toHaveProperty(name);
    const required = Object.entries(vars)
      .filter(([, v]) => !('default' in v))
      .map(([name]) => name);
    expect(passed).toEqual(expect.arrayContaining(required));
  });

  it('references only declared variables and locals', () => {
    const text = JSON.stringify(parsed);
    const declaredVars = Object.keys(variables());
    const declaredLocals = Object.keys(locals());
    for (const [, name] of text.matchAll(/\bvar\.([a-z_0-9]+)/g)) expect(declaredVars, `var.${name}`).toContain(name);
    for (const [, name] of text.matchAll(/\blocal\.([a-z_0-9]+)/g))
      expect(declaredLocals, `local.${name}`).toContain(name);
  });

  it('tags every image with the project and the git revision of the templates', () => {
    const common = String(locals().common_tags);
    expect(common).toContain(`"${TAG_KEYS.project}"`);
    expect(common).toMatch(/"terratower:git-revision"\s*=\s*var\.git_revision/);
  });

  it('builds from one amazon-ebs source: IMDSv2 required, encrypted root and snapshots, base image by filter', () => {
    const sources = all<Record<string, Record<string, Json[]>>>('source');
    expect(sources).toHaveLength(1);
    const base = sources[0]!['amazon-ebs']!.base![0]!;
    expect(base.region).toBe('${var.region}');
    expect(base.metadata_options).toEqual([
      expect.objectContaining({ http_tokens: 'required', http_endpoint: 'enabled' }),
    ]);
    expect(base.encrypt_boot).toBe(true);
    expect(base.launch_block_device_mappings).toEqual([expect.objectContaining({ encrypted: true })]);
    const filter = (base.source_ami_filter as Json[])[0]!;
    expect(filter.owners).toBe('${var.base_image_owners}');
    expect((filter.filters as Json).name).toBe('${var.base_image_name}');
    expect(filter.most_recent).toBe(true);
  });

  it('has one build per image role, named so that -only=<role>.amazon-ebs.<role> selects it', () => {
    expect(
      builds()
        .map((b) => b.name)
        .sort(),
    ).toEqual([...IMAGE_ROLES].sort());
    for (const build of builds()) {
      const source = build.source['source.amazon-ebs.base']![0]!;
      expect(source.name).toBe(build.name);
      expect(String(source.ami_name)).toMatch(new RegExp(`^terratower-${build.name}-`));
      expect(String(source.tags)).toMatch(/merge\(local\.common_tags/);
      expect(String(source.tags)).toMatch(new RegExp(`"${TAG_KEYS.amiRole}"\\s*=\\s*"${build.name}"`));
    }
    const only = buildCommand({ packer: 'packer', vars: sampleVars, roles: ['kafka', 'app'] }).args.find((a) =>
      a.startsWith('-only='),
    );
    expect(only).toBe('-only=kafka.amazon-ebs.kafka,app.amazon-ebs.app');
  });

  it('records every image in the manifest the runner names (default packer/manifest.json) with its role, region and git revision', () => {
    for (const build of builds()) {
      const manifest = build['post-processor']?.manifest?.[0];
      expect(manifest, build.name).toBeDefined();
      expect(manifest!.output).toBe('${local.manifest_path}');
      expect(manifest!.custom_data).toEqual(
        expect.objectContaining({ role: build.name, region: '${var.region}', git_revision: '${var.git_revision}' }),
      );
    }
  });

  it('uploads only paths that exist in the repository (or the runner-generated dashboards)', () => {
    for (const build of builds()) {
      for (const file of build.provisioner.file ?? []) {
        const source = String(file.source);
        if (source.startsWith('${var.dashboards_dir}')) continue;
        expect(source, build.name).toMatch(/^\$\{path\.root\}\//);
        const local = resolve(PACKER_DIR, source.replace('${path.root}/', ''));
        expect(existsSync(local), `${build.name}: ${source}`).toBe(true);
      }
    }
  });

  it('runs only scripts that exist in packer/scripts, each with --prefix, and the shared install scripts', () => {
    const used = new Map<string, string[]>();
    for (const build of builds()) {
      const lines = (build.provisioner.shell ?? []).flatMap((s) => (s.inline as string[] | undefined) ?? []);
      for (const line of lines) {
        const match = /\$\{local\.upload_dir\}\/packer\/scripts\/([\w.-]+\.sh)(.*)$/.exec(line);
        if (!match) continue;
        const [, script, rest] = match;
        expect(existsSync(join(PACKER_DIR, 'scripts', script!)), `${build.name}: ${script}`).toBe(true);
        expect(rest, `${build.name}: ${script} needs --prefix`).toMatch(/--prefix \S+/);
        used.set(build.name, [...(used.get(build.name) ?? []), script!]);
      }
    }
    expect(used.get('kafka')).toEqual(
      expect.arrayContaining(['install-base.sh', 'install-kafka.sh', 'install-systemd-units.sh', 'cleanup-image.sh']),
    );
    expect(used.get('cassandra')).toEqual(
      expect.arrayContaining([
        'install-base.sh',
        'install-cassandra.sh',
        'install-systemd-units.sh',
        'cleanup-image.sh',
      ]),
    );
    expect(used.get('app')).toEqual(
      expect.arrayContaining(['install-base.sh', 'install-node-app.sh', 'install-systemd-units.sh']),
    );
    expect(used.get('monitoring')).toEqual(
      expect.arrayContaining(['install-base.sh', 'install-monitoring.sh', 'install-systemd-units.sh']),
    );
  });
});
