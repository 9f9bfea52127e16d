/**
 * The apps' configuration contract. On AWS it reaches an instance as environment variables written
 * by user data; locally the twin passes the same variables to the child process. Both sides build
 * the variables with `producerEnv`/`consumerEnv` and the apps read them with `readProducerConfig`/
 * `readConsumerConfig`, so the two can never drift apart.
 */
import { checkSchema, schemaProblemLines, type DatasetSchema } from './schema.ts';

/** Settings both apps share. */
export interface CommonAppConfig {
  /** This member's id, e.g. `consumers-3`. */
  memberId: string;
  /** Zone the member runs in. */
  zone: string;
  /** Kafka bootstrap servers, `host:port`. */
  kafkaBrokers: string[];
  /** Data topic. */
  topic: string;
  /** Dead-letter topic. */
  deadLetterTopic: string;
  /** Address the `/healthz`, `/metrics` and `/admin` HTTP server binds to. */
  httpHost: string;
  /** Port of that server. */
  httpPort: number;
  /** The dataset's own schema (TT_SCHEMA, JSON); absent: the payments record. */
  schema?: DatasetSchema;
  /** SASL mechanism for Kafka (AWS with `kafka.security.sasl`); absent: no SASL (the twin). */
  kafkaSaslMechanism?: 'scram-sha-512';
  /** SASL username (user data reads it from the run's secret at boot). Required with a mechanism. */
  kafkaSaslUsername?: string;
  /** SASL password (likewise). Required with a mechanism. */
  kafkaSaslPassword?: string;
  /** Connect to Kafka over TLS. @default false */
  kafkaSsl?: boolean;
  /** PEM file of the CA that signed the brokers' certificate; absent: the system's trust store. */
  kafkaSslCaFile?: string;
}

/** Producer: S3 objects → Kafka. */
export interface ProducerConfig extends CommonAppConfig {
  /** S3 endpoint URL; empty means the region's real S3 endpoint. */
  s3Endpoint: string;
  /** AWS region. */
  region: string;
  /** Dataset bucket. */
  bucket: string;
  /** Dataset key prefix. */
  prefix: string;
  /** Records per second this instance produces at start; 0 means unlimited. */
  ratePerSecond: number;
}

/** Consumer: Kafka → Cassandra. */
export interface ConsumerConfig extends CommonAppConfig {
  /** Kafka consumer group id. */
  groupId: string;
  /** Cassandra contact points, `host:port`. */
  cassandraContactPoints: string[];
  /** Cassandra data center of this member (the region). */
  cassandraDataCenter: string;
  /** Keyspace. */
  keyspace: string;
  /** Table. */
  table: string;
  /** Consistency level of the writes. */
  consistency: string;
  /** Cassandra username (PlainTextAuthProvider); absent: no authentication (the twin). */
  cassandraUsername?: string;
  /** Cassandra password. Required with a username. */
  cassandraPassword?: string;
  /** Connect to Cassandra over TLS. @default false */
  cassandraSsl?: boolean;
  /** PEM file of the CA that signed the nodes' certificate; absent: the system's trust store. */
  cassandraSslCaFile?: string;
}

const KEYS = {
  memberId: 'TT_MEMBER_ID',
  zone: 'TT_ZONE',
  kafkaBrokers: 'TT_KAFKA_BROKERS',
  topic: 'TT_TOPIC',
  deadLetterTopic: 'TT_DLQ_TOPIC',
  httpHost: 'TT_HTTP_HOST',
  httpPort: 'TT_HTTP_PORT',
  s3Endpoint: 'TT_S3_ENDPOINT',
  region: 'AWS_REGION',
  bucket: 'TT_BUCKET',
  prefix: 'TT_PREFIX',
  ratePerSecond: 'TT_RATE',
  groupId: 'TT_GROUP_ID',
  cassandraContactPoints: 'TT_CASSANDRA_CONTACT_POINTS',
  cassandraDataCenter: 'TT_CASSANDRA_DC',
  keyspace: 'TT_KEYSPACE',
  table: 'TT_TABLE',
  consistency: 'TT_CONSISTENCY',
  schema: 'TT_SCHEMA',
  kafkaSaslMechanism: 'TT_KAFKA_SASL_MECHANISM',
  kafkaSaslUsername: 'TT_KAFKA_SASL_USERNAME',
  kafkaSaslPassword: 'TT_KAFKA_SASL_PASSWORD',
  kafkaSsl: 'TT_KAFKA_SSL',
  kafkaSslCaFile: 'TT_KAFKA_SSL_CA_FILE',
  cassandraUsername: 'TT_CASSANDRA_USERNAME',
  cassandraPassword: 'TT_CASSANDRA_PASSWORD',
  cassandraSsl: 'TT_CASSANDRA_SSL',
  cassandraSslCaFile: 'TT_CASSANDRA_SSL_CA_FILE',
} as const;

