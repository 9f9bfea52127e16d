/**
 * `validateSpec`: every rule a `PipelineSpec` must meet before anything is synthesized or
 * started. It collects all problems and throws them together in one `SpecError`; each issue
 * names the field (`kafka.replicationFactor`) and says how to fix it.
 *
 * The input may come from a user's file, so every field is type-checked first; a rule that
 * depends on a field of the wrong type is skipped (the type issue is reported instead).
 */
import { checkSchema } from '../../apps/shared/schema.ts';
import { cidrContains, cidrsOverlap, parseCidr, type Ipv4Cidr } from './cidr.ts';
import { replicasLostOnZoneLoss, requiredReplicas } from './derive.ts';
import { MAX_STATEFUL_MEMBERS_PER_ZONE, MIN_PRIVATE_SUBNET_SIZE } from './ports.ts';
import { RESERVED_TAG_KEYS } from './tags.ts';
import type { ConsistencyLevel, PipelineSpec, ScalingMetric } from './types.ts';

/** One problem with a spec. */
export interface SpecIssue {
  /** Field path, e.g. `kafka.replicationFactor` or `network.privateSubnetCidrs[1]`. */
  path: string;
  /** What is wrong and how to fix it. */
  message: string;
}

/** Thrown by `validateSpec` and `loadSpecFile`: every issue found, not just the first. */
export class SpecError extends Error {
  /** Every problem found, in the order the rules ran. */
  readonly issues: SpecIssue[];

  /** @param issues the problems; the error message lists all of them, one per line. */
  constructor(issues: SpecIssue[], source?: string) {
    const where = source ? ` in ${source}` : '';
    super(
      `invalid pipeline spec${where}: ${issues.length} issue${issues.length === 1 ? '' : 's'}\n` +
        issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n'),
    );
    this.name = 'SpecError';
    this.issues = issues;
  }
}

/** Consistency levels Cassandra accepts for writes. */
export const CONSISTENCY_LEVELS: readonly ConsistencyLevel[] = [
  'ONE',
  'TWO',
  'THREE',
  'QUORUM',
  'LOCAL_ONE',
  'LOCAL_QUORUM',
  'EACH_QUORUM',
  'ALL',
];

const SCALING_METRICS: readonly ScalingMetric[] = ['cpu', 'consumerLag'];

const PIPELINE_NAME = /^[a-z][a-z0-9-]{1,22}[a-z0-9]$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
/** An SNS topic ARN. */
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
/** A KMS key (or alias) ARN. */
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9/_-]+$/;
/** An EC2 instance type's shape: family and size, e.g. `m5.large`, `u-6tb1.metal`. */
export const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/;
/** A Secrets Manager secret ARN. */
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
/** Retention values CloudWatch Logs accepts, days. */
export const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];
/** Intervals a Data Lifecycle Manager schedule accepts, hours. */
export const SNAPSHOT_INTERVAL_HOURS: readonly number[] = [1, 2, 3, 4, 6, 8, 12, 24];
const KAFKA_TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;
const CQL_IDENTIFIER = /^[a-zA-Z0-9_]{1,48}$/;
const POLICY_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const CRON_FIELD = /^[0-9A-Za-z*,/?#LW-]+$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isInt(value: unknown): value is number {
  return Number.isInteger(value);
}

/** Accumulates issues; type-check helpers return whether the value passed. */
class Issues {
  readonly list: SpecIssue[] = [];

  add(path: string, message: string): void {
    this.list.push({ path, message });
  }

  /** An integer in [min, max]; `hint` ends the message. */
  int(path: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER, hint = ''): value is number {
    if (!isInt(value)) {
      this.add(
        path,
        `must be a whole number, got ${JSON.stringify(value)}: set ${path} to a whole number${min > Number.MIN_SAFE_INTEGER ? ` ≥ ${min}` : ''}`,
      );
      return false;
    }
    if (value < min || value > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `between ${min} and ${max}`;
      this.add(path, `is ${value} but must be ${range}: set ${path} to ${value < min ? min : max}${hint}`);
      return false;
    }
    return true;
  }

  /** A finite number ≥ min (or > min when `exclusive`). */
  num(path: string, value: unknown, min: number, exclusive = false, hint = ''): value is number {
    if (!isNumber(value)) {
      this.add(
        path,
        `must be a number, got ${JSON.stringify(value)}: set ${path} to a number ${exclusive ? 'above' : 'of at least'} ${min}`,
      );
      return false;
    }
    if (exclusive ? value <= min : value < min) {
      this.add(
        path,
        `is ${value} but must be ${exclusive ? 'above' : 'at least'} ${min}: set ${path} to a ${exclusive ? 'positive' : 'larger'} value${hint}`,
      );
      return false;
    }
    return true;
  }

  bool(path: string, value: unknown): value is boolean {
    if (typeof value === 'boolean') return true;
    this.add(path, `must be true or false, got ${JSON.stringify(value)}`);
    return false;
  }

  str(path: string, value: unknown): value is string {
    if (typeof value === 'string') return true;
    this.add(path, `must be a string, got ${JSON.stringify(value)}`);
    return false;
  }

  oneOf<T extends string>(path: string, value: unknown, allowed: readonly T[]): value is T {
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return true;
    this.add(path, `is ${JSON.stringify(value)} but must be one of ${allowed.join(', ')}: set ${path} to one of them`);
    return false;
  }

