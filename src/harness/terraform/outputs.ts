/**
 * Typed readers over `terraform output -json`, as Terratest's output.go: a missing output or a
 * value of the wrong shape is an error that names the output, never a silent `undefined`.
 */
import type { GroupName } from '../../spec/index.ts';

/** One output as `terraform output -json` prints it. */
export interface TerraformOutputValue {
  /** The value (string, number, bool, list, map, object). */
  value: unknown;
  /** Terraform's type expression, e.g. `"string"` or `["list","string"]`. */
  type: unknown;
  /** Marked sensitive in the configuration. */
  sensitive: boolean;
}

/** All outputs of a run, by name. */
export type TerraformOutputs = Readonly<Record<string, TerraformOutputValue>>;

/** A missing output or a value of the wrong shape. */
export class TerraformOutputError extends Error {
  constructor(
    message: string,
    /** Name of the output concerned. */
    readonly output: string,
  ) {
    super(message);
    this.name = 'TerraformOutputError';
  }
}

/** Parses the stdout of `terraform output -json` (an object of name → {value, type, sensitive}). */
export function parseOutputsJson(stdout: string): TerraformOutputs {
  const trimmed = stdout.trim();
  if (trimmed === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch (error) {
    throw new Error(
      `terraform output -json printed something that is not JSON: ${(error as Error).message}\n${trimmed.slice(0, 500)}`,
    );
  }
  if (!isRecord(parsed)) throw new Error('terraform output -json did not print an object');
  const outputs: Record<string, TerraformOutputValue> = {};
  for (const [name, entry] of Object.entries(parsed)) {
    if (!isRecord(entry) || !('value' in entry)) {
      throw new TerraformOutputError(`output "${name}" has no value in terraform output -json`, name);
    }
    outputs[name] = { value: entry.value, type: entry.type, sensitive: entry.sensitive === true };
  }
  return outputs;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  return typeof value === 'object' ? 'map' : typeof value;
}

function scalarText(value: unknown, name: string, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new TerraformOutputError(`output "${name}"${where}: expected a string, got a ${describe(value)}`, name);
}

/** The raw value of output `name`; throws when there is no such output. */
export function outputValue(outputs: TerraformOutputs, name: string): unknown {
  const entry = outputs[name];
  if (!entry) {
    const known = Object.keys(outputs).sort().join(', ') || 'none';
    throw new TerraformOutputError(`no output "${name}" (outputs: ${known})`, name);
  }
  return entry.value;
}

/** Output `name` as a string (numbers and bools are converted, as `terraform output -raw` does). */
export function outputString(outputs: TerraformOutputs, name: string): string {
  return scalarText(outputValue(outputs, name), name, '');
}

/** Output `name` as a list of strings. */
export function outputList(outputs: TerraformOutputs, name: string): string[] {
  const value = outputValue(outputs, name);
  if (!Array.isArray(value))
    throw new TerraformOutputError(`output "${name}": expected a list, got a ${describe(value)}`, name);
  return value.map((item, i) => scalarText(item, name, `[${i}]`));
}

/** Output `name` as a map of strings. */
export function outputMap(outputs: TerraformOutputs, name: string): Record<string, string> {
  const value = outputValue(outputs, name);
  if (!isRecord(value))
    throw new TerraformOutputError(`output "${name}": expected a map, got a ${describe(value)}`, name);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scalarText(v, name, `["${k}"]`)]));
}

/** Output `name` as a map of string lists (e.g. group → Auto Scaling group names). */
export function outputMapOfLists(outputs: TerraformOutputs, name: string): Record<string, string[]> {
  const value = outputValue(outputs, name);
  if (!isRecord(value))
    throw new TerraformOutputError(`output "${name}": expected a map, got a ${describe(value)}`, name);
  return Object.fromEntries(
    Object.entries(value).map(([k, list]) => {
      if (!Array.isArray(list)) {
        throw new TerraformOutputError(`output "${name}"["${k}"]: expected a list, got a ${describe(list)}`, name);
      }
      return [k, list.map((item, i) => scalarText(item, name, `["${k}"][${i}]`))];
    }),
  );
}

/**
 * Output `name` as `T`. With `guard`, the value is checked and a mismatch throws; without it the
 * caller vouches for the shape.
 */
export function outputJson<T>(outputs: TerraformOutputs, name: string, guard?: (value: unknown) => value is T): T {
  const value = outputValue(outputs, name);
  if (guard && !guard(value)) {
    throw new TerraformOutputError(
      `output "${name}" does not have the expected shape: ${JSON.stringify(value).slice(0, 300)}`,
      name,
    );
  }
  return value as T;
}

/** Output names every pipeline stack (AWS `PipelineStack` and the local twin's stack) declares. */
export const PIPELINE_OUTPUT_NAMES = {
  bucket: 'bucket',
  datasetPrefix: 'dataset_prefix',
  kafkaBootstrap: 'kafka_bootstrap',
  cassandraContactPoints: 'cassandra_contact_points',
  s3Endpoint: 's3_endpoint',
  asgNames: 'asg_names',
  runId: 'run_id',
} as const;

/** The groups `asg_names` must name. */
export const PIPELINE_GROUPS: readonly GroupName[] = ['producers', 'consumers', 'kafka', 'cassandra'];

/** A pipeline stack's outputs, typed. Same shape on AWS and locally. */
export interface PipelineOutputs {
  /** Dataset bucket. */
  bucket: string;
  /** Dataset key prefix. */
  datasetPrefix: string;
  /** Kafka bootstrap servers, `host:port`. */
  kafkaBootstrap: string[];
  /** Cassandra contact points, `host:port`. */
  cassandraContactPoints: string[];
  /** S3 API endpoint URL (empty on AWS: the region's endpoint). */
  s3Endpoint: string;
  /** Group → Auto Scaling group names (locally: the twin's group ids). */
  asgNames: Record<GroupName, string[]>;
  /** Run id the stack was synthesized with. */
  runId: string;
}

/** Reads a pipeline stack's outputs; throws naming the first output that is missing or malformed. */
export function readPipelineOutputs(outputs: TerraformOutputs): PipelineOutputs {
  const n = PIPELINE_OUTPUT_NAMES;
  const asg = outputMapOfLists(outputs, n.asgNames);
  const missing = PIPELINE_GROUPS.filter((g) => !(g in asg));
  if (missing.length > 0) {
    throw new TerraformOutputError(`output "${n.asgNames}" lacks group(s) ${missing.join(', ')}`, n.asgNames);
  }
  return {
    bucket: outputString(outputs, n.bucket),
    datasetPrefix: outputString(outputs, n.datasetPrefix),
    kafkaBootstrap: outputList(outputs, n.kafkaBootstrap),
    cassandraContactPoints: outputList(outputs, n.cassandraContactPoints),
    s3Endpoint: outputString(outputs, n.s3Endpoint),
    asgNames: asg as Record<GroupName, string[]>,
    runId: outputString(outputs, n.runId),
  };
}
