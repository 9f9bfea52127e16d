/** kafkajs client construction shared by both apps: JSON logs instead of kafkajs's own. */
import {
  Kafka,
  logLevel,
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

/** A kafkajs client for `brokers` whose log lines go through `log`. */
export function createKafka(clientId: string, brokers: string[], log: Logger): Kafka {
  const kafkaLog = log.child({ component: 'kafkajs' });
  return new PipelineKafka({
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