  section(path: string, value: unknown): Record<string, unknown> | undefined {
    if (isRecord(value)) return value;
    this.add(
      path,
      `must be an object, got ${JSON.stringify(value)}: remove ${path} to use the defaults, or give its fields`,
    );
    return undefined;
  }

  instanceType(path: string, value: unknown): void {
    if (!this.str(path, value)) return;
    if (!INSTANCE_TYPE.test(value)) {
      this.add(path, `"${value}" is not an EC2 instance type: use a family.size name such as m5.large`);
    }
  }
}

/** A lowercase, hyphenated version of `name` that meets the pipeline-name rule, for hints. */
function suggestName(name: string): string {
  let s = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '');
  if (s.length > 24) s = s.slice(0, 24).replace(/-+$/, '');
  while (s.length < 3) s += 'x';
  return s;
}

/** Problems with an S3 bucket name under AWS's general-purpose bucket naming rules. */
export function bucketNameProblems(name: string): string[] {
  const problems: string[] = [];
  if (name.length < 3 || name.length > 63) problems.push(`be 3–63 characters long (it has ${name.length})`);
  if (!/^[a-z0-9.-]*$/.test(name)) problems.push('use only lowercase letters, digits, dots and hyphens');
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) problems.push('begin and end with a letter or digit');
  if (name.includes('..')) problems.push('not contain two adjacent dots');
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) problems.push('not look like an IP address');
  for (const prefix of ['xn--', 'sthree-', 'amzn-s3-demo-']) {
    if (name.startsWith(prefix)) problems.push(`not start with "${prefix}"`);
  }
  for (const suffix of ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3']) {
    if (name.endsWith(suffix)) problems.push(`not end with "${suffix}"`);
  }
  return problems;
}

/** Problems with a Kafka topic name. */
export function topicNameProblems(name: string): string[] {
  if (name === '.' || name === '..') return ['not be "." or ".."'];
  if (!KAFKA_TOPIC.test(name)) return ['be 1–249 characters of letters, digits, ".", "_" and "-"'];
  return [];
}

function checkName(v: Issues, spec: Record<string, unknown>): void {
  const name = spec.name;
  if (!v.str('name', name)) return;
  if (!PIPELINE_NAME.test(name)) {
    v.add(
      'name',
      `"${name}" must be 3–24 characters of lowercase letters, digits and hyphens, start with a letter ` +
        `and not end with a hyphen (it prefixes AWS resource names): rename it, e.g. "${suggestName(name)}"`,
    );
  }
}

function checkZones(v: Issues, spec: Record<string, unknown>): string[] | undefined {
  const region = spec.region;
  const regionOk = v.str('region', region) && REGION.test(region);
  if (typeof region === 'string' && !regionOk) {
    v.add('region', `"${region}" is not an AWS region name: use one such as eu-west-1`);
  }
  const zones = spec.zones;
  if (!Array.isArray(zones) || zones.length === 0) {
    v.add(
      'zones',
      `must be a non-empty list of availability zones, got ${JSON.stringify(zones)}: list them, e.g. ["eu-west-1a", "eu-west-1b", "eu-west-1c"]`,
    );
    return undefined;
  }
  let ok = true;
  zones.forEach((zone: unknown, i) => {
    const path = `zones[${i}]`;
    if (!v.str(path, zone)) {
      ok = false;
      return;
    }
    if (regionOk && !new RegExp(`^${region}[a-z]$`).test(zone)) {
      v.add(path, `"${zone}" is not a zone of region ${region}: use ${region}a, ${region}b, …`);
      ok = false;
    }
    if (zones.indexOf(zone) !== i) {
      v.add(path, `"${zone}" is listed twice: list each zone once`);
      ok = false;
    }
  });
  const multiAz = spec.multiAz;
  if (v.bool('multiAz', multiAz) && multiAz && zones.length < 2) {
    v.add(
      'zones',
      `multiAz needs at least 2 zones but zones has ${zones.length}: add a zone to zones, or set multiAz to false`,
    );
  }
  const tolerate = spec.tolerateZoneLoss;
  if (v.bool('tolerateZoneLoss', tolerate) && tolerate && zones.length < 2) {
    v.add(
      'zones',
      `tolerateZoneLoss needs at least 2 zones but zones has ${zones.length}: add a zone to zones, or set tolerateZoneLoss to false`,
    );
  }
  return ok ? (zones as string[]) : undefined;
}

