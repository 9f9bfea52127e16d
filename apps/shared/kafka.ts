/** kafkajs client construction shared by both apps: JSON logs instead of kafkajs's own. */
import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { Logger } from './log.ts';

/** A kafkajs client for `brokers` whose log lines go through `log`. */
export function createKafka(clientId: string, brokers: string[], log: Logger): Kafka {
  const kafkaLog = log.child({ component: 'kafkajs' });
  return new Kafka({
    clientId,
    brokers,
    connectionTimeout: 3000,
    requestTimeout: 30_000,
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
