import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'tt-synth-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function synthCli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['bin/terratower.mjs', 'synth', ...args], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('terratower synth', () => {
  it('on a broken spec: exits non-zero, lists every issue with its path, writes nothing', () => {
    const spec = join(dir, 'broken.yaml');
    const out = join(dir, 'out-broken');
    writeFileSync(
      spec,
      [
        'name: Bad_Name',
        'kafka:',
        '  brokers: 2',
        '  minInSyncReplicas: 3',
        '  replicatonFactor: 3',
        'consumers: { min: 3, max: 2 }',
        'network:',
        '  vpcCidr: 10.40.0.0/16',
        '  privateSubnetCidrs: [10.40.10.0/24, 10.40.10.0/24, 10.99.0.0/24]',
        '',
      ].join('\n'),
    );
    const result = synthCli('--spec', spec, '--out', out);
    expect(result.status).toBe(1);
    for (const path of [
      'kafka.replicatonFactor',
      'name',
      'network.privateSubnetCidrs[1]',
      'network.privateSubnetCidrs[2]',
      'kafka.replicationFactor',
      'kafka.minInSyncReplicas',
      'consumers.min',
    ]) {
      expect(result.stderr).toContain(`  ${path}: `);
    }
    expect(result.stderr).toMatch(/\(\d+ issues\)/);
    expect(existsSync(out)).toBe(false);
  }, 120_000);

  it('on a valid spec: writes <out>/stacks/<name>/cdk.tf.json', () => {
    const spec = join(dir, 'ok.json');
    const out = join(dir, 'out-ok');
    writeFileSync(spec, JSON.stringify({ name: 'checkout', dataset: { bucket: 'checkout-data' } }));
    const result = synthCli('--spec', spec, '--out', out, '--run-id', 'cli-test');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const file = join(out, 'stacks', 'checkout', 'cdk.tf.json');
    // The steps for plain terraform follow, with the plugin dir when there is one.
    expect(result.stdout).toContain(`cd ${join(out, 'stacks', 'checkout')}`);
    expect(result.stdout).toMatch(/terraform init( -plugin-dir=\S+)?\s+#/);
    const json = JSON.parse(readFileSync(file, 'utf8'));
    expect(json.terraform.required_providers.aws.source).toBe('hashicorp/aws');
    expect(json.terraform.required_providers.aws.version).toBe('~> 5.100');
    expect(json.terraform.backend.local.path).toBe('terraform.tfstate');
    expect(json.provider.aws[0].default_tags[0].tags['terratower:run-id']).toBe('cli-test');
    expect(Object.values(json.resource.aws_s3_bucket).map((b) => (b as { bucket: string }).bucket)).toEqual([
      'checkout-data-cli-test',
    ]);
  }, 120_000);

  it('rejects unknown options with usage', () => {
    const result = synthCli('--nope');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('usage: terratower synth');
  }, 120_000);
});