function checkNetwork(v: Issues, spec: Record<string, unknown>, zones: string[] | undefined): void {
  const net = v.section('network', spec.network);
  if (!net) return;
  v.oneOf('network.natGateways', net.natGateways, ['single', 'perZone'] as const);
  if (net.natGateways === 'single' && spec.tolerateZoneLoss === true && (zones?.length ?? 0) >= 2) {
    v.add(
      'network.natGateways',
      `"single" routes every private subnet through one zone's NAT gateway, so losing that zone cuts the others' egress, ` +
        'but tolerateZoneLoss says a zone may be lost: set network.natGateways to "perZone", or tolerateZoneLoss to false',
    );
  }
  if (net.flowLogs !== undefined) v.bool('network.flowLogs', net.flowLogs);
  let vpc: Ipv4Cidr | undefined;
  const vpcText = net.vpcCidr;
  if (v.str('network.vpcCidr', vpcText)) {
    const parsed = parseCidr(vpcText);
    if (typeof parsed === 'string') {
      v.add('network.vpcCidr', `${parsed}: use a block such as 10.40.0.0/16`);
    } else if (parsed.prefix < 16 || parsed.prefix > 28) {
      v.add(
        'network.vpcCidr',
        `a VPC block must be /16 to /28 but ${parsed.text} is /${parsed.prefix}: use e.g. ${vpcText.split('/')[0]}/16`,
      );
    } else {
      vpc = parsed;
    }
  }
  const subnets: { path: string; block: Ipv4Cidr }[] = [];
  for (const kind of ['public', 'private'] as const) {
    const key = `${kind}SubnetCidrs`;
    const path = `network.${key}`;
    const list = net[key];
    if (!Array.isArray(list)) {
      v.add(path, `must be a list of CIDR blocks, one per zone, got ${JSON.stringify(list)}`);
      continue;
    }
    if (zones && list.length !== zones.length) {
      v.add(
        path,
        `has ${list.length} entr${list.length === 1 ? 'y' : 'ies'} for ${zones.length} zone${zones.length === 1 ? '' : 's'}: give exactly one ${kind} subnet CIDR per zone, in zone order`,
      );
    }
    list.forEach((text: unknown, i) => {
      const itemPath = `${path}[${i}]`;
      if (!v.str(itemPath, text)) return;
      const block = parseCidr(text);
      if (typeof block === 'string') {
        v.add(
          itemPath,
          `${block}: use a block inside network.vpcCidr such as 10.40.${kind === 'public' ? i : 10 + i}.0/24`,
        );
        return;
      }
      if (block.prefix < 16 || block.prefix > 28) {
        v.add(itemPath, `a subnet must be /16 to /28 but ${text} is /${block.prefix}: use e.g. a /24`);
        return;
      }
      if (kind === 'private' && block.size < MIN_PRIVATE_SUBNET_SIZE) {
        v.add(
          itemPath,
          `${text} is too small for the fixed broker and node addresses: use a /26 or larger (e.g. a /24)`,
        );
      }
      if (vpc && !cidrContains(vpc, block)) {
        v.add(itemPath, `${text} is outside the VPC block ${vpc.text}: pick a block inside ${vpc.text}`);
      }
      subnets.push({ path: itemPath, block });
    });
  }
  for (let i = 0; i < subnets.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = subnets[j]!;
      const b = subnets[i]!;
      if (cidrsOverlap(a.block, b.block)) {
        v.add(b.path, `${b.block.text} overlaps ${a.path} (${a.block.text}): give every subnet its own block`);
      }
    }
  }
}

function checkDataset(v: Issues, spec: Record<string, unknown>): void {
  const ds = v.section('dataset', spec.dataset);
  if (!ds) return;
  const bucket = ds.bucket;
  if (v.str('dataset.bucket', bucket)) {
    const problems = bucketNameProblems(bucket);
    if (problems.length > 0) {
      v.add('dataset.bucket', `"${bucket}" is not a valid S3 bucket name: it must ${problems.join('; ')}`);
    }
  }
  const prefix = ds.prefix;
  if (v.str('dataset.prefix', prefix)) {
    if (prefix.startsWith('/'))
      v.add(
        'dataset.prefix',
        `"${prefix}" starts with "/": S3 keys have no leading slash; write "${prefix.replace(/^\/+/, '')}"`,
      );
    if (prefix.length > 512) v.add('dataset.prefix', 'is longer than 512 characters: shorten it');
  }
  v.oneOf('dataset.format', ds.format, ['csv', 'csv.gz'] as const);
  if (ds.schema !== undefined) {
    for (const p of checkSchema(ds.schema))
      v.add(`dataset.schema${p.path ? `.${p.path}` : ''}`, `${p.message}: ${p.fix}`);
  }
}

interface StatefulCounts {
  brokers?: number;
  partitions?: number;
  kafkaRf?: number;
  minIsr?: number;
  nodes?: number;
  cassandraRf?: number;
  consistency?: ConsistencyLevel;
}

function checkMembersPerZone(v: Issues, path: string, count: number, zones: string[] | undefined, what: string): void {
  if (!zones) return;
  const perZone = Math.ceil(count / zones.length);
  if (perZone > MAX_STATEFUL_MEMBERS_PER_ZONE) {
    v.add(
      path,
      `${count} ${what} over ${zones.length} zones puts ${perZone} in one zone, above the ${MAX_STATEFUL_MEMBERS_PER_ZONE} fixed addresses per zone: lower ${path} to ${MAX_STATEFUL_MEMBERS_PER_ZONE * zones.length} or add zones`,
    );
  }
}

