/**
 * A linear replacement for kafkajs 2.2.4's `groupMessagesPerPartition`, which builds each
 * partition's list with `[...current, message]` for every message: quadratic copies and garbage
 * in the messages per partition and send (fixed upstream in tulios/kafkajs PR #1576, never
 * released). With ~1 300 messages per partition per send that cost ~4 µs a row plus GC; the
 * replacement took the producer app from 0.85–0.96× to 0.99–1.19× ProducerPerformance in one
 * twin session (bench/producer-variants.ts).
 *
 * kafkajs's producer takes the function with `require('./groupMessagesPerPartition')` when its
 * module loads, so `installLinearGrouping` puts ours in Node's module cache under that file's
 * name before then: main.ts calls it before anything loads kafkajs. Same result object, same
 * order of messages within a partition.
 */
import type { Message, PartitionMetadata } from 'kafkajs';
import { kafkajsFile, replaceKafkajsModule } from '../shared/kafkajs-replace.ts';

/** kafkajs's grouping: partition → the messages for it, in send order (its partitioner decides). */
export type GroupMessagesPerPartition = (args: {
  topic: string;
  partitionMetadata: PartitionMetadata[];
  messages: Message[];
  partitioner: (args: { topic: string; partitionMetadata: PartitionMetadata[]; message: Message }) => number;
}) => Record<number, Message[]>;

/** The linear grouping (what kafkajs's does, without the copies). */
export const groupMessagesPerPartition: GroupMessagesPerPartition = ({
  topic,
  partitionMetadata,
  messages,
  partitioner,
}) => {
  const result: Record<number, Message[]> = {};
  if (partitionMetadata.length === 0) return result;
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    (result[partition] ??= []).push(message);
  }
  return result;
};

/** The module files involved, resolved from here. */
export function kafkajsFiles(): { grouping: string; sendMessages: string } {
  return { grouping: kafkajsFile(GROUPING), sendMessages: kafkajsFile(SEND_MESSAGES) };
}

const GROUPING = 'src/producer/groupMessagesPerPartition.js';
const SEND_MESSAGES = 'src/producer/sendMessages.js';

/**
 * Make kafkajs's producer use `implementation`. Returns why it did not (another kafkajs version,
 * or kafkajs's producer already loaded), undefined when it did.
 */
export function installLinearGrouping(
  implementation: GroupMessagesPerPartition = groupMessagesPerPartition,
): string | undefined {
  return replaceKafkajsModule(GROUPING, implementation, SEND_MESSAGES);
}
