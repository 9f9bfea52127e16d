/**
 * How a batch goes to Kafka: as few `sendBatch` calls as possible (kafkajs makes one produce
 * request per broker for each), and a check that kafkajs answered for every partition it was given.
 */
import type { Message, RecordMetadata, TopicMessages } from 'kafkajs';
import { chunkBySize } from './batch.ts';

/**
 * The `sendBatch` calls ("rounds") for messages grouped by topic and partition: round i holds the
 * i-th run of at most `maxBytes` of every partition. kafkajs puts a partition's messages of one
 * send in one record batch, which the broker refuses above `message.max.bytes`, so a partition
 * with more than `maxBytes` in a batch spreads over several rounds; usually there is one.
 */
export function sendRounds(
  byTopic: ReadonlyArray<readonly [string, ReadonlyMap<number, Message[]>]>,
  maxBytes: number,
): TopicMessages[][] {
  const rounds: TopicMessages[][] = [];
  for (const [topic, byPartition] of byTopic) {
    for (const messages of byPartition.values()) {
      chunkBySize(messages, maxBytes).forEach((chunk, i) => {
        const round = (rounds[i] ??= []);
        const last = round[round.length - 1];
        if (last?.topic === topic) last.messages.push(...chunk);
        else round.push({ topic, messages: [...chunk] });
      });
    }
  }
  return rounds;
}

/**
 * The messages of `sent` whose partition has no entry in `answered` (what `sendBatch` resolved
 * with). Every message must carry its partition. kafkajs 2.2.4 retries a multi-broker send by
 * re-sending only to the brokers that have not answered yet, computed from refreshed metadata: a
 * partition whose leader moved to a broker that had already answered is skipped, and the send
 * still resolves. Those partitions are missing from the answer; their messages were not written.
 */
export function unansweredMessages(sent: TopicMessages[], answered: RecordMetadata[]): TopicMessages[] {
  const done = new Set(answered.map((r) => `${r.topicName}\u0000${r.partition}`));
  const missing: TopicMessages[] = [];
  for (const { topic, messages } of sent) {
    const left = messages.filter((m) => {
      if (typeof m.partition !== 'number')
        throw new Error(`a message for ${topic} has no partition: the batch builder sets one on every message`);
      return !done.has(`${topic}\u0000${m.partition}`);
    });
    if (left.length > 0) missing.push({ topic, messages: left });
  }
  return missing;
}