function checkKafka(v: Issues, spec: Record<string, unknown>, zones: string[] | undefined, out: StatefulCounts): void {
  const k = v.section('kafka', spec.kafka);
  if (!k) return;
  const brokers = k.brokers;
  if (v.int('kafka.brokers', brokers, 1)) {
    out.brokers = brokers;
    checkMembersPerZone(v, 'kafka.brokers', brokers, zones, 'brokers');
    if (spec.multiAz === true && brokers < 2) {
      v.add(
        'kafka.brokers',
        'multiAz is set but 1 broker lives in one zone: raise kafka.brokers to at least 2, or set multiAz to false',
      );
    }
  }
  if (v.int('kafka.partitions', k.partitions, 1, 100_000)) out.partitions = k.partitions as number;
  const rf = k.replicationFactor;
  if (v.int('kafka.replicationFactor', rf, 1)) {
    out.kafkaRf = rf;
    if (out.brokers !== undefined && rf > out.brokers) {
      v.add(
        'kafka.replicationFactor',
        `is ${rf} but there are only ${out.brokers} brokers: raise kafka.brokers to ${rf} or lower kafka.replicationFactor to ${out.brokers}`,
      );
    }
  }
  const minIsr = k.minInSyncReplicas;
  if (
    v.int('kafka.minInSyncReplicas', minIsr, 1, Number.MAX_SAFE_INTEGER, ' (0 would accept writes that no replica has)')
  ) {
    out.minIsr = minIsr;
    if (out.kafkaRf !== undefined && minIsr >= out.kafkaRf) {
      const raiseTo = minIsr + 1;
      const brokerNote = out.brokers !== undefined && out.brokers < raiseTo ? ` (and kafka.brokers to ${raiseTo})` : '';
      const lower =
        minIsr - 1 >= 1 && out.kafkaRf - 1 >= 1 ? `lower kafka.minInSyncReplicas to ${out.kafkaRf - 1} or ` : '';
      v.add(
        'kafka.minInSyncReplicas',
        `is ${minIsr} but must be below kafka.replicationFactor (${out.kafkaRf}), else one broker loss would stop writes: ` +
          `${lower}raise kafka.replicationFactor to ${raiseTo}${brokerNote}`,
      );
    }
  }
  const topics: { path: string; name: string }[] = [];
  for (const key of ['topic', 'deadLetterTopic'] as const) {
    const path = `kafka.${key}`;
    const name = k[key];
    if (!v.str(path, name)) continue;
    const problems = topicNameProblems(name);
    if (problems.length > 0) v.add(path, `"${name}" is not a valid Kafka topic name: it must ${problems.join('; ')}`);
    else topics.push({ path, name });
  }
  if (topics.length === 2) {
    const [data, dlq] = topics as [{ path: string; name: string }, { path: string; name: string }];
    if (data.name.replace(/\./g, '_') === dlq.name.replace(/\./g, '_')) {
      v.add(
        'kafka.deadLetterTopic',
        `"${dlq.name}" is the same topic as kafka.topic "${data.name}" (Kafka treats "." and "_" alike in names): name it e.g. "${data.name}.dlq"`,
      );
    }
  }
  v.instanceType('kafka.instanceType', k.instanceType);
  v.int('kafka.volumeSizeGiB', k.volumeSizeGiB, 1, 16_384);
  if (k.security !== undefined) {
    const sec = v.section('kafka.security', k.security);
    if (sec) {
      const tls = v.bool('kafka.security.tls', sec.tls) ? sec.tls : undefined;
      v.oneOf('kafka.security.sasl', sec.sasl, ['none', 'scram-sha-512'] as const);
      checkCertificateSecret(v, 'kafka.security', 'tls', tls, sec.certificateSecretArn, 'broker');
    }
  }
}

/** `certificateSecretArn` of a security section: required exactly when its TLS switch is on. */
function checkCertificateSecret(
  v: Issues,
  section: string,
  switchKey: string,
  tls: boolean | undefined,
  arn: unknown,
  member: string,
): void {
  const path = `${section}.certificateSecretArn`;
  if (arn === undefined) {
    if (tls === true)
      v.add(
        path,
        `is required when ${section}.${switchKey} is true: store the PEM certificate (IP SANs for every ${member}'s fixed address), its privateKey and the ca as JSON in Secrets Manager and give the secret's ARN, or set ${section}.${switchKey} to false`,
      );
    return;
  }
  if (typeof arn !== 'string' || !SECRET_ARN.test(arn)) {
    v.add(
      path,
      `${JSON.stringify(arn)} is not a Secrets Manager secret ARN: give one such as arn:aws:secretsmanager:eu-west-1:123456789012:secret:kafka-tls-AbCdEf`,
    );
    return;
  }
  if (tls === false)
    v.add(path, `is set but ${section}.${switchKey} is false: set ${section}.${switchKey} to true or remove ${path}`);
}

