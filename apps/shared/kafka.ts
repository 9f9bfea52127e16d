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
