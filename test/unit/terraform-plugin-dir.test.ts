/** The runner's plugin dir: a filesystem mirror read offline, and the CLI configuration written for it. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  defaultPluginDir,
  findMirroredProvider,
  mirroredProviders,
  plainDeploySteps,
  providerInstallationBlock,
  terraformPlatform,
} from '../../src/harness/terraform/plugin-dir.ts';
import { commandEnvironment } from '../../src/harness/terraform/run.ts';
import { resolveOptions } from '../../src/harness/terraform/options.ts';

const root = mkdtempSync(join(tmpdir(), 'tt-plugin-dir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function mirror(name: string, providers: string[]): string {
  const dir = join(root, name);
  for (const p of providers) {
    const [host, ns, type, version] = p.split('/');
    const leaf = join(dir, host!, ns!, type!, version!, terraformPlatform());
    mkdirSync(leaf, { recursive: true });
    writeFileSync(join(leaf, `terraform-provider-${type}_v${version}_x5`), '');
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

describe('plugin dir', () => {
  const dir = mirror('m1', [
    'registry.terraform.io/hashicorp/aws/5.100.0',
    'registry.terraform.io/hashicorp/aws/5.9.0',
  ]);

  it('lists the mirrored provider versions and picks the newest for this platform', () => {
    expect(
      mirroredProviders(dir)
        .map((p) => p.version)
        .sort(),
    ).toEqual(['5.100.0', '5.9.0']);
    expect(findMirroredProvider(dir)).toEqual({ ok: true, dir, version: '5.100.0' });
  });

  it('says why when there is no provider', () => {
    const empty = mirror('empty', []);
    const r = findMirroredProvider(empty);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toContain(`holds no registry.terraform.io/hashicorp/aws for ${terraformPlatform()}`);
    const none = findMirroredProvider(undefined);
    expect(!none.ok && none.reason).toContain('TERRATOWER_TF_PLUGIN_DIR');
  });

  it('TERRATOWER_TF_PLUGIN_DIR wins; "off" disables it', () => {
    expect(defaultPluginDir({ TERRATOWER_TF_PLUGIN_DIR: dir })).toBe(dir);
    expect(defaultPluginDir({ TERRATOWER_TF_PLUGIN_DIR: 'off' })).toBeUndefined();
    expect(resolveOptions({ config: {}, pluginDir: false }, { runsRoot: root }).pluginDir).toBeUndefined();
    expect(resolveOptions({ config: {}, pluginDir: dir }, { runsRoot: root }).pluginDir).toBe(dir);
  });

  it('the CLI configuration takes mirrored providers from the mirror and the rest from their registries', async () => {
    const block = providerInstallationBlock(dir)!;
    expect(block).toContain(`path    = "${dir}"`);
    expect(block).toContain('include = ["registry.terraform.io/hashicorp/aws"]');
    expect(block).toContain('exclude = ["registry.terraform.io/hashicorp/aws"]');
    expect(providerInstallationBlock(mirror('empty2', []))).toBeUndefined();

    const runDir = join(root, 'run');
    mkdirSync(runDir);
    const userRc = join(root, 'user.rc');
    writeFileSync(userRc, 'plugin_cache_may_break_dependency_lock_file = true\n');
    const env = await commandEnvironment(runDir, { TF_CLI_CONFIG_FILE: userRc, TF_PLUGIN_CACHE_DIR: root }, dir);
    expect(env.TF_CLI_CONFIG_FILE).toBe(join(runDir, 'terraformrc'));
    const written = readFileSync(env.TF_CLI_CONFIG_FILE!, 'utf8');
    expect(written).toContain('plugin_cache_may_break_dependency_lock_file = true'); // the user's own settings kept
    expect(written).toContain(block);

    // A user's own provider_installation wins: the file is left as it is.
    writeFileSync(userRc, 'provider_installation {\n  direct {}\n}\n');
    const env2 = await commandEnvironment(runDir, { TF_CLI_CONFIG_FILE: userRc, TF_PLUGIN_CACHE_DIR: root }, dir);
    expect(env2.TF_CLI_CONFIG_FILE).toBe(userRc);
  });

  it('the plain-terraform steps name the plugin dir when there is one', () => {
    expect(plainDeploySteps('cdktf.out/stacks/x', '/opt/tf-plugins')).toContain(
      'terraform init -plugin-dir=/opt/tf-plugins',
    );
    expect(plainDeploySteps('cdktf.out/stacks/x', undefined)).toContain('TERRATOWER_TF_PLUGIN_DIR');
  });
});
