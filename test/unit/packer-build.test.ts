import { join } from 'node:path';
/** The build runner's commands: -var values, -only, quoting that a real shell reads back. */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  buildCommand,
  formatCommand,
  gitRevision,
  hclString,
  hclStringMap,
  readVersionsFile,
  validateCommands,
  type PackerVars,
} from '../../src/aws/packer/build.ts';
import { PACKER_DIR } from '../../src/support/paths.ts';

const vars: PackerVars = {
  region: 'us-east-2',
  versions: { KAFKA_VERSION: '4.1.1', CASSANDRA_VERSION: '5.0.6' },
  gitRevision: 'abc123def456',
  runTags: { 'terratower:run-id': 'r-1', owner: "o'brien ${x}" },
  dashboardsDir: '/tmp/dash boards',
};

describe('packer build runner', () => {
  it('builds all images by default, or only the chosen roles', () => {
    const all = buildCommand({ packer: '/p/packer', vars });
    expect(all.args[0]).toBe('build');
    expect(all.args.some((a) => a.startsWith('-only='))).toBe(false);
    expect(all.args.at(-1)).toBe('.');
    expect(all.cwd).toBe(PACKER_DIR);
    const some = buildCommand({ packer: '/p/packer', vars, roles: ['monitoring'] });
    expect(some.args).toContain('-only=monitoring.amazon-ebs.monitoring');
  });

  it('passes region, git revision, versions, run tags and dashboards as -var', () => {
    const args = buildCommand({ packer: 'packer', vars }).args;
    expect(args).toContain('-var=region=us-east-2');
    expect(args).toContain('-var=git_revision=abc123def456');
    expect(args).toContain('-var=versions={"CASSANDRA_VERSION"="5.0.6","KAFKA_VERSION"="4.1.1"}');
    expect(args).toContain('-var=run_tags={"owner"="o\'brien $${x}","terratower:run-id"="r-1"}');
    expect(args).toContain('-var=dashboards_dir=/tmp/dash boards');
    // Images are recorded in the user's project (cwd), never inside the installed package.
    expect(args).toContain(`-var=manifest_path=${join(process.cwd(), 'packer', 'manifest.json')}`);
  });

  it('escapes HCL template sequences in strings', () => {
    expect(hclString('a${b}%{c}"d')).toBe('"a$${b}%%{c}\\"d"');
    expect(hclStringMap({})).toBe('{}');
  });

  it('prints commands a POSIX shell reads back into the same arguments', () => {
    const cmd = {
      ...buildCommand({ packer: 'printf', vars }),
      args: ['%s\\n', ...buildCommand({ packer: 'x', vars }).args],
      cwd: '/tmp',
    };
    const line = formatCommand(cmd);
    const out = execFileSync('sh', ['-c', line], { encoding: 'utf8' });
    expect(out.split('\n').slice(0, -1)).toEqual(cmd.args.slice(1));
  });

  it('validates syntax first (no variables), then in full with the run variables', () => {
    const [syntax, full] = validateCommands({ packer: 'packer', vars });
    expect(syntax.args).toEqual(['validate', '-syntax-only', '.']);
    expect(full.args[0]).toBe('validate');
    expect(full.args).toContain('-var=region=us-east-2');
  });

  it("reads versions from packer/versions.env and the templates' git revision", async () => {
    const versions = await readVersionsFile();
    expect(versions.KAFKA_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    expect(versions.CASSANDRA_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    expect(await gitRevision()).toMatch(/^([0-9a-f]{12}(-dirty)?|unknown)$/);
  });
});