function checkCassandra(
  v: Issues,
  spec: Record<string, unknown>,
  zones: string[] | undefined,
  out: StatefulCounts,
): void {
  const c = v.section('cassandra', spec.cassandra);
  if (!c) return;
  const nodes = c.nodes;
  if (v.int('cassandra.nodes', nodes, 1)) {
    out.nodes = nodes;
    checkMembersPerZone(v, 'cassandra.nodes', nodes, zones, 'nodes');
    if (spec.multiAz === true && nodes < 2) {
      v.add(
        'cassandra.nodes',
        'multiAz is set but 1 node lives in one zone: raise cassandra.nodes to at least 2, or set multiAz to false',
      );
    }
  }
  const rf = c.replicationFactor;
  if (v.int('cassandra.replicationFactor', rf, 1)) {
    out.cassandraRf = rf;
    if (out.nodes !== undefined && rf > out.nodes) {
      v.add(
        'cassandra.replicationFactor',
        `is ${rf} but there are only ${out.nodes} nodes: raise cassandra.nodes to ${rf} or lower cassandra.replicationFactor to ${out.nodes}`,
      );
    }
  }
  const level = c.consistency;
  if (v.oneOf('cassandra.consistency', level, CONSISTENCY_LEVELS)) {
    out.consistency = level;
    if (out.cassandraRf !== undefined && requiredReplicas(level, out.cassandraRf) > out.cassandraRf) {
      const need = requiredReplicas(level, out.cassandraRf);
      v.add(
        'cassandra.consistency',
        `${level} needs ${need} replicas but cassandra.replicationFactor is ${out.cassandraRf}: raise cassandra.replicationFactor to ${need} or use LOCAL_QUORUM`,
      );
    }
  }
  for (const key of ['keyspace', 'table'] as const) {
    const path = `cassandra.${key}`;
    const name = c[key];
    if (v.str(path, name) && !CQL_IDENTIFIER.test(name)) {
      v.add(
        path,
        `"${name}" must be 1–48 characters of letters, digits and underscores: e.g. "${name.replace(/[^a-zA-Z0-9_]+/g, '_').slice(0, 48) || key}"`,
      );
    }
  }
  v.instanceType('cassandra.instanceType', c.instanceType);
  v.int('cassandra.volumeSizeGiB', c.volumeSizeGiB, 1, 16_384);
  if (c.security !== undefined) {
    const sec = v.section('cassandra.security', c.security);
    if (sec) {
      v.bool('cassandra.security.authentication', sec.authentication);
      const tls = v.bool('cassandra.security.clientTls', sec.clientTls) ? sec.clientTls : undefined;
      checkCertificateSecret(v, 'cassandra.security', 'clientTls', tls, sec.certificateSecretArn, 'node');
    }
  }
}

function checkMetricValue(v: Issues, path: string, metric: unknown, value: unknown, positive: boolean): void {
  if (!v.num(path, value, 0, positive)) return;
  if (metric === 'cpu' && (value as number) > 100) {
    v.add(path, `is ${value} but CPU utilization is a percentage: set ${path} to at most 100`);
  }
}

function checkStepPolicy(v: Issues, path: string, policy: unknown): string | undefined {
  const p = v.section(path, policy);
  if (!p) return undefined;
  const name = p.name;
  if (v.str(`${path}.name`, name) && !POLICY_NAME.test(name)) {
    v.add(`${path}.name`, `"${name}" must be 1–64 letters, digits, "-" or "_"`);
  }
  const metric = p.metric;
  v.oneOf(`${path}.metric`, metric, SCALING_METRICS);
  checkMetricValue(v, `${path}.threshold`, metric, p.threshold, false);
  const comparison = p.comparison;
  v.oneOf(`${path}.comparison`, comparison, ['above', 'below'] as const);
  v.int(`${path}.evaluationPeriods`, p.evaluationPeriods, 1, 1440);
  const steps = p.steps;
  if (!Array.isArray(steps) || steps.length === 0) {
    v.add(`${path}.steps`, 'must list at least one step: e.g. [{ "lowerBound": 0, "change": 1 }]');
    return typeof name === 'string' ? name : undefined;
  }
  const parsed: { lower: number; upper: number; index: number }[] = [];
  steps.forEach((step: unknown, i) => {
    const sp = `${path}.steps[${i}]`;
    const s = v.section(sp, step);
    if (!s) return;
    let ok = true;
    if (isInt(s.change)) {
      if (s.change === 0) {
        v.add(`${sp}.change`, 'is 0, which changes nothing: add (positive) or remove (negative) members');
        ok = false;
      }
    } else {
      v.add(`${sp}.change`, `must be a whole number of members, got ${JSON.stringify(s.change)}`);
      ok = false;
    }
    const lower = s.lowerBound;
    const upper = s.upperBound;
    for (const [key, bound] of [
      ['lowerBound', lower],
      ['upperBound', upper],
    ] as const) {
      if (bound !== undefined && !isNumber(bound)) {
        v.add(`${sp}.${key}`, `must be a number or left out (for infinity), got ${JSON.stringify(bound)}`);
        ok = false;
      }
    }
    if (!ok) return;
    const lo = isNumber(lower) ? lower : -Infinity;
    const hi = isNumber(upper) ? upper : Infinity;
    if (lo >= hi) {
      v.add(sp, `lowerBound ${lo} is not below upperBound ${hi}: swap them or widen the step`);
      return;
    }
    parsed.push({ lower: lo, upper: hi, index: i });
  });
  if (parsed.length !== steps.length) return typeof name === 'string' ? name : undefined;
  parsed.sort((a, b) => a.lower - b.lower);
  for (let i = 1; i < parsed.length; i++) {
    const prev = parsed[i - 1]!;
    const next = parsed[i]!;
    if (prev.upper !== next.lower) {
      const what = prev.upper > next.lower ? 'overlaps' : 'leaves a gap after';
      v.add(
        `${path}.steps[${next.index}]`,
        `${what} steps[${prev.index}]: set its lowerBound to ${prev.upper} (steps must tile the breach with no gap or overlap)`,
      );
    }
  }
  if (comparison === 'above' && parsed[parsed.length - 1]!.upper !== Infinity) {
    v.add(
      `${path}.steps[${parsed[parsed.length - 1]!.index}].upperBound`,
      'the highest step of an "above" policy must be open-ended: remove its upperBound',
    );
  }
  if (comparison === 'below' && parsed[0]!.lower !== -Infinity) {
    v.add(
      `${path}.steps[${parsed[0]!.index}].lowerBound`,
      'the lowest step of a "below" policy must be open-ended: remove its lowerBound',
    );
  }
  return typeof name === 'string' ? name : undefined;
}

