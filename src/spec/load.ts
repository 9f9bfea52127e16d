/**
 * `loadSpecFile`: read a user's spec file (JSON or YAML), merge it over the defaults and
 * validate it. Unknown keys are reported with the rest, so a typo (`kafka.replicatonFactor`)
 * is an issue instead of a silently ignored field.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { defaultSpec, withDefaults } from './defaults.ts';
import type { PipelineSpec, PipelineSpecInput } from './types.ts';
import { SpecError, specIssues, type SpecIssue } from './validate.ts';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Sections whose keys are fixed by `PipelineSpec` (checked one level deep). `tags` is free-form. */
const FIXED_SECTIONS = ['network', 'dataset', 'kafka', 'cassandra', 'monitoring', 'local'] as const;
const GROUP_KEYS = ['min', 'max', 'desired', 'instanceType', 'healthCheckGraceSeconds', 'scaling'];
const SCALING_KEYS = ['targetTracking', 'stepScaling', 'scheduled', 'cooldownSeconds', 'warmupSeconds'];

function unknownKeys(path: string, value: unknown, known: readonly string[]): SpecIssue[] {
  if (!isRecord(value)) return [];
  return Object.keys(value)
    .filter((key) => !known.includes(key))
    .map((key) => ({
      path: path ? `${path}.${key}` : key,
      message: `is not a spec field: remove it or fix its spelling (known: ${known.join(', ')})`,
    }));
}

/** Optional fields of the fixed sections that have no default value. */
const OPTIONAL_FIELDS: Readonly<Record<string, readonly string[]>> = {
  dataset: ['schema'],
  kafka: ['security'],
  cassandra: ['security'],
};

/** The keys of the optional sections, by path. */
const OPTION_KEYS: Readonly<Record<string, readonly string[]>> = {
  'kafka.security': ['tls', 'sasl', 'certificateSecretArn'],
  'cassandra.security': ['authentication', 'clientTls', 'certificateSecretArn'],
  encryption: ['s3KmsKeyArn', 'ebsKmsKeyArn', 'logsKmsKeyArn', 'secretsKmsKeyArn'],
  alarms: ['enabled', 'snsTopicArn', 'consumerLagMax', 'underReplicatedPartitions', 'unhealthyMembers'],
  snapshots: ['enabled', 'intervalHours', 'retainCount', 'startTime'],
  logs: ['userData', 'retentionDays'],
};

/** Issues for keys of `input` that `PipelineSpec` does not have (top level and fixed sections). */
export function unknownKeyIssues(input: unknown): SpecIssue[] {
  const defaults = defaultSpec() as unknown as Record<string, unknown>;
  const issues = unknownKeys('', input, Object.keys(defaults));
  if (!isRecord(input)) return issues;
  for (const section of FIXED_SECTIONS) {
    // Optional fields that have no default value are known too.
    const optional = OPTIONAL_FIELDS[section] ?? [];
    issues.push(...unknownKeys(section, input[section], [...Object.keys(defaults[section] as object), ...optional]));
  }
  for (const [path, known] of Object.entries(OPTION_KEYS)) {
    const [section, field] = path.split('.') as [string, string | undefined];
    const value = field ? (isRecord(input[section]) ? input[section][field] : undefined) : input[section];
    if (value !== undefined) issues.push(...unknownKeys(path, value, known));
  }
  for (const group of ['producers', 'consumers'] as const) {
    const g = input[group];
    issues.push(...unknownKeys(group, g, GROUP_KEYS));
    if (isRecord(g)) issues.push(...unknownKeys(`${group}.scaling`, g.scaling, SCALING_KEYS));
  }
  return issues;
}

/**
 * yaml's `parse`, loaded on the first YAML document: loading the yaml package takes about 30 ms,
 * which `terratower synth` of the default spec (no file to parse) need not pay (bench/package.ts).
 */
let yamlParse: typeof import('yaml').parse | undefined;
function parseYaml(text: string): unknown {
  yamlParse ??= (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse;
  return yamlParse(text);
}

/** What an empty document (only comments or whitespace) parses to: no fields, the defaults. */
const EMPTY_DOCUMENT: Record<string, never> = Object.freeze({});

/**
 * Parse spec text: JSON when it looks like JSON (or `format` says so), YAML otherwise.
 * @throws SpecError with path `(file)` when the text does not parse or is not a mapping.
 */
export function parseSpecText(text: string, source = 'spec', format?: 'json' | 'yaml'): unknown {
  const asJson = format ? format === 'json' : /^\s*[{[]/.test(text) && source.endsWith('.json');
  let parsed: unknown;
  try {
    parsed = asJson ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new SpecError(
      [{ path: '(file)', message: `cannot parse ${source} as ${asJson ? 'JSON' : 'YAML'}: ${detail}` }],
      source,
    );
  }
  if (parsed === null || parsed === undefined) return EMPTY_DOCUMENT;
  if (!isRecord(parsed)) {
    throw new SpecError(
      [
        {
          path: '(file)',
          message: `${source} must hold a mapping of spec fields (e.g. "kafka: { brokers: 3 }"), got ${Array.isArray(parsed) ? 'a list' : typeof parsed}`,
        },
      ],
      source,
    );
  }
  return parsed;
}

/**
 * Merge a parsed spec document over the defaults and validate it.
 * @throws SpecError listing unknown keys and every validation issue together.
 */
export function specFromInput(input: unknown, source?: string): PipelineSpec {
  const unknown = unknownKeyIssues(input);
  const spec = withDefaults((isRecord(input) ? input : {}) as PipelineSpecInput);
  const issues = [...unknown, ...specIssues(spec)];
  if (issues.length > 0) throw new SpecError(issues, source);
  return spec;
}

/**
 * Read a spec file (`.json`, `.yaml` or `.yml`), merge it over `defaultSpec()` with
 * `withDefaults`, and validate it.
 * @throws SpecError when the file does not parse, has unknown keys, or breaks any rule.
 */
export async function loadSpecFile(path: string): Promise<PipelineSpec> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new SpecError([{ path: '(file)', message: `cannot read ${path} (${code}): check the path` }], path);
  }
  if (text.trim() === '' || parseSpecText(text, path, /\.json$/i.test(path) ? 'json' : 'yaml') === EMPTY_DOCUMENT) {
    throw new SpecError(
      [
        {
          path: '(file)',
          message: `${path} is empty: write only the fields that differ from the defaults (e.g. "kafka: { brokers: 3 }"), or leave out --spec for the default spec`,
        },
      ],
      path,
    );
  }
  const format = /\.json$/i.test(path) ? 'json' : 'yaml';
  return specFromInput(parseSpecText(text, path, format), path);
}
