/** kafkajs client construction shared by both apps: JSON logs instead of kafkajs's own. */
import { readFileSync } from 'node:fs';
import {
  Kafka,
  logLevel,
  type KafkaConfig,
  type Consumer,
  type ConsumerConfig,
  type LogEntry,
  type Producer,
  type ProducerConfig,
} from 'kafkajs';
import type { Logger } from './log.ts';

/**
 * How old a producer's or consumer's metadata may be before a request refreshes it, ms.
 * kafkajs retries a request that timed out against the same broker and refreshes metadata only
 * once it is older than this (5 minutes by default): with a broker frozen (a zone taken out) the
 * retries kept going to it for the whole outage although its partitions had new leaders 9 s in.
 */
export const METADATA_MAX_AGE_MS = 5000;

/** kafkajs's client, with every producer and consumer refreshing metadata after `METADATA_MAX_AGE_MS`. */
class PipelineKafka extends Kafka {
  override producer(config: ProducerConfig = {}): Producer {
    return super.producer({ metadataMaxAge: METADATA_MAX_AGE_MS, ...config });
  }

  override consumer(config: ConsumerConfig): Consumer {
    return super.consumer({ metadataMaxAge: METADATA_MAX_AGE_MS, ...config });
  }
}

/** How the apps authenticate to Kafka and whether over TLS (fields of `CommonAppConfig`). */
export interface KafkaClientSecurity {
  /** SASL mechanism; absent: no SASL. */
  kafkaSaslMechanism?: 'scram-sha-512';
  /** SASL username. */
  kafkaSaslUsername?: string;
  /** SASL password. */
  kafkaSaslPassword?: string;
  /** TLS on. */
  kafkaSsl?: boolean;
  /** PEM CA file to trust. */
  kafkaSslCaFile?: string;
}

/** kafkajs's `ssl` and `sasl` options for `security` (empty when none is set, as on the twin). */
export function kafkaSecurityOptions(security: KafkaClientSecurity = {}): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const out: Pick<KafkaConfig, 'ssl' | 'sasl'> = {};
  if (security.kafkaSsl)
    out.ssl = security.kafkaSslCaFile ? { ca: [readFileSync(security.kafkaSslCaFile, 'utf8')] } : true;
  if (security.kafkaSaslMechanism === 'scram-sha-512') {
    if (!security.kafkaSaslUsername || !security.kafkaSaslPassword)
      throw new Error(
        'Kafka SASL scram-sha-512 needs a username and a password (TT_KAFKA_SASL_USERNAME, TT_KAFKA_SASL_PASSWORD)',
      );
    out.sasl = {
      mechanism: 'scram-sha-512',
      username: security.kafkaSaslUsername,
      password: security.kafkaSaslPassword,
    };
  }
  return out;
}

/** A kafkajs client for `brokers` whose log lines go through `log`; `security` adds TLS and SASL. */
export function createKafka(
  clientId: string,
  brokers: string[],
  log: Logger,
  security: KafkaClientSecurity = {},
): Kafka {
  const kafkaLog = log.child({ component: 'kafkajs' });
  return new PipelineKafka({
    ...kafkaSecurityOptions(security),
    clientId,
    brokers,
    connectionTimeout: 3000,
    // A request to a broker that stopped answering (a zone taken out) hangs until this timeout
    // before kafkajs refreshes metadata and retries where the partition's leader now is. The
    // controller moves leadership after broker.session.timeout.ms (9 s); 30 s (kafkajs's
    // default) left the pipeline standing still for half a minute in the zone-outage scenario.
    requestTimeout: 12_000,
    retry: { initialRetryTime: 200, retries: 10, maxRetryTime: 5000 },
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      const { message, ...rest } = entry.log;
      const fields = { namespace: entry.namespace, ...rest };
      if (entry.level <= logLevel.ERROR) kafkaLog.error(message, fields);
      else if (entry.level === logLevel.WARN) kafkaLog.warn(message, fields);
      else kafkaLog.info(message, fields);
    },
  });
}

/** Whether a kafkajs error is worth retrying (kafkajs marks the ones that are not). */
export function isRetriableKafkaError(error: unknown): boolean {
  const e = error as { name?: string; retriable?: boolean } | null;
  if (!e || typeof e !== 'object' || !e.name?.startsWith('KafkaJS')) return false;
  return e.retriable !== false || e.name === 'KafkaJSProtocolError' || e.name === 'KafkaJSNumberOfRetriesExceeded';
}

/**
 * Run a start-up step, retrying kafkajs errors with backoff for up to `maxAttempts` (right after
 * a topic is created, or while a broker restarts, metadata requests fail for a while).
 */
export async function retryKafka<T>(what: string, log: Logger, fn: () => Promise<T>, maxAttempts = 15): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= maxAttempts || !isRetriableKafkaError(error)) throw error;
      const delay = Math.min(5000, 250 * 2 ** attempt);
      log.warn(`${what} failed; retrying`, { error: (error as Error).message, attempt, retryInMs: delay });
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