type Env = Record<string, string | undefined>;

function toEnv(config: object): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [field, value] of Object.entries(config)) {
    const key = KEYS[field as keyof typeof KEYS];
    if (!key) throw new Error(`apps/shared/config: no environment variable for field "${field}"`);
    if (value === undefined) continue;
    env[key] =
      field === 'schema'
        ? `base64:${Buffer.from(JSON.stringify(value)).toString('base64')}` // env files cannot carry quotes
        : Array.isArray(value)
          ? value.join(',')
          : String(value);
  }
  return env;
}

/** Environment variables that configure a producer instance. */
export function producerEnv(config: ProducerConfig): Record<string, string> {
  return toEnv(config);
}

/** Environment variables that configure a consumer instance. */
export function consumerEnv(config: ConsumerConfig): Record<string, string> {
  return toEnv(config);
}

/** `{[key]: value}` when value is defined, else `{}` (optional fields stay absent, not undefined). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

class EnvReader {
  private readonly missing: string[] = [];
  constructor(private readonly env: Env) {}

  string(field: keyof typeof KEYS, fallback?: string): string {
    const value = this.env[KEYS[field]];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    this.missing.push(KEYS[field]);
    return '';
  }

  list(field: keyof typeof KEYS): string[] {
    return this.string(field)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }

  number(field: keyof typeof KEYS, fallback: number): number {
    const raw = this.string(field, String(fallback));
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) {
      throw new Error(`${KEYS[field]}=${raw} is not a non-negative number; set it to e.g. ${fallback}`);
    }
    return value;
  }

  /**
   * TT_SCHEMA: a `DatasetSchema` as JSON, or `base64:` and the JSON in base64 (what `toEnv`
   * writes: env files cannot carry quotes), checked; absent means the payments record.
   */
  schema(): DatasetSchema | undefined {
    const raw = this.env[KEYS.schema];
    if (raw === undefined || raw.trim() === '') return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.startsWith('base64:') ? Buffer.from(raw.slice(7), 'base64').toString('utf8') : raw);
    } catch {
      throw new Error(`${KEYS.schema} is not JSON; set it to the spec's dataset.schema as JSON, or unset it`);
    }
    const problems = checkSchema(parsed);
    if (problems.length > 0) throw new Error(`${KEYS.schema}: ${schemaProblemLines(problems).join('; ')}`);
    return parsed as DatasetSchema;
  }

  /** An optional variable: undefined when unset or empty. */
  optionalString(field: keyof typeof KEYS): string | undefined {
    const value = this.env[KEYS[field]];
    return value === undefined || value === '' ? undefined : value;
  }

  /** An optional `true`/`false`; anything else is an error naming the variable. */
  optionalBool(field: keyof typeof KEYS): boolean | undefined {
    const value = this.optionalString(field);
    if (value === undefined) return undefined;
    if (value === 'true' || value === 'false') return value === 'true';
    throw new Error(`${KEYS[field]}=${value} is not true or false; set it to true, false, or unset it`);
  }

  /** A username/password pair: both or neither; a lone one is an error naming the other. */
  credentials(user: keyof typeof KEYS, password: keyof typeof KEYS): [string, string] | undefined {
    const u = this.optionalString(user);
    const p = this.optionalString(password);
    if (u === undefined && p === undefined) return undefined;
    if (u === undefined || p === undefined)
      throw new Error(
        `${KEYS[u === undefined ? user : password]} is missing: set it beside ${KEYS[u === undefined ? password : user]}, or unset both`,
      );
    return [u, p];
  }

  done(app: string): void {
    if (this.missing.length > 0) {
      throw new Error(
        `${app}: missing environment variable(s) ${this.missing.join(', ')}; ` +
          'set them (user data on AWS, the twin locally) — see apps/shared/config.ts',
      );
    }
  }
}

