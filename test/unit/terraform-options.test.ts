import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lineSplitter } from '../../src/harness/terraform/exec.ts';
import {
  compareVersions,
  ensureTerraformBinaries,
  parseVersionOutput,
  TerraformInstallError,
  tofuScratchModule,
} from '../../src/support/install/terraform.ts';
import {
  DEFAULT_TIMEOUTS,
  keepFromEnv,
  newRunId,
  resolveOptions,
  RUN_ID_PATTERN,
} from '../../src/harness/terraform/options.ts';
import { DEFAULT_RETRYABLE_ERRORS } from '../../src/harness/terraform/retry.ts';
import { commandEnvironment, destroyCommandFor, managedInstancesInState } from '../../src/harness/terraform/run.ts';

const config = { resource: { terraform_data: { a: {} } } };

describe('terraform options', () => {
  it('fills in Terratest-like defaults', () => {
    const o = resolveOptions({ config }, { runsRoot: '/runs', env: {} });
    expect(o.binary).toBe('terraform');
    expect(o.runsRoot).toBe('/runs');
    expect(o.runId).toMatch(RUN_ID_PATTERN);
    expect(o.logPrefix).toBe(o.runId);
    expect(o.maxRetries).toBe(3);
    expect(o.destroyRetries).toBe(3);
    expect(o.timeBetweenRetriesMs).toBe(5_000);
    expect(o.retryableErrors).toBe(DEFAULT_RETRYABLE_ERRORS);
    expect(o.timeouts).toEqual(DEFAULT_TIMEOUTS);
    expect(o.keep).toBe(false);
    expect(o.handleSignals).toBe(true);
    expect(o.echo).toBe(true);
    expect(o.retainRunDir).toBe(false);
  });

  it('merges partial timeouts and keeps given values', () => {
    const o = resolveOptions(
      { config, binary: 'tofu', runId: 'r-1', timeouts: { apply: 1_000 }, maxRetries: 0, logPrefix: 'x' },
      { runsRoot: '/runs', env: {} },
    );
    expect(o.binary).toBe('tofu');
    expect(o.runId).toBe('r-1');
    expect(o.timeouts.apply).toBe(1_000);
    expect(o.timeouts.destroy).toBe(DEFAULT_TIMEOUTS.destroy);
    expect(o.maxRetries).toBe(0);
    expect(o.logPrefix).toBe('x');
  });

  it('wants exactly one of config and sourceDir', () => {
    expect(() => resolveOptions({}, { runsRoot: '/r' })).toThrow(/exactly one/);
    expect(() => resolveOptions({ config, sourceDir: '/x' }, { runsRoot: '/r' })).toThrow(/exactly one/);
  });

  it('refuses run ids that are not one safe path segment, and bad numbers', () => {
    expect(() => resolveOptions({ config, runId: '../escape' }, { runsRoot: '/r' })).toThrow(/run id/);
    expect(() => resolveOptions({ config, runId: 'a/b' }, { runsRoot: '/r' })).toThrow(/run id/);
    expect(() => resolveOptions({ config, maxRetries: -1 }, { runsRoot: '/r' })).toThrow(/maxRetries/);
    expect(() => resolveOptions({ config, timeouts: { apply: 0 } }, { runsRoot: '/r' })).toThrow(/timeouts.apply/);
  });

  it('takes extra files by plain name only', () => {
    expect(resolveOptions({ config, files: { 'spec.json': '{}' } }, { runsRoot: '/r' }).files).toEqual({
      'spec.json': '{}',
    });
    expect(resolveOptions({ config }, { runsRoot: '/r' }).files).toEqual({});
    for (const name of [
      '../spec.json',
      'a/b',
      '..',
      '.hidden',
      '',
      'main.tf.json',
      'run.json',
      'terraform.tfstate.backup',
    ]) {
      expect(() => resolveOptions({ config, files: { [name]: 'x' } }, { runsRoot: '/r' })).toThrow(/plain file name/);
    }
  });

  it('keeps stacks when TERRATOWER_KEEP says so, unless the options say otherwise', () => {
    expect(keepFromEnv({ TERRATOWER_KEEP: '1' })).toBe(true);
    expect(keepFromEnv({ TERRATOWER_KEEP: 'true' })).toBe(true);
    expect(keepFromEnv({ TERRATOWER_KEEP: '0' })).toBe(false);
    expect(keepFromEnv({})).toBe(false);
    expect(resolveOptions({ config }, { runsRoot: '/r', env: { TERRATOWER_KEEP: '1' } }).keep).toBe(true);
    expect(resolveOptions({ config, keep: false }, { runsRoot: '/r', env: { TERRATOWER_KEEP: '1' } }).keep).toBe(false);
  });

  it('makes unique, sortable run ids', () => {
    const ids = new Set(Array.from({ length: 50 }, () => newRunId()));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(/^tt-\d{8}-\d{6}-[0-9a-f]{6}$/);
    expect(newRunId('local')).toMatch(RUN_ID_PATTERN);
  });
});

