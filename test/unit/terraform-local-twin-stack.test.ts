import { describe, expect, it } from 'vitest';
import { cassandraContactPoints, kafkaBootstrap, s3Address } from '../../src/spec/addresses.ts';
import { defaultSpec } from '../../src/spec/index.ts';
import { PIPELINE_GROUPS, PIPELINE_OUTPUT_NAMES } from '../../src/harness/terraform/outputs.ts';
import {
  localTwinStackConfig,
  specHash,
  type LocalTwinStackProps,
} from '../../src/harness/targets/local-twin-stack.ts';

type Provisioner = { 'local-exec': { command: string; when?: string; environment?: Record<string, string> } };
type DataResource = {
  input: Record<string, unknown>;
  triggers_replace: Record<string, string>;
  depends_on?: string[];
  provisioner: Provisioner[];
};
type Config = {
  resource: Record<string, Record<string, DataResource>>;
  output: Record<string, { value: string }>;
  terraform?: Record<string, unknown>;
  provider?: unknown;
  data?: unknown;
  module?: unknown;
};

const props = (over: Partial<LocalTwinStackProps> = {}): LocalTwinStackProps => ({
  spec: defaultSpec(),
  specFile: '/tmp/a spec.json',
  runId: 'tt-20261123-abc',
  slot: 2,
  repoRoot: '/repo',
  nodeBinary: '/usr/bin/node',
  cacheDir: '/cache',
  network: 'loopback',
  ...over,
});

describe('local twin stack', () => {
  const config = localTwinStackConfig(props()) as unknown as Config;

  it('holds only built-in terraform_data resources: no provider, data source or module', () => {
    expect(Object.keys(config.resource)).toEqual(['terraform_data']);
    expect(Object.keys(config.resource.terraform_data ?? {}).sort()).toEqual(['twin', 'twin_guard']);
    expect(config.provider).toBeUndefined();
    expect(config.data).toBeUndefined();
    expect(config.module).toBeUndefined();
    expect(config.terraform?.required_providers).toBeUndefined();
    expect(config.terraform?.required_version).toBe('>= 1.4.0');
  });

  it('starts the twin with a create-time local-exec of `local up` for this run and slot', () => {
    const twin = config.resource.terraform_data!.twin!;
    expect(twin.depends_on).toEqual(['terraform_data.twin_guard']);
    expect(twin.provisioner).toHaveLength(1);
    const up = twin.provisioner[0]!['local-exec'];
    expect(up.when).toBe('create');
    expect(up.command).toBe(
      `/usr/bin/node /repo/bin/terratower.mjs local up --spec '/tmp/a spec.json' --run-id tt-20261123-abc --slot 2 --network loopback --json`,
    );
    expect(up.environment).toEqual({ TERRATOWER_CACHE: '/cache' });
  });

  it('stops it from the guard, whose destroy provisioner references only self', () => {
    const guard = config.resource.terraform_data!.twin_guard!;
    expect(guard.provisioner).toHaveLength(1);
    const down = guard.provisioner[0]!['local-exec'];
    expect(down.when).toBe('destroy');
    expect(down.command).toBe('${self.input.down_command}');
    expect(guard.input.down_command).toBe('/usr/bin/node /repo/bin/terratower.mjs local down --run-id tt-20261123-abc');
    // Every interpolation in a destroy provisioner must be of self.
    const refs = JSON.stringify(guard.provisioner).match(/\$\{[^}]*\}/g) ?? [];
    for (const ref of refs) expect(ref).toMatch(/^\$\{self\./);
  });

  it('replaces twin and guard together when run id, slot, network or spec change', () => {
    const twin = config.resource.terraform_data!.twin!;
    const guard = config.resource.terraform_data!.twin_guard!;
    expect(twin.triggers_replace).toEqual(guard.triggers_replace);
    expect(twin.triggers_replace).toEqual({
      run_id: 'tt-20261123-abc',
      slot: '2',
      network: 'loopback',
      spec_hash: specHash(defaultSpec()),
    });
    const bigger = defaultSpec();
    bigger.kafka.brokers = 4;
    expect(specHash(bigger)).not.toBe(specHash(defaultSpec()));
  });

  it("declares the AWS stack's outputs, read from the twin resource's state", () => {
    expect(Object.keys(config.output).sort()).toEqual(Object.values(PIPELINE_OUTPUT_NAMES).sort());
    for (const [name, out] of Object.entries(config.output)) {
      expect(out.value).toBe(`\${terraform_data.twin.output.${name}}`);
    }
  });

  it('carries endpoints derived from spec and slot by the address plan', () => {
    const spec = defaultSpec();
    const input = config.resource.terraform_data!.twin!.input;
    expect(input.bucket).toBe(spec.dataset.bucket);
    expect(input.dataset_prefix).toBe(spec.dataset.prefix);
    expect(input.kafka_bootstrap).toEqual(kafkaBootstrap(spec, 2));
    expect(input.cassandra_contact_points).toEqual(cassandraContactPoints(spec, 2));
    expect(input.s3_endpoint).toBe(`http://${s3Address(2)}:5000`);
    expect(input.run_id).toBe('tt-20261123-abc');
    expect(Object.keys(input.asg_names as object).sort()).toEqual([...PIPELINE_GROUPS].sort());
    // Another slot gives other addresses.
    const other = localTwinStackConfig(props({ slot: 3 })) as unknown as Config;
    expect(other.resource.terraform_data!.twin!.input.kafka_bootstrap).not.toEqual(input.kafka_bootstrap);
  });

  it('gives a namespaces twin the namespace plan and tells `local up` so', () => {
    const spec = defaultSpec();
    const ns = localTwinStackConfig(props({ network: 'namespaces' })) as unknown as Config;
    const twin = ns.resource.terraform_data!.twin!;
    expect(twin.input.kafka_bootstrap).toEqual(kafkaBootstrap(spec, 2, 'namespaces'));
    expect(twin.input.kafka_bootstrap).toEqual(['198.18.65.62:9092', '198.18.66.62:9092', '198.18.67.62:9092']);
    expect(twin.input.s3_endpoint).toBe('http://198.18.64.61:5000');
    expect(twin.provisioner[0]!['local-exec'].command).toContain('--slot 2 --network namespaces --json');
    expect(twin.triggers_replace.network).toBe('namespaces');
  });

  it('refuses a run id that is not a safe word', () => {
    expect(() => localTwinStackConfig(props({ runId: 'a b; rm -rf /' }))).toThrow(/runId.*lowercase letters/);
  });
});
