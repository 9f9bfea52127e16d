import { describe, expect, it } from 'vitest';
import {
  defaultSpec,
  SpecError,
  specIssues,
  validateSpec,
  withDefaults,
  type PipelineSpecInput,
  type SpecIssue,
} from '../../src/spec/index.ts';

function issuesOf(input: PipelineSpecInput): SpecIssue[] {
  return specIssues(withDefaults(input));
}

/** The one issue at `path`; fails when there is none or more than one. */
function issueAt(input: PipelineSpecInput, path: string): SpecIssue {
  const found = issuesOf(input).filter((i) => i.path === path);
  expect(
    found.map((i) => i.path),
    `issues: ${JSON.stringify(issuesOf(input), null, 1)}`,
  ).toEqual([path]);
  return found[0]!;
}

describe('validateSpec', () => {
  it('accepts the default spec and returns it unchanged', () => {
    const spec = defaultSpec();
    expect(specIssues(spec)).toEqual([]);
    expect(validateSpec(spec)).toBe(spec);
  });

  it('throws a SpecError whose message lists every issue with its path', () => {
    const spec = withDefaults({ kafka: { brokers: 2 }, producers: { min: 5 } });
    let caught: unknown;
    try {
      validateSpec(spec);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SpecError);
    const error = caught as SpecError;
    expect(error.issues.map((i) => i.path)).toEqual(['kafka.replicationFactor', 'producers.min']);
    for (const issue of error.issues) expect(error.message).toContain(`${issue.path}: ${issue.message}`);
  });

  it('reports every problem at once', () => {
    const issues = issuesOf({
      name: 'X',
      zones: ['eu-west-1a'],
      network: { vpcCidr: '10.0.0.0/33' },
      dataset: { bucket: 'Bad_Bucket' },
      kafka: { brokers: 2, replicationFactor: 3, minInSyncReplicas: 3, topic: 'a b' },
      cassandra: { nodes: 2, replicationFactor: 3, keyspace: 'bad-keyspace' },
      producers: { min: 3, max: 2 },
      consumers: { desired: 9 },
      local: { timeScale: 0 },
    });
    const paths = new Set(issues.map((i) => i.path));
    for (const path of [
      'name',
      'zones',
      'network.vpcCidr',
      'dataset.bucket',
      'kafka.replicationFactor',
      'kafka.minInSyncReplicas',
      'kafka.topic',
      'cassandra.replicationFactor',
      'cassandra.keyspace',
      'producers.min',
      'consumers.desired',
      'local.timeScale',
    ]) {
      expect(paths, `missing ${path}`).toContain(path);
    }
    expect(issues.length).toBeGreaterThanOrEqual(12);
  });

  describe('kafka', () => {
    it('replication factor above the broker count', () => {
      const issue = issueAt(
        { kafka: { brokers: 2, replicationFactor: 3, minInSyncReplicas: 1 }, tolerateZoneLoss: false },
        'kafka.replicationFactor',
      );
      expect(issue.message).toContain('raise kafka.brokers to 3 or lower kafka.replicationFactor to 2');
    });

    it('min in-sync replicas equal to the replication factor', () => {
      const issue = issueAt({ kafka: { minInSyncReplicas: 3 } }, 'kafka.minInSyncReplicas');
      expect(issue.message).toMatch(/one broker loss would stop writes/);
      expect(issue.message).toContain('lower kafka.minInSyncReplicas to 2');
      expect(issue.message).toContain('raise kafka.replicationFactor to 4 (and kafka.brokers to 4)');
    });

    it('min in-sync replicas below 1', () => {
      const issue = issueAt({ kafka: { minInSyncReplicas: 0 } }, 'kafka.minInSyncReplicas');
      expect(issue.message).toContain('set kafka.minInSyncReplicas to 1');
    });

    it('a zone loss leaving fewer replicas than min in-sync replicas', () => {
      // 6 brokers over 3 zones, RF 5: a zone holds 2 replicas, 3 remain < min ISR 4.
      const issue = issueAt(
        { kafka: { brokers: 6, replicationFactor: 5, minInSyncReplicas: 4 } },
        'kafka.minInSyncReplicas',
      );
      expect(issue.message).toMatch(/losing one zone takes 2 of 5 replicas/);
      expect(issue.message).toContain('lower kafka.minInSyncReplicas to 3');
      expect(issue.message).toContain('raise kafka.replicationFactor to 6');
    });

    it('no zone-loss rule when tolerateZoneLoss is off', () => {
      expect(
        issuesOf({ tolerateZoneLoss: false, kafka: { brokers: 6, replicationFactor: 5, minInSyncReplicas: 4 } }),
      ).toEqual([]);
    });

    it('topic names Kafka would reject, and a dead-letter topic that collides with the topic', () => {
      expect(issueAt({ kafka: { topic: 'pay ments' } }, 'kafka.topic').message).toMatch(
        /letters, digits, "\.", "_" and "-"/,
      );
      const clash = issueAt({ kafka: { topic: 'pay.ments', deadLetterTopic: 'pay_ments' } }, 'kafka.deadLetterTopic');
      expect(clash.message).toContain('name it e.g. "pay.ments.dlq"');
    });

    it('partitions and volume size in range', () => {
      expect(issueAt({ kafka: { partitions: 0 } }, 'kafka.partitions').message).toContain('set kafka.partitions to 1');
      expect(issueAt({ kafka: { volumeSizeGiB: 0 } }, 'kafka.volumeSizeGiB').message).toContain(
        'set kafka.volumeSizeGiB to 1',
      );
    });

    it('one broker when multiAz is asked for', () => {
      const issues = issuesOf({
        kafka: { brokers: 1, replicationFactor: 1, minInSyncReplicas: 1 },
        tolerateZoneLoss: false,
      });
      const issue = issues.find((i) => i.path === 'kafka.brokers');
      expect(issue?.message).toContain('raise kafka.brokers to at least 2, or set multiAz to false');
    });
  });

  describe('cassandra', () => {
    it('replication factor above the node count', () => {
      const issue = issueAt({ cassandra: { nodes: 3, replicationFactor: 4 } }, 'cassandra.replicationFactor');
      expect(issue.message).toContain('raise cassandra.nodes to 4 or lower cassandra.replicationFactor to 3');
    });

    it('consistency that needs more replicas than exist', () => {
      const issue = issueAt(
        { tolerateZoneLoss: false, cassandra: { nodes: 3, replicationFactor: 2, consistency: 'THREE' } },
        'cassandra.consistency',
      );
      expect(issue.message).toContain('raise cassandra.replicationFactor to 3');
    });

    it('consistency unreachable after a zone loss', () => {
      const issue = issueAt(
        { cassandra: { replicationFactor: 2, consistency: 'LOCAL_QUORUM' } },
        'cassandra.consistency',
      );
      expect(issue.message).toMatch(/LOCAL_QUORUM needs 2 of 2 replicas but losing one zone leaves 1/);
      expect(issue.message).toContain('raise cassandra.replicationFactor to 3');
      expect(issue.message).toContain('use cassandra.consistency LOCAL_ONE');
    });

    it('ALL never survives a zone loss; QUORUM with RF 3 over 3 zones does', () => {
      expect(issueAt({ cassandra: { consistency: 'ALL' } }, 'cassandra.consistency').message).toContain(
        'set tolerateZoneLoss to false',
      );
      expect(issuesOf({ cassandra: { consistency: 'QUORUM' } })).toEqual([]);
    });

    it('RF above the zone count: a zone holds ceil(RF/zones) replicas', () => {
      // 6 nodes over 3 zones, RF 5, QUORUM needs 3; a zone loss takes 2, leaving 3: fine.
      expect(issuesOf({ cassandra: { nodes: 6, replicationFactor: 5, consistency: 'QUORUM' } })).toEqual([]);
      // RF 4 over 3 zones: QUORUM needs 3, a zone loss takes 2, leaving 2: not fine.
      const issue = issueAt(
        { cassandra: { nodes: 6, replicationFactor: 4, consistency: 'QUORUM' } },
        'cassandra.consistency',
      );
      expect(issue.message).toContain('raise cassandra.replicationFactor to 5');
    });

    it('keyspace and table names', () => {
      expect(issueAt({ cassandra: { keyspace: 'pay-ments' } }, 'cassandra.keyspace').message).toContain(
        'e.g. "pay_ments"',
      );
      expect(issueAt({ cassandra: { table: 'x'.repeat(49) } }, 'cassandra.table').message).toMatch(/1–48 characters/);
    });
  });

  describe('groups', () => {
    it('min above max', () => {
      const issue = issueAt({ producers: { min: 4, max: 3, desired: 3 } }, 'producers.min');
      expect(issue.message).toContain('lower producers.min to 3 or raise producers.max to 4');
    });

    it('desired outside min..max', () => {
      expect(issueAt({ producers: { desired: 5 } }, 'producers.desired').message).toContain(
        'lower producers.desired to 3 or raise producers.max to 5',
      );
      expect(issueAt({ consumers: { min: 2, desired: 1 } }, 'consumers.desired').message).toContain(
        'raise consumers.desired to 2',
      );
    });

    it('min below 0 and max below 1', () => {
      expect(issueAt({ producers: { min: -1 } }, 'producers.min').message).toContain('set producers.min to 0');
      expect(issueAt({ producers: { min: 0, desired: 0, max: 0 } }, 'producers.max').message).toContain(
        'set producers.max to 1',
      );
    });

    it('consumers beyond the partition count', () => {
      const issue = issueAt({ consumers: { max: 8 } }, 'consumers.max');
      expect(issue.message).toMatch(/2 consumer\(s\) would sit idle/);
      expect(issue.message).toContain('lower consumers.max to 6 or raise kafka.partitions to 8');
    });

    it('scaling targets must be positive, CPU targets at most 100', () => {
      const path = 'producers.scaling.targetTracking.target';
      expect(
        issueAt({ producers: { scaling: { targetTracking: { metric: 'cpu', target: 0 } } } }, path).message,
      ).toContain('positive');
      expect(
        issueAt({ producers: { scaling: { targetTracking: { metric: 'cpu', target: 150 } } } }, path).message,
      ).toContain('at most 100');
    });

    it('cooldown, warm-up and grace at least 0', () => {
      expect(
        issueAt({ consumers: { scaling: { cooldownSeconds: -1 } } }, 'consumers.scaling.cooldownSeconds').message,
      ).toMatch(/at least 0/);
      expect(
        issueAt({ consumers: { scaling: { warmupSeconds: -5 } } }, 'consumers.scaling.warmupSeconds').message,
      ).toMatch(/at least 0/);
      expect(
        issueAt({ consumers: { healthCheckGraceSeconds: -1 } }, 'consumers.healthCheckGraceSeconds').message,
      ).toMatch(/at least 0/);
    });

    it('step-scaling steps must tile the breach', () => {
      const base = {
        name: 'out',
        metric: 'cpu' as const,
        threshold: 70,
        comparison: 'above' as const,
        evaluationPeriods: 2,
      };
      const gap = issueAt(
        {
          producers: {
            scaling: {
              stepScaling: [
                {
                  ...base,
                  steps: [
                    { lowerBound: 0, upperBound: 10, change: 1 },
                    { lowerBound: 20, change: 2 },
                  ],
                },
              ],
            },
          },
        },
        'producers.scaling.stepScaling[0].steps[1]',
      );
      expect(gap.message).toContain('leaves a gap');
      expect(gap.message).toContain('set its lowerBound to 10');
      const closed = issueAt(
        {
          producers: { scaling: { stepScaling: [{ ...base, steps: [{ lowerBound: 0, upperBound: 10, change: 1 }] }] } },
        },
        'producers.scaling.stepScaling[0].steps[0].upperBound',
      );
      expect(closed.message).toContain('remove its upperBound');
      const zero = issueAt(
        { producers: { scaling: { stepScaling: [{ ...base, steps: [{ lowerBound: 0, change: 0 }] }] } } },
        'producers.scaling.stepScaling[0].steps[0].change',
      );
      expect(zero.message).toMatch(/changes nothing/);
    });

    it('scheduled actions: cron, sizes, unique names', () => {
      const issues = issuesOf({
        producers: {
          scaling: {
            scheduled: [
              { name: 'morning', recurrence: 'every morning', desired: 2 },
              { name: 'morning', recurrence: '0 8 * * *', min: 3, max: 2 },
              { name: 'noop', recurrence: '0 9 * * *' },
            ],
          },
        },
      });
      const byPath = Object.fromEntries(issues.map((i) => [i.path, i.message]));
      expect(byPath['producers.scaling.scheduled[0].recurrence']).toContain('e.g. "0 8 * * MON-FRI"');
      expect(byPath['producers.scaling.scheduled[1].min']).toContain('lower min to 2 or raise max to 3');
      expect(byPath['producers.scaling.scheduled[1].name']).toContain('give each one its own name');
      expect(byPath['producers.scaling.scheduled[2]']).toContain('give at least one of min, max, desired');
    });
  });

  describe('zones and network', () => {
    it('multiAz with one zone', () => {
      const issues = issuesOf({
        zones: ['eu-west-1a'],
        tolerateZoneLoss: false,
        network: { publicSubnetCidrs: ['10.40.0.0/24'], privateSubnetCidrs: ['10.40.10.0/24'] },
      });
      expect(issues.find((i) => i.path === 'zones')?.message).toContain('add a zone to zones, or set multiAz to false');
    });

    it('zones outside the region, listed twice', () => {
      const issues = issuesOf({ zones: ['eu-west-1a', 'us-east-1b', 'eu-west-1a'] });
      expect(issues.find((i) => i.path === 'zones[1]')?.message).toContain('use eu-west-1a, eu-west-1b');
      expect(issues.find((i) => i.path === 'zones[2]')?.message).toContain('list each zone once');
    });

    it('one public and one private subnet per zone', () => {
      const issue = issueAt(
        { network: { publicSubnetCidrs: ['10.40.0.0/24', '10.40.1.0/24'] } },
        'network.publicSubnetCidrs',
      );
      expect(issue.message).toContain('give exactly one public subnet CIDR per zone');
    });

    it('invalid CIDRs, with a corrected form for host bits', () => {
      expect(issueAt({ network: { vpcCidr: '10.40.0.1/16' } }, 'network.vpcCidr').message).toContain(
        'write it as 10.40.0.0/16',
      );
      expect(issueAt({ network: { vpcCidr: '10.0.0.0/8' } }, 'network.vpcCidr').message).toMatch(/\/16 to \/28/);
      expect(
        issueAt(
          { network: { publicSubnetCidrs: ['10.40.0.0/24', '10.40.300.0/24', '10.40.2.0/24'] } },
          'network.publicSubnetCidrs[1]',
        ).message,
      ).toMatch(/octet above 255/);
    });

    it('subnets outside the VPC', () => {
      const issue = issueAt(
        { network: { privateSubnetCidrs: ['10.40.10.0/24', '10.41.11.0/24', '10.40.12.0/24'] } },
        'network.privateSubnetCidrs[1]',
      );
      expect(issue.message).toContain('pick a block inside 10.40.0.0/16');
    });

    it('overlapping subnets', () => {
      const issue = issueAt(
        { network: { privateSubnetCidrs: ['10.40.10.0/24', '10.40.2.0/23', '10.40.12.0/24'] } },
        'network.privateSubnetCidrs[1]',
      );
      expect(issue.message).toContain('overlaps network.publicSubnetCidrs[2] (10.40.2.0/24)');
      expect(issue.message).toContain('give every subnet its own block');
    });

    it('private subnets too small for the fixed member addresses', () => {
      const issue = issueAt(
        { network: { privateSubnetCidrs: ['10.40.10.0/24', '10.40.11.0/27', '10.40.12.0/24'] } },
        'network.privateSubnetCidrs[1]',
      );
      expect(issue.message).toContain('use a /26 or larger');
    });

    it('flow logs is a boolean', () => {
      expect(issueAt({ network: { flowLogs: 'yes' as never } }, 'network.flowLogs').message).toMatch(/true or false/);
    });

    it('NAT gateway mode', () => {
      expect(issueAt({ network: { natGateways: 'many' as never } }, 'network.natGateways').message).toContain(
        'single, perZone',
      );
    });
  });

  describe('names and misc', () => {
    it('pipeline name', () => {
      expect(issueAt({ name: 'My_Pipeline' }, 'name').message).toContain('e.g. "my-pipeline"');
      expect(issueAt({ name: 'a'.repeat(25) }, 'name').message).toMatch(/3–24 characters/);
      expect(issueAt({ name: '1abc' }, 'name').message).toMatch(/start with a letter/);
    });

    it('S3 bucket rules', () => {
      const message = (bucket: string) => issueAt({ dataset: { bucket } }, 'dataset.bucket').message;
      expect(message('ab')).toMatch(/3–63 characters/);
      expect(message('My-Bucket')).toMatch(/lowercase letters/);
      expect(message('a..b')).toMatch(/two adjacent dots/);
      expect(message('192.168.1.1')).toMatch(/IP address/);
      expect(message('xn--bucket')).toMatch(/not start with "xn--"/);
      expect(message('bucket-s3alias')).toMatch(/not end with "-s3alias"/);
    });

    it('dataset prefix and format', () => {
      expect(issueAt({ dataset: { prefix: '/payments/' } }, 'dataset.prefix').message).toContain('write "payments/"');
      expect(issueAt({ dataset: { format: 'parquet' as never } }, 'dataset.format').message).toContain('csv, csv.gz');
    });

    it('region and instance types', () => {
      expect(issuesOf({ region: 'europe' }).find((i) => i.path === 'region')?.message).toContain(
        'use one such as eu-west-1',
      );
      expect(issueAt({ kafka: { instanceType: 'large' } }, 'kafka.instanceType').message).toContain('m5.large');
    });

    it('local time scale at least 1', () => {
      expect(issueAt({ local: { timeScale: 0.5 } }, 'local.timeScale').message).toMatch(/at least 1/);
    });

    it('monitoring scrape interval', () => {
      expect(
        issueAt({ monitoring: { scrapeIntervalSeconds: 0 } }, 'monitoring.scrapeIntervalSeconds').message,
      ).toContain('set monitoring.scrapeIntervalSeconds to 1');
    });

    it('tags: reserved keys, aws: prefix, characters', () => {
      const issues = issuesOf({ tags: { 'terratower:run-id': 'x', 'aws:foo': 'y', 'cost center': 'z', team: 'ok' } });
      expect(issues.map((i) => i.path).sort()).toEqual(['tags.aws:foo', 'tags.cost center', 'tags.terratower:run-id']);
      expect(issues.find((i) => i.path === 'tags.terratower:run-id')?.message).toContain('set by terratower itself');
    });

    it('wrong types are issues, not crashes', () => {
      const spec = withDefaults({});
      (spec as unknown as Record<string, unknown>).kafka = 'three brokers';
      (spec.cassandra as unknown as Record<string, unknown>).nodes = '3';
      const issues = specIssues(spec);
      expect(issues.find((i) => i.path === 'kafka')?.message).toMatch(/must be an object/);
      expect(issues.find((i) => i.path === 'cassandra.nodes')?.message).toMatch(/whole number/);
    });
  });
});
