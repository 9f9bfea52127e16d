/**
 * Providers found offline: a plugin directory in Terraform's filesystem-mirror layout
 * (`<dir>/<host>/<namespace>/<type>/<version>/<os>_<arch>/terraform-provider-…`), such as
 * `/opt/tf-plugins` holding `registry.terraform.io/hashicorp/aws/5.100.0/linux_amd64/`.
 *
 * The runner writes a CLI configuration whose `provider_installation` takes the providers the
 * directory holds from it (a `filesystem_mirror`) and every other provider from its registry
 * (`direct`), so a configuration with the AWS provider inits with no network, and one with
 * other providers still works where a registry is reachable.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Environment variable naming the plugin directory (`off` or empty: none). */
export const PLUGIN_DIR_ENV = 'TERRATOWER_TF_PLUGIN_DIR';

/** Plugin directory used when `TERRATOWER_TF_PLUGIN_DIR` is unset and it exists. */
export const DEFAULT_PLUGIN_DIR = '/opt/tf-plugins';

/** One provider version in a mirror. */
export interface MirroredProvider {
  /** `registry.terraform.io/hashicorp/aws`. */
  address: string;
  /** `5.100.0`. */
  version: string;
  /** `linux_amd64`. */
  platform: string;
}

/**
 * The plugin directory to use: `TERRATOWER_TF_PLUGIN_DIR` when set (`off` disables it), else
 * `/opt/tf-plugins` when it exists, else none.
 */
export function defaultPluginDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const configured = env[PLUGIN_DIR_ENV];
  if (configured !== undefined) {
    if (configured === '' || configured === 'off') return undefined;
    return resolve(configured);
  }
  return existsSync(DEFAULT_PLUGIN_DIR) ? DEFAULT_PLUGIN_DIR : undefined;
}

function dirs(path: string): string[] {
  try {
    return readdirSync(path).filter((name) => statSync(join(path, name)).isDirectory());
  } catch {
    return [];
  }
}

/** Every provider version a mirror directory holds (unpacked layout). Empty when it holds none. */
export function mirroredProviders(dir: string): MirroredProvider[] {
  const out: MirroredProvider[] = [];
  for (const host of dirs(dir))
    for (const namespace of dirs(join(dir, host)))
      for (const type of dirs(join(dir, host, namespace)))
        for (const version of dirs(join(dir, host, namespace, type)))
          for (const platform of dirs(join(dir, host, namespace, type, version))) {
            const files = readdirSync(join(dir, host, namespace, type, version, platform));
            if (files.some((f) => f.startsWith(`terraform-provider-${type}`)))
              out.push({ address: `${host}/${namespace}/${type}`, version, platform });
          }
  return out;
}

/** The current platform in Terraform's spelling (`linux_amd64`). */
export function terraformPlatform(): string {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch === 'ia32' ? '386' : process.arch;
  return `${process.platform}_${arch}`;
}

/**
 * The version of `address` (default `registry.terraform.io/hashicorp/aws`) a mirror holds for
 * this platform, newest first, or why there is none (a line for a test's skip message).
 */
export function findMirroredProvider(
  dir: string | undefined,
  address = 'registry.terraform.io/hashicorp/aws',
): { ok: true; dir: string; version: string } | { ok: false; reason: string } {
  if (!dir) {
    return {
      ok: false,
      reason: `no provider plugin directory: set ${PLUGIN_DIR_ENV} to a filesystem mirror holding ${address} (default ${DEFAULT_PLUGIN_DIR}, absent here)`,
    };
  }
  const versions = mirroredProviders(dir)
    .filter((p) => p.address === address && p.platform === terraformPlatform())
    .map((p) => p.version)
    .sort((a, b) => b.localeCompare(a, undefined, { numeric: true }));
  if (versions.length === 0) {
    return {
      ok: false,
      reason: `${dir} holds no ${address} for ${terraformPlatform()} (expected ${dir}/${address}/<version>/${terraformPlatform()}/)`,
    };
  }
  return { ok: true, dir, version: versions[0]! };
}

/**
 * A CLI configuration's `provider_installation`: the mirror's providers from the mirror, the
 * rest from their registries. Undefined when the directory holds no provider.
 */
export function providerInstallationBlock(dir: string): string | undefined {
  const addresses = [...new Set(mirroredProviders(dir).map((p) => p.address))].sort();
  if (addresses.length === 0) return undefined;
  const list = addresses.map((a) => JSON.stringify(a)).join(', ');
  return [
    'provider_installation {',
    '  filesystem_mirror {',
    `    path    = ${JSON.stringify(resolve(dir))}`,
    `    include = [${list}]`,
    '  }',
    '  direct {',
    `    exclude = [${list}]`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** The `terraform init` line a user types to init a synthesized stack from `dir` offline. */
export function initCommandFor(dir: string | undefined, binary = 'terraform'): string {
  return dir ? `${binary} init -plugin-dir=${dir}` : `${binary} init`;
}

/**
 * The steps that deploy a synthesized stack with plain terraform (or tofu): init from the
 * plugin dir when there is one (offline), then apply. One string, ready to print.
 */
export function plainDeploySteps(stackDir: string, pluginDir: string | undefined = defaultPluginDir()): string {
  const init = pluginDir
    ? `terraform init -plugin-dir=${pluginDir}   # providers from ${pluginDir} (${PLUGIN_DIR_ENV}), no download`
    : `terraform init   # downloads hashicorp/aws; set ${PLUGIN_DIR_ENV} to a filesystem mirror to work offline`;
  return [
    'deploy it with plain terraform (tofu works the same way):',
    `  cd ${stackDir}`,
    `  ${init}`,
    '  terraform apply',
  ].join('\n');
}