function checkScheduled(v: Issues, path: string, action: unknown): string | undefined {
  const a = v.section(path, action);
  if (!a) return undefined;
  const name = a.name;
  if (v.str(`${path}.name`, name) && !POLICY_NAME.test(name)) {
    v.add(`${path}.name`, `"${name}" must be 1–64 letters, digits, "-" or "_"`);
  }
  const cron = a.recurrence;
  if (v.str(`${path}.recurrence`, cron)) {
    const fields = cron.trim().split(/\s+/);
    if (fields.length !== 5 || !fields.every((f) => CRON_FIELD.test(f))) {
      v.add(
        `${path}.recurrence`,
        `"${cron}" is not a 5-field cron expression (minute hour day month weekday): e.g. "0 8 * * MON-FRI"`,
      );
    }
  }
  const sizes: Partial<Record<'min' | 'max' | 'desired', number>> = {};
  for (const key of ['min', 'max', 'desired'] as const) {
    const value = a[key];
    if (value === undefined) continue;
    if (v.int(`${path}.${key}`, value, 0)) sizes[key] = value;
  }
  if (a.min === undefined && a.max === undefined && a.desired === undefined) {
    v.add(path, 'changes nothing: give at least one of min, max, desired');
  }
  if (sizes.min !== undefined && sizes.max !== undefined && sizes.min > sizes.max) {
    v.add(
      `${path}.min`,
      `is ${sizes.min}, above this action's max ${sizes.max}: lower min to ${sizes.max} or raise max to ${sizes.min}`,
    );
  }
  if (sizes.desired !== undefined) {
    if (sizes.min !== undefined && sizes.desired < sizes.min)
      v.add(
        `${path}.desired`,
        `is ${sizes.desired}, below this action's min ${sizes.min}: raise desired to ${sizes.min}`,
      );
    if (sizes.max !== undefined && sizes.desired > sizes.max)
      v.add(
        `${path}.desired`,
        `is ${sizes.desired}, above this action's max ${sizes.max}: lower desired to ${sizes.max}`,
      );
  }
  return typeof name === 'string' ? name : undefined;
}

function checkUnique(v: Issues, path: string, names: (string | undefined)[]): void {
  names.forEach((name, i) => {
    if (name !== undefined && names.indexOf(name) !== i) {
      v.add(`${path}[${i}].name`, `"${name}" is used twice: give each one its own name`);
    }
  });
}

function checkGroup(v: Issues, spec: Record<string, unknown>, group: 'producers' | 'consumers'): number | undefined {
  const g = v.section(group, spec[group]);
  if (!g) return undefined;
  const min = g.min;
  const max = g.max;
  const desired = g.desired;
  const minOk = v.int(`${group}.min`, min, 0);
  const maxOk = v.int(`${group}.max`, max, 1);
  const desiredOk = v.int(`${group}.desired`, desired, 0);
  if (minOk && maxOk && min > max) {
    v.add(
      `${group}.min`,
      `is ${min}, above ${group}.max (${max}): lower ${group}.min to ${max} or raise ${group}.max to ${min}`,
    );
  } else if (minOk && maxOk && desiredOk) {
    if (desired < min)
      v.add(
        `${group}.desired`,
        `is ${desired}, below ${group}.min (${min}): raise ${group}.desired to ${min} or lower ${group}.min to ${desired}`,
      );
    if (desired > max)
      v.add(
        `${group}.desired`,
        `is ${desired}, above ${group}.max (${max}): lower ${group}.desired to ${max} or raise ${group}.max to ${desired}`,
      );
  }
  v.instanceType(`${group}.instanceType`, g.instanceType);
  v.num(`${group}.healthCheckGraceSeconds`, g.healthCheckGraceSeconds, 0);
  const s = v.section(`${group}.scaling`, g.scaling);
  if (s) {
    const sp = `${group}.scaling`;
    v.num(`${sp}.cooldownSeconds`, s.cooldownSeconds, 0);
    v.num(`${sp}.warmupSeconds`, s.warmupSeconds, 0);
    if (s.targetTracking !== undefined) {
      const t = v.section(`${sp}.targetTracking`, s.targetTracking);
      if (t) {
        v.oneOf(`${sp}.targetTracking.metric`, t.metric, SCALING_METRICS);
        checkMetricValue(v, `${sp}.targetTracking.target`, t.metric, t.target, true);
        if (t.disableScaleIn !== undefined) v.bool(`${sp}.targetTracking.disableScaleIn`, t.disableScaleIn);
      }
    }
    if (s.stepScaling !== undefined) {
      if (Array.isArray(s.stepScaling)) {
        const names = s.stepScaling.map((p: unknown, i) => checkStepPolicy(v, `${sp}.stepScaling[${i}]`, p));
        checkUnique(v, `${sp}.stepScaling`, names);
      } else {
        v.add(`${sp}.stepScaling`, 'must be a list of step-scaling policies');
      }
    }
    if (s.scheduled !== undefined) {
      if (Array.isArray(s.scheduled)) {
        const names = s.scheduled.map((a: unknown, i) => checkScheduled(v, `${sp}.scheduled[${i}]`, a));
        checkUnique(v, `${sp}.scheduled`, names);
      } else {
        v.add(`${sp}.scheduled`, 'must be a list of scheduled actions');
      }
    }
  }
  return maxOk ? max : undefined;
}

