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
import { installSilentBrokerCut } from './kafkajs-silent-broker.ts';
import type { Logger } from './log.ts';

/**
 * How old a producer's or consumer's metadata may be before a request refreshes it, ms.
 * kafkajs retries a request that timed out against the same broker and refreshes metadata only
 * once it is older than this (5 minutes by default): with a broker frozen (a zone taken out) the
 * retries kept going to it for the whole outage although its partitions had new leaders 9 s in.
 */
export const METADATA_MAX_AGE_MS = 5000;

/** How long a client waits for a broker's answer before it counts the broker as not answering, ms. */
export const REQUEST_TIMEOUT_MS = 12_000;

/**
 * How long a partition leader may hold a produce request waiting for acks=all replicas, ms (the
 * request's `timeout`; kafkajs's default is 30 s). Below `REQUEST_TIMEOUT_MS`, so a leader that
 * waits for a frozen follower to leave the ISR answers (REQUEST_TIMED_OUT, retried) before the
 * client gives up on it: only a broker that really stopped answering reaches the request timeout,
 * and kafkajs-silent-broker.ts can treat that as the broker gone.
 */
export const PRODUCE_ACK_TIMEOUT_MS = 8000;

/**
 * kafkajs's client, with every producer and consumer refreshing metadata after
 * `METADATA_MAX_AGE_MS`, and producers sending with `PRODUCE_ACK_TIMEOUT_MS` unless told otherwise.
 */
class PipelineKafka extends Kafka {
  override producer(config: ProducerConfig = {}): Producer {
    const producer = super.producer({ metadataMaxAge: METADATA_MAX_AGE_MS, ...config });
    const send = producer.send.bind(producer);
    const sendBatch = producer.sendBatch.bind(producer);
    producer.send = (record) => send({ timeout: PRODUCE_ACK_TIMEOUT_MS, ...record });
    producer.sendBatch = (batch) => sendBatch({ timeout: PRODUCE_ACK_TIMEOUT_MS, ...batch });
    return producer;
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

let warnedNotCut = false;

/** kafkajs's own log level: `TT_KAFKAJS_LOG_LEVEL` (error, warn, info, debug; default warn). */
export function kafkajsLogLevel(name = process.env.TT_KAFKAJS_LOG_LEVEL): logLevel {
  switch (name?.toLowerCase()) {
    case 'error':
      return logLevel.ERROR;
    case 'info':
      return logLevel.INFO;
    case 'debug':
      return logLevel.DEBUG;
    default:
      return logLevel.WARN;
  }
}

/** A kafkajs client for `brokers` whose log lines go through `log`; `security` adds TLS and SASL. */
export function createKafka(
  clientId: string,
  brokers: string[],
  log: Logger,
  security: KafkaClientSecurity = {},
): Kafka {
  const kafkaLog = log.child({ component: 'kafkajs' });
  const notCut = installSilentBrokerCut();
  if (notCut && !warnedNotCut) {
    warnedNotCut = true;
    kafkaLog.warn('a broker that stops answering is not cut after a request timeout', { reason: notCut });
  }
  return new PipelineKafka({
    ...kafkaSecurityOptions(security),
    clientId,
    brokers,
    connectionTimeout: 3000,
    // A request to a broker that stopped answering (a zone taken out) hangs until this timeout
    // before kafkajs refreshes metadata and retries where the partition's leader now is. The
    // controller moves leadership after broker.session.timeout.ms (9 s); 30 s (kafkajs's
    // default) left the pipeline standing still for half a minute in the zone-outage scenario.
    requestTimeout: REQUEST_TIMEOUT_MS,
    retry: { initialRetryTime: 200, retries: 10, maxRetryTime: 5000 },
    logLevel: kafkajsLogLevel(),
    logCreator: () => (entry: LogEntry) => {
      const { message, ...rest } = entry.log;
      const fields = { namespace: entry.namespace, ...rest };
      if (entry.level <= logLevel.ERROR) kafkaLog.error(message, fields);
      else if (entry.level === logLevel.WARN) kafkaLog.warn(message, fields);
      else if (entry.level === logLevel.INFO) kafkaLog.info(message, fields);
      else kafkaLog.debug(message, fields);
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
