import { createRequire } from 'node:module';
import { Partitioners, type Message, type PartitionMetadata } from 'kafkajs';
import { describe, expect, it, vi } from 'vitest';
import {
  groupMessagesPerPartition,
  installLinearGrouping,
  kafkajsFiles,
  type GroupMessagesPerPartition,
} from '../../apps/producer/kafkajs-grouping.ts';

const require = createRequire(import.meta.url);
const metadata = (n: number): PartitionMetadata[] =>
  Array.from({ length: n }, (_, i) => ({
    partitionErrorCode: 0,
    partitionId: i,
    leader: i % 3,
    replicas: [0],
    isr: [0],
  }));

describe("kafkajs's message grouping, linear", () => {
  it('gives what kafkajs 2.2.4 gives: same partitions, same order within each', () => {
    const original = require(kafkajsFiles().grouping) as GroupMessagesPerPartition;
    const partitioner = Partitioners.DefaultPartitioner();
    for (const n of [0, 1, 7, 500]) {
      // Keyed, preset partitions and keyless (round-robin: the same counter sequence for both).
      const messages: Message[] = Array.from({ length: n }, (_, i) =>
        i % 3 === 0
          ? { key: `k-${i}`, value: `v${i}` }
          : i % 3 === 1
            ? { key: null, value: `v${i}`, partition: i % 5 }
            : { key: `x${i}`, value: null },
      );
      const args = { topic: 't', partitionMetadata: metadata(12), messages, partitioner };
      expect(groupMessagesPerPartition(args)).toEqual(original(args));
    }
    expect(
      groupMessagesPerPartition({ topic: 't', partitionMetadata: [], messages: [{ value: 'v' }], partitioner }),
    ).toEqual({});
  });

  it("is what kafkajs's sendMessages uses once installed before it loads", async () => {
    const files = kafkajsFiles();
    const saved = { grouping: require.cache[files.grouping], sendMessages: require.cache[files.sendMessages] };
    const spy = vi.fn(groupMessagesPerPartition);
    try {
      delete require.cache[files.sendMessages];
      delete require.cache[files.grouping];
      expect(installLinearGrouping(spy)).toBeUndefined();
      expect(require(files.grouping)).toBe(spy);
      const createSendMessages = require(files.sendMessages) as (
        deps: unknown,
      ) => (request: unknown) => Promise<unknown[]>;
      // kafkajs's producer after this install: a fake cluster with one broker that answers every produce.
      const produced: unknown[] = [];
      const broker = {
        nodeId: 0,
        produce: async ({
          topicData,
        }: {
          topicData: { topic: string; partitions: { partition: number; messages: Message[] }[] }[];
        }) => {
          produced.push(topicData);
          return {
            topics: topicData.map((t) => ({
              topicName: t.topic,
              partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode: 0, baseOffset: '0' })),
            })),
          };
        },
      };
      const send = createSendMessages({
        logger: { debug() {}, error() {} },
        cluster: {
          refreshMetadataIfNecessary: async () => {},
          addMultipleTargetTopics: async () => {},
          findTopicPartitionMetadata: () => metadata(3),
          findLeaderForPartitions: (_topic: string, partitions: string[]) => ({ 0: partitions.map(Number) }),
          findBroker: async () => broker,
          isConnected: () => true,
        },
        partitioner: Partitioners.DefaultPartitioner(),
        eosManager: {
          acquireBrokerLock: async () => {},
          releaseBrokerLock: async () => {},
          isTransactional: () => false,
          getSequence: () => 0,
          updateSequence: () => {},
          getProducerId: () => -1,
          getProducerEpoch: () => 0,
        },
        retrier: (fn: (bail: (e: unknown) => never, retries: number, time: number) => Promise<unknown>) =>
          fn(
            (e) => {
              throw e;
            },
            0,
            0,
          ),
      });
      const messages = [
        { value: 'a', partition: 2 },
        { value: 'b', partition: 0 },
        { value: 'c', partition: 2 },
      ];
      const acked = await send({ acks: -1, topicMessages: [{ topic: 't', messages }] });
      expect(spy).toHaveBeenCalledTimes(1);
      expect(acked).toHaveLength(2);
      expect(produced).toEqual([
        [
          {
            topic: 't',
            partitions: [
              { partition: 0, firstSequence: 0, messages: [messages[1]] },
              { partition: 2, firstSequence: 0, messages: [messages[0], messages[2]] },
            ],
          },
        ],
      ]);
      // Too late once kafkajs's producer is loaded: says so instead of pretending.
      expect(installLinearGrouping()).toMatch(/loaded before/);
    } finally {
      for (const [name, file] of [
        ['grouping', files.grouping],
        ['sendMessages', files.sendMessages],
      ] as const) {
        if (saved[name]) require.cache[file] = saved[name];
        else delete require.cache[file];
      }
    }
  });
});