function checkZoneLoss(v: Issues, zones: string[], n: StatefulCounts): void {
  const zoneCount = zones.length;
  if (
    n.brokers !== undefined &&
    n.kafkaRf !== undefined &&
    n.minIsr !== undefined &&
    n.kafkaRf <= n.brokers &&
    n.minIsr < n.kafkaRf
  ) {
    const lost = replicasLostOnZoneLoss(n.kafkaRf, n.brokers, zoneCount);
    const left = n.kafkaRf - lost;
    if (left < n.minIsr) {
      const fixes: string[] = [];
      if (left >= 1) fixes.push(`lower kafka.minInSyncReplicas to ${left}`);
      for (let rf = n.kafkaRf + 1; rf <= n.brokers; rf++) {
        if (rf - replicasLostOnZoneLoss(rf, n.brokers, zoneCount) >= n.minIsr) {
          fixes.push(`raise kafka.replicationFactor to ${rf}`);
          break;
        }
      }
      if (Math.min(n.brokers, zoneCount) < 2) fixes.push('spread kafka.brokers over at least 2 zones');
      fixes.push('set tolerateZoneLoss to false');
      v.add(
        'kafka.minInSyncReplicas',
        `with tolerateZoneLoss, losing one zone takes ${lost} of ${n.kafkaRf} replicas (${n.brokers} brokers over ${Math.min(n.brokers, zoneCount)} zones), ` +
          `leaving ${left}, below min in-sync replicas ${n.minIsr}, so writes would stop: ${fixes.join(', or ')}`,
      );
    }
  }
  if (n.nodes !== undefined && n.cassandraRf !== undefined && n.consistency !== undefined && n.cassandraRf <= n.nodes) {
    const rf = n.cassandraRf;
    const level = n.consistency;
    const need = requiredReplicas(level, rf);
    if (need > rf) return; // reported by checkCassandra
    const lost = replicasLostOnZoneLoss(rf, n.nodes, zoneCount);
    const left = rf - lost;
    if (left < need) {
      const fixes: string[] = [];
      for (let r = rf + 1; r <= n.nodes; r++) {
        if (r - replicasLostOnZoneLoss(r, n.nodes, zoneCount) >= requiredReplicas(level, r)) {
          fixes.push(`raise cassandra.replicationFactor to ${r}`);
          break;
        }
      }
      const weaker = CONSISTENCY_LEVELS.filter((l) => requiredReplicas(l, rf) <= left && left >= 1);
      if (weaker.length > 0)
        fixes.push(`use cassandra.consistency ${weaker.includes('LOCAL_ONE') ? 'LOCAL_ONE' : weaker[0]}`);
      if (Math.min(n.nodes, zoneCount) < 2) fixes.push('spread cassandra.nodes over at least 2 zones');
      fixes.push('set tolerateZoneLoss to false');
      v.add(
        'cassandra.consistency',
        `with tolerateZoneLoss, ${level} needs ${need} of ${rf} replicas but losing one zone leaves ${left} ` +
          `(${n.nodes} nodes over ${Math.min(n.nodes, zoneCount)} zones): ${fixes.join(', or ')}`,
      );
    }
  }
}

function checkTags(v: Issues, spec: Record<string, unknown>): void {
  const tags = v.section('tags', spec.tags);
  if (!tags) return;
  const entries = Object.entries(tags);
  if (entries.length > 40)
    v.add(
      'tags',
      `has ${entries.length} tags; AWS allows 50 per resource and terratower adds up to 10: keep at most 40`,
    );
  for (const [key, value] of entries) {
    const path = `tags.${key}`;
    if (key.length === 0 || key.length > 128) v.add(path, 'tag keys must be 1–128 characters');
    if (key.toLowerCase().startsWith('aws:'))
      v.add(path, 'tag keys may not start with "aws:" (reserved by AWS): rename it');
    else if (!/^[a-zA-Z0-9+\-=._:@]*$/.test(key))
      v.add(
        path,
        'tag keys may use only letters, digits and + - = . _ : @ (instance tags are exposed in instance metadata, which allows no spaces or "/"): rename it',
      );
    if (RESERVED_TAG_KEYS.includes(key)) v.add(path, `"${key}" is set by terratower itself: remove it or rename it`);
    if (typeof value !== 'string') v.add(path, `tag values must be strings, got ${JSON.stringify(value)}: quote it`);
    else if (value.length > 256) v.add(path, 'tag values must be at most 256 characters: shorten it');
  }
}