describe('installer helpers', () => {
  it('reads versions from terraform and tofu output', () => {
    expect(parseVersionOutput('{"terraform_version":"1.5.7","platform":"linux_amd64"}')).toBe('1.5.7');
    expect(parseVersionOutput('OpenTofu v1.10.7\non linux_amd64')).toBe('1.10.7');
    expect(parseVersionOutput('Terraform v1.11.4\n')).toBe('1.11.4');
    expect(parseVersionOutput('garbage')).toBeUndefined();
  });

  it('compares versions numerically', () => {
    expect(compareVersions('1.10.7', '1.4.0')).toBeGreaterThan(0);
    expect(compareVersions('1.3.9', '1.4.0')).toBeLessThan(0);
    expect(compareVersions('1.5.7', '1.5.7')).toBe(0);
  });

  it('writes the OpenTofu scratch module with its one replace', () => {
    const m = tofuScratchModule('1.10.7');
    expect(m.goMod).toContain('require github.com/opentofu/opentofu v1.10.7');
    expect(m.goMod).toMatch(
      /^replace github.com\/hashicorp\/hcl\/v2 v2.20.1 => github.com\/opentofu\/hcl\/v2 v2.20.2-/m,
    );
    expect(m.toolsGo).toContain('"github.com/opentofu/opentofu/cmd/tofu"');
  });
});

describe('installer without binaries or Go', () => {
  const names = ['PATH', 'TERRATOWER_CACHE', 'TERRATOWER_GO', 'TERRATOWER_TERRAFORM', 'TERRATOWER_TOFU'] as const;
  const saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));
  let cache = '';
  afterEach(async () => {
    for (const n of names) {
      if (saved[n] === undefined) delete process.env[n];
      else process.env[n] = saved[n];
    }
    if (cache) await rm(cache, { recursive: true, force: true });
  });

  it('fails with a message that says what to install, per binary', async () => {
    cache = await mkdtemp(join(tmpdir(), 'tt-nogo-'));
    process.env.PATH = '';
    process.env.TERRATOWER_CACHE = cache;
    process.env.TERRATOWER_GO = join(cache, 'no-go-here');
    delete process.env.TERRATOWER_TERRAFORM;
    delete process.env.TERRATOWER_TOFU;
    const lines: string[] = [];
    const error = await ensureTerraformBinaries({ log: (l) => lines.push(l) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TerraformInstallError);
    const message = (error as Error).message;
    expect(message).toMatch(/neither terraform nor tofu can be had/);
    expect(message).toMatch(/terraform: terraform was not found .* Go is not installed/);
    expect(message).toMatch(/tofu: tofu was not found .* TERRATOWER_TOFU .* build tofu 1\.10\.7/);
    expect(lines.some((l) => l.startsWith('tofu unavailable'))).toBe(true);
  });
});

describe('run helpers', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = '';
  });

  it('splits streamed chunks into lines', () => {
    const lines: string[] = [];
    const s = lineSplitter((l) => lines.push(l));
    s.push('a\r\nb');
    s.push('c\n\nd');
    s.flush();
    expect(lines).toEqual(['a', 'bc', '', 'd']);
  });

  it('counts managed instances left in a state file', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tt-state-'));
    const file = join(dir, 'terraform.tfstate');
    expect(await managedInstancesInState(file)).toBe(0);
    await writeFile(file, JSON.stringify({ version: 4, resources: [] }));
    expect(await managedInstancesInState(file)).toBe(0);
    await writeFile(
      file,
      JSON.stringify({
        version: 4,
        resources: [
          { mode: 'managed', type: 'terraform_data', name: 'a', instances: [{}, {}] },
          { mode: 'data', type: 'x', name: 'y', instances: [{}] },
        ],
      }),
    );
    expect(await managedInstancesInState(file)).toBe(2);
  });

  it('replaces a TF_CLI_CONFIG_FILE that does not exist with an empty one in the run dir', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tt-env-'));
    const env = await commandEnvironment(dir, {
      TF_CLI_CONFIG_FILE: join(dir, 'missing.rc'),
      TF_PLUGIN_CACHE_DIR: dir,
    });
    expect(env.TF_CLI_CONFIG_FILE).toBe(join(dir, 'terraformrc'));
    expect(await readFile(join(dir, 'terraformrc'), 'utf8')).toMatch(/^#/);
    expect(env.TF_IN_AUTOMATION).toBe('1');
    expect(env.CHECKPOINT_DISABLE).toBe('1');
    const existing = join(dir, 'real.rc');
    await writeFile(existing, '');
    expect(
      (await commandEnvironment(dir, { TF_CLI_CONFIG_FILE: existing, TF_PLUGIN_CACHE_DIR: dir })).TF_CLI_CONFIG_FILE,
    ).toBe(existing);
  });

  it('prints one shell command that destroys a run later', () => {
    expect(destroyCommandFor('/usr/bin/tofu', '/c/tf-runs/r1', {})).toBe(
      '/usr/bin/tofu -chdir=/c/tf-runs/r1 destroy -auto-approve -input=false',
    );
    expect(destroyCommandFor('/b/terraform', "/c/it's", { TF_CLI_CONFIG_FILE: '/c/rc' })).toBe(
      `TF_CLI_CONFIG_FILE=/c/rc /b/terraform -chdir='/c/it'\\''s' destroy -auto-approve -input=false`,
    );
  });
});
