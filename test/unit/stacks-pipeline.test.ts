import { TerraformStack, Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { defaultSpec, SpecError, withDefaults } from '../../src/spec/index.ts';
import { configureBackend } from '../../src/aws/stacks/backend.ts';
import { PipelineStack } from '../../src/aws/stacks/pipeline-stack.ts';

type Block = Record<string, unknown>;
interface TerraformJson {
  terraform: { backend: Record<string, Block>; required_providers: Record<string, Block> };
  provider: { aws: Block[] };
  resource: Record<string, Record<string, Block>>;
  data: Record<string, Record<string, Block>>;
  output: Record<string, { value: unknown }>;
}

function synthDefault(runId = 'unit-run'): TerraformJson {
  const app = Testing.app();
  const stack = new PipelineStack(app, 'terratower', { spec: defaultSpec(), runId });
  return JSON.parse(Testing.synth(stack)) as TerraformJson;
}

const tf = synthDefault();
const all = (type: string): Block[] => Object.values(tf.resource[type] ?? {});
const DATA_PORTS = [9092, 9093, 9042, 7000];

interface Statement {
  Sid: string;
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, unknown>>;
}
const statements: Statement[] = all('aws_iam_role_policy').flatMap(
  (p) => JSON.parse(p.policy as string).Statement as Statement[],
);

describe('PipelineStack (default spec): security properties', () => {
  it('no ingress from a CIDR but HTTPS from the VPC to the interface endpoints; data ports only from named security groups', () => {
    const all443 = all('aws_vpc_security_group_ingress_rule');
    const endpointSg = Object.entries(tf.resource.aws_security_group!).find(([k]) => k.includes('endpoints-sg'))![0];
    const toEndpoints = all443.filter((r) => r.security_group_id === `\${aws_security_group.${endpointSg}.id}`);
    expect(toEndpoints.map((r) => [r.from_port, r.to_port, r.cidr_ipv4])).toEqual([[443, 443, '10.40.0.0/16']]);
    const ingress = all443.filter((r) => !toEndpoints.includes(r));
    expect(ingress.length).toBeGreaterThan(0);
    for (const rule of ingress) {
      expect(rule.cidr_ipv4, JSON.stringify(rule)).toBeUndefined();
      expect(rule.cidr_ipv6).toBeUndefined();
      expect(rule.referenced_security_group_id).toMatch(/^\$\{aws_security_group\./);
    }
    for (const sg of all('aws_security_group')) expect(sg.ingress).toBeUndefined();
    const dataRules = ingress.filter((r) => DATA_PORTS.includes(r.from_port as number));
    expect(dataRules.length).toBeGreaterThanOrEqual(4);
  });

  it('Kafka admits producers and consumers; Cassandra admits consumers, not producers', () => {
    const sgKey = (name: string) =>
      Object.entries(tf.resource.aws_security_group!).find(([, sg]) => sg.name === name)![0];
    const ref = (name: string) => `\${aws_security_group.${sgKey(name)}.id}`;
    const sources = (target: string, port: number) =>
      all('aws_vpc_security_group_ingress_rule')
        .filter((r) => r.security_group_id === ref(target) && r.from_port === port)
        .map((r) => r.referenced_security_group_id);
    expect(sources('terratower-unit-run-kafka', 9092).sort()).toEqual(
      [
        ref('terratower-unit-run-kafka'),
        ref('terratower-unit-run-producers'),
        ref('terratower-unit-run-consumers'),
      ].sort(),
    );
    expect(sources('terratower-unit-run-cassandra', 9042).sort()).toEqual(
      [ref('terratower-unit-run-cassandra'), ref('terratower-unit-run-consumers')].sort(),
    );
    expect(sources('terratower-unit-run-kafka', 9093)).toEqual([ref('terratower-unit-run-kafka')]);
    expect(sources('terratower-unit-run-producers', 9400)).toEqual([ref('terratower-unit-run-monitoring')]);
  });

  it('IMDSv2 required on every launch template and instance', () => {
    const templates = all('aws_launch_template');
    expect(templates).toHaveLength(8); // 3 brokers + 3 nodes + 2 fleets
    for (const lt of templates) expect(lt.metadata_options).toMatchObject({ http_tokens: 'required' });
    for (const instance of all('aws_instance'))
      expect(instance.metadata_options).toMatchObject({ http_tokens: 'required' });
  });

  it('every EBS volume is encrypted', () => {
    expect(all('aws_ebs_volume')).toHaveLength(6);
    for (const v of all('aws_ebs_volume')) expect(v.encrypted).toBe(true);
    for (const lt of all('aws_launch_template')) {
      for (const m of lt.block_device_mappings as { ebs: Block }[]) expect(m.ebs.encrypted).toBe('true');
    }
    for (const i of all('aws_instance')) expect(i.root_block_device).toMatchObject({ encrypted: true });
  });

  it('S3 encrypted and public access blocked', () => {
    expect(all('aws_s3_bucket_server_side_encryption_configuration')).toHaveLength(1);
    expect(all('aws_s3_bucket_public_access_block')[0]).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
  });

  it('IAM actions are scoped to named resources; "*" only where AWS allows no resource', () => {
    expect(statements.length).toBeGreaterThan(5);
    const wildcardAllowed = (action: string) =>
      action === 'cloudwatch:PutMetricData' ||
      /^(ssmmessages|ec2messages):/.test(action) ||
      /^ec2:Describe/.test(action);
    for (const s of statements) {
      for (const action of s.Action) expect(action, s.Sid).not.toMatch(/\*/);
      if (s.Resource.includes('*')) {
        expect(s.Action.every(wildcardAllowed), `${s.Sid}: ${s.Action.join(',')}`).toBe(true);
        if (s.Action.includes('cloudwatch:PutMetricData')) {
          expect(s.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': 'Terratower' } });
        }
      } else {
        for (const r of s.Resource) expect(r, s.Sid).toMatch(/^(\$\{|arn:)/);
      }
    }
    const s3 = statements.filter((s) => s.Action.some((a) => a.startsWith('s3:')));
    expect(s3.map((s) => s.Sid).sort()).toEqual(['ListDatasetPrefix', 'ReadDatasetObjects']);
  });

  it('Cassandra nodes may register with Session Manager (harness port-forwards to CQL)', () => {
    const cassandraPolicy = Object.values(tf.resource.aws_iam_role_policy!).find(
      (p) => p.name === 'terratower-unit-run-cassandra-policy',
    )!;
    const sids = (JSON.parse(cassandraPolicy.policy as string).Statement as Statement[]).map((s) => s.Sid);
    expect(sids).toEqual(
      expect.arrayContaining(['SsmRegisterThisStacksInstances', 'SsmSessionChannels', 'AttachOwnPersistentParts']),
    );
  });
});

describe('PipelineStack: provider, backend, tags, outputs', () => {
  it('declares the provider source fully qualified', () => {
    expect(tf.terraform.required_providers.aws!.source).toBe('hashicorp/aws');
  });

  it('keeps local state at a relative path by default', () => {
    const path = tf.terraform.backend.local!.path as string;
    expect(path).toBe('terraform.tfstate');
    expect(path.startsWith('/')).toBe(false);
  });

  it('takes an S3 backend, and refuses an absolute local path', () => {
    const s3 = new TerraformStack(Testing.app(), 's3');
    configureBackend(s3, { kind: 's3', bucket: 'state', key: 'tt/s3.tfstate', region: 'eu-west-1' });
    const json = JSON.parse(Testing.synth(s3)) as TerraformJson;
    expect(json.terraform.backend.s3).toMatchObject({
      bucket: 'state',
      key: 'tt/s3.tfstate',
      encrypt: true,
      use_lockfile: true,
    });
    expect(
      () =>
        new PipelineStack(Testing.app(), 'abs', {
          spec: defaultSpec(),
          backend: { kind: 'local', path: '/home/me/x.tfstate' },
        }),
    ).toThrow(/absolute/);
  });

  it('default tags carry project, stack and run id; resources carry group and zone', () => {
    expect(tf.provider.aws[0]).toMatchObject({
      region: 'eu-west-1',
      default_tags: [
        {
          tags: {
            'terratower:project': 'terratower',
            'terratower:stack': 'terratower',
            'terratower:run-id': 'unit-run',
          },
        },
      ],
    });
    for (const subnet of all('aws_subnet')) {
      const tags = subnet.tags as Record<string, string>;
      expect(tags['terratower:group']).toBe('network');
      expect(tags['terratower:zone']).toBe(subnet.availability_zone);
    }
    // ASG-launched instances do not get default_tags: the groups list every tag themselves.
    for (const asg of all('aws_autoscaling_group')) {
      const keys = (asg.tag as { key: string; propagate_at_launch: boolean }[])
        .filter((t) => t.propagate_at_launch)
        .map((t) => t.key);
      expect(keys).toEqual(
        expect.arrayContaining(['terratower:project', 'terratower:stack', 'terratower:run-id', 'terratower:group']),
      );
    }
    const kafkaAsgs = all('aws_autoscaling_group').filter((a) =>
      (a.name as string).startsWith('terratower-unit-run-kafka-'),
    );
    for (const asg of kafkaAsgs) {
      expect((asg.tag as { key: string }[]).map((t) => t.key)).toEqual(
        expect.arrayContaining(['terratower:zone', 'terratower:member']),
      );
    }
  });

  it('every taggable resource carries its stack and group tags (zone where it has one)', () => {
    const mustBeTagged = [
      'aws_vpc',
      'aws_subnet',
      'aws_internet_gateway',
      'aws_nat_gateway',
      'aws_eip',
      'aws_route_table',
      'aws_vpc_endpoint',
      'aws_default_security_group',
      'aws_security_group',
      'aws_vpc_security_group_ingress_rule',
      'aws_vpc_security_group_egress_rule',
      'aws_ebs_volume',
      'aws_network_interface',
      'aws_launch_template',
      'aws_iam_role',
      'aws_iam_instance_profile',
      'aws_s3_bucket',
      'aws_instance',
    ];
    for (const type of mustBeTagged) {
      expect(all(type).length, type).toBeGreaterThan(0);
      for (const block of all(type)) {
        const tags = block.tags as Record<string, string> | undefined;
        expect(tags?.['terratower:stack'], type).toBe('terratower');
        expect(tags?.['terratower:group'], type).toMatch(
          /^(network|dataset|kafka|cassandra|producers|consumers|monitoring)$/,
        );
      }
    }
    for (const type of ['aws_ebs_volume', 'aws_network_interface', 'aws_subnet', 'aws_nat_gateway', 'aws_instance']) {
      for (const block of all(type))
        expect((block.tags as Record<string, string>)['terratower:zone'], type).toMatch(/^eu-west-1[abc]$/);
    }
  });

  it('outputs what a harness needs', () => {
    expect(Object.keys(tf.output).sort()).toEqual(
      [
        'asg_names',
        'bucket',
        'cassandra_contact_points',
        'dataset_prefix',
        'kafka_bootstrap',
        'monitoring_instance_id',
        'private_subnet_ids',
        'public_subnet_ids',
        'region',
        'run_id',
        's3_endpoint',
        'stack_name',
        'vpc_id',
      ].sort(),
    );
    expect(tf.output.kafka_bootstrap!.value).toEqual(['10.40.10.16:9092', '10.40.11.16:9092', '10.40.12.16:9092']);
    expect(tf.output.cassandra_contact_points!.value).toEqual([
      '10.40.10.32:9042',
      '10.40.11.32:9042',
      '10.40.12.32:9042',
    ]);
    const asgNames = tf.output.asg_names!.value as Record<string, string[]>;
    expect(Object.keys(asgNames).sort()).toEqual(['cassandra', 'consumers', 'kafka', 'producers']);
    expect(asgNames.kafka).toHaveLength(3);
    expect(Object.keys(tf.output.private_subnet_ids!.value as object)).toEqual([
      'eu-west-1a',
      'eu-west-1b',
      'eu-west-1c',
    ]);
    expect(tf.output.run_id!.value).toBe('unit-run');
    expect(tf.output.region!.value).toBe('eu-west-1');
  });

  it('a spec without monitoring has no monitoring instance', () => {
    const app = Testing.app();
    const stack = new PipelineStack(app, 'nomon', { spec: withDefaults({ monitoring: { enabled: false } }) });
    const json = JSON.parse(Testing.synth(stack)) as TerraformJson;
    expect(json.resource.aws_instance).toBeUndefined();
    expect(json.output.monitoring_instance_id).toBeUndefined();
  });

  it('an invalid spec or run id throws a SpecError before any resource exists', () => {
    expect(() => new PipelineStack(Testing.app(), 'bad', { spec: withDefaults({ kafka: { brokers: 2 } }) })).toThrow(
      SpecError,
    );
    expect(() => new PipelineStack(Testing.app(), 'bad', { spec: defaultSpec(), runId: 'Not Valid' })).toThrow(/runId/);
  });
});