function readCommon(r: EnvReader): CommonAppConfig {
  return {
    memberId: r.string('memberId'),
    zone: r.string('zone', 'local'),
    kafkaBrokers: r.list('kafkaBrokers'),
    topic: r.string('topic'),
    deadLetterTopic: r.string('deadLetterTopic'),
    httpHost: r.string('httpHost', '0.0.0.0'),
    httpPort: r.number('httpPort', 9400),
    ...optional('schema', r.schema()),
    ...readKafkaSecurity(r),
  };
}

/** The optional Kafka security settings (AWS with `kafka.security`); none of them on the twin. */
function readKafkaSecurity(r: EnvReader): Partial<CommonAppConfig> {
  const mechanism = r.optionalString('kafkaSaslMechanism');
  if (mechanism !== undefined && mechanism !== 'scram-sha-512')
    throw new Error(`${KEYS.kafkaSaslMechanism}=${mechanism} is not supported; set it to scram-sha-512, or unset it`);
  const creds = r.credentials('kafkaSaslUsername', 'kafkaSaslPassword');
  if (mechanism !== undefined && creds === undefined)
    throw new Error(
      `${KEYS.kafkaSaslMechanism} is set but ${KEYS.kafkaSaslUsername} and ${KEYS.kafkaSaslPassword} are not: set both (user data reads them from the run's secret)`,
    );
  return {
    ...(mechanism !== undefined ? { kafkaSaslMechanism: mechanism } : {}),
    ...(creds ? { kafkaSaslUsername: creds[0], kafkaSaslPassword: creds[1] } : {}),
    ...optional('kafkaSsl', r.optionalBool('kafkaSsl')),
    ...optional('kafkaSslCaFile', r.optionalString('kafkaSslCaFile')),
  };
}

/** Read and check a producer's configuration; throws naming every missing variable. */
export function readProducerConfig(env: Env = process.env): ProducerConfig {
  const r = new EnvReader(env);
  const config: ProducerConfig = {
    ...readCommon(r),
    s3Endpoint: r.string('s3Endpoint', ''),
    region: r.string('region', 'us-east-1'),
    bucket: r.string('bucket'),
    prefix: r.string('prefix', ''),
    ratePerSecond: r.number('ratePerSecond', 0),
  };
  r.done('producer');
  return config;
}

/** Read and check a consumer's configuration; throws naming every missing variable. */
export function readConsumerConfig(env: Env = process.env): ConsumerConfig {
  const r = new EnvReader(env);
  const config: ConsumerConfig = {
    ...readCommon(r),
    groupId: r.string('groupId'),
    cassandraContactPoints: r.list('cassandraContactPoints'),
    cassandraDataCenter: r.string('cassandraDataCenter'),
    keyspace: r.string('keyspace'),
    table: r.string('table'),
    consistency: r.string('consistency', 'LOCAL_QUORUM'),
  };
  const creds = r.credentials('cassandraUsername', 'cassandraPassword');
  if (creds) {
    config.cassandraUsername = creds[0];
    config.cassandraPassword = creds[1];
  }
  const ssl = r.optionalBool('cassandraSsl');
  if (ssl !== undefined) config.cassandraSsl = ssl;
  const ca = r.optionalString('cassandraSslCaFile');
  if (ca !== undefined) config.cassandraSslCaFile = ca;
  r.done('consumer');
  return config;
}