function checkSnapshots(v: Issues, spec: Record<string, unknown>): void {
  if (spec.snapshots === undefined) return;
  const s = v.section('snapshots', spec.snapshots);
  if (!s) return;
  v.bool('snapshots.enabled', s.enabled);
  const interval = s.intervalHours;
  if (interval !== undefined && !(typeof interval === 'number' && SNAPSHOT_INTERVAL_HOURS.includes(interval)))
    v.add(
      'snapshots.intervalHours',
      `is ${JSON.stringify(interval)} but Data Lifecycle Manager takes one of ${SNAPSHOT_INTERVAL_HOURS.join(', ')}: set snapshots.intervalHours to one of them`,
    );
  if (s.retainCount !== undefined) v.int('snapshots.retainCount', s.retainCount, 1, 1000);
  const start = s.startTime;
  if (start !== undefined && !(typeof start === 'string' && /^([01]\d|2[0-3]):[0-5]\d$/.test(start)))
    v.add('snapshots.startTime', `is ${JSON.stringify(start)} but must be a UTC time HH:MM: write e.g. "03:00"`);
}

function checkLogs(v: Issues, spec: Record<string, unknown>): void {
  if (spec.logs === undefined) return;
  const l = v.section('logs', spec.logs);
  if (!l) return;
  v.bool('logs.userData', l.userData);
  const days = l.retentionDays;
  if (days !== undefined && !(typeof days === 'number' && LOG_RETENTION_DAYS.includes(days))) {
    const near = LOG_RETENTION_DAYS.find((d) => typeof days === 'number' && d >= days) ?? 3653;
    v.add(
      'logs.retentionDays',
      `is ${JSON.stringify(days)} but CloudWatch Logs keeps events for one of ${LOG_RETENTION_DAYS.join(', ')} days: set logs.retentionDays to ${near}`,
    );
  }
}

/**
 * Every problem with `spec`, in rule order; empty when it is valid. Use `validateSpec` to throw
 * them as one `SpecError`.
 */
export function specIssues(spec: PipelineSpec): SpecIssue[] {
  const v = new Issues();
  const raw = spec as unknown;
  if (!isRecord(raw)) {
    v.add('(spec)', `must be an object, got ${JSON.stringify(raw)}`);
    return v.list;
  }
  checkName(v, raw);
  const zones = checkZones(v, raw);
  checkNetwork(v, raw, zones);
  checkDataset(v, raw);
  const counts: StatefulCounts = {};
  checkKafka(v, raw, zones, counts);
  checkCassandra(v, raw, zones, counts);
  checkGroup(v, raw, 'producers');
  const consumersMax = checkGroup(v, raw, 'consumers');
  if (consumersMax !== undefined && counts.partitions !== undefined && consumersMax > counts.partitions) {
    v.add(
      'consumers.max',
      `is ${consumersMax} but the topic has ${counts.partitions} partitions, so ${consumersMax - counts.partitions} consumer(s) would sit idle: ` +
        `lower consumers.max to ${counts.partitions} or raise kafka.partitions to ${consumersMax}`,
    );
  }
  if (raw.tolerateZoneLoss === true && zones && zones.length >= 2) checkZoneLoss(v, zones, counts);
  const monitoring = v.section('monitoring', raw.monitoring);
  if (monitoring) {
    v.bool('monitoring.enabled', monitoring.enabled);
    v.instanceType('monitoring.instanceType', monitoring.instanceType);
    v.int('monitoring.scrapeIntervalSeconds', monitoring.scrapeIntervalSeconds, 1, 3600);
  }
  const local = v.section('local', raw.local);
  if (local) v.num('local.timeScale', local.timeScale, 1, false, ' (1 is real time, 60 runs a 300 s cooldown in 5 s)');
  checkTags(v, raw);
  if (raw.encryption !== undefined) {
    const enc = v.section('encryption', raw.encryption);
    for (const key of ['s3KmsKeyArn', 'ebsKmsKeyArn', 'logsKmsKeyArn', 'secretsKmsKeyArn'] as const) {
      const arn = enc?.[key];
      if (arn === undefined) continue;
      if (typeof arn !== 'string' || !KMS_KEY_ARN.test(arn))
        v.add(
          `encryption.${key}`,
          `${JSON.stringify(arn)} is not a KMS key ARN: give one such as arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab, or leave it out for AWS-managed keys`,
        );
    }
  }
  if (raw.alarms !== undefined) {
    const alarms = v.section('alarms', raw.alarms);
    if (alarms) {
      v.bool('alarms.enabled', alarms.enabled);
      const topic = alarms.snsTopicArn;
      if (topic !== undefined && (typeof topic !== 'string' || !SNS_TOPIC_ARN.test(topic)))
        v.add(
          'alarms.snsTopicArn',
          `${JSON.stringify(topic)} is not an SNS topic ARN: give one such as arn:aws:sns:eu-west-1:123456789012:oncall, or leave it out for a new topic`,
        );
      if (alarms.consumerLagMax !== undefined)
        v.int('alarms.consumerLagMax', alarms.consumerLagMax, 1, Number.MAX_SAFE_INTEGER);
      for (const key of ['underReplicatedPartitions', 'unhealthyMembers'] as const)
        if (alarms[key] !== undefined) v.bool(`alarms.${key}`, alarms[key]);
    }
  }
  checkSnapshots(v, raw);
  checkLogs(v, raw);
  return v.list;
}

/**
 * Check `spec` against every rule and return it unchanged when it is valid.
 * @throws SpecError listing every issue (path + message naming the fix) when it is not.
 */
export function validateSpec(spec: PipelineSpec): PipelineSpec {
  const issues = specIssues(spec);
  if (issues.length > 0) throw new SpecError(issues);
  return spec;
}
