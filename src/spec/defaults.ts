import type { DeepPartial, GroupSpec, PipelineSpec, PipelineSpecInput } from './types.ts';

const appGroup = (overrides: Partial<GroupSpec>): GroupSpec => ({
  min: 1,
  max: 3,
  desired: 1,
  instanceType: 't3.medium',
  healthCheckGraceSeconds: 120,
  scaling: { cooldownSeconds: 300, warmupSeconds: 120 },
  ...overrides,
});

/**
 * A sensible 3-zone pipeline: 3 brokers (RF 3, min ISR 2), 3 Cassandra nodes (RF 3,
 * LOCAL_QUORUM), producers scaled on CPU and consumers scaled on lag per member.
 */
export function defaultSpec(): PipelineSpec {
  return {
    name: 'terratower',
    region: 'eu-west-1',
    zones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
    multiAz: true,
    tolerateZoneLoss: true,
    network: {
      vpcCidr: '10.40.0.0/16',
      publicSubnetCidrs: ['10.40.0.0/24', '10.40.1.0/24', '10.40.2.0/24'],
      privateSubnetCidrs: ['10.40.10.0/24', '10.40.11.0/24', '10.40.12.0/24'],
      natGateways: 'perZone',
      flowLogs: false,
    },
    dataset: { bucket: 'terratower-dataset', prefix: 'payments/', format: 'csv' },
    kafka: {
      brokers: 3,
      partitions: 6,
      replicationFactor: 3,
      minInSyncReplicas: 2,
      topic: 'payments',
      deadLetterTopic: 'payments.dlq',
      instanceType: 'm5.large',
      volumeSizeGiB: 100,
    },
    cassandra: {
      nodes: 3,
      replicationFactor: 3,
      consistency: 'LOCAL_QUORUM',
      keyspace: 'payments',
      table: 'general_payments',
      instanceType: 'm5.xlarge',
      volumeSizeGiB: 200,
    },
    producers: appGroup({
      min: 1,
      max: 3,
      desired: 1,
      scaling: {
        targetTracking: { metric: 'cpu', target: 60 },
        cooldownSeconds: 300,
        warmupSeconds: 120,
      },
    }),
    consumers: appGroup({
      min: 1,
      max: 6,
      desired: 2,
      scaling: {
        targetTracking: { metric: 'consumerLag', target: 5000 },
        cooldownSeconds: 300,
        warmupSeconds: 120,
      },
    }),
    monitoring: { enabled: true, instanceType: 't3.small', scrapeIntervalSeconds: 15 },
    local: { timeScale: 60 },
    tags: {},
    encryption: {},
    alarms: { enabled: false },
    snapshots: { enabled: false },
    logs: { userData: true, retentionDays: 30 },
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mergeDeep<T>(base: T, over: DeepPartial<T> | undefined): T {
  if (over === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(over)) return over as T;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    out[key] = key in out ? mergeDeep(out[key], value as DeepPartial<unknown>) : value;
  }
  return out as T;
}

/**
 * Merge a partial spec (as read from a user's file) over `defaultSpec()`. Objects merge field by
 * field; arrays and scalars replace. The result is not validated: call `validateSpec` on it.
 */
export function withDefaults(input: PipelineSpecInput = {}): PipelineSpec {
  return mergeDeep<PipelineSpec>(defaultSpec(), input);
}

/**
 * Merge a partial spec over a full one (objects field by field; arrays and scalars replace), e.g.
 * the experimental copy's overrides over the control spec. The result is not validated.
 */
export function mergeSpec(base: PipelineSpec, overrides: PipelineSpecInput = {}): PipelineSpec {
  return mergeDeep<PipelineSpec>(structuredClone(base), overrides);
}
