import { describe, expect, it } from 'vitest';
import {
  consumerEnv,
  producerEnv,
  readConsumerConfig,
  readProducerConfig,
  type ConsumerConfig,
  type ProducerConfig,
} from '../../apps/shared/config.ts';

const producer: ProducerConfig = {
  memberId: 'producers-1',
  zone: 'a',
  kafkaBrokers: ['127.0.1.1:9092', '127.0.2.1:9092'],
  topic: 'payments',
  deadLetterTopic: 'payments.dlq',
  httpHost: '127.0.0.1',
  httpPort: 9401,
  s3Endpoint: 'http://127.0.0.1:5000',
  region: 'eu-west-1',
  bucket: 'bkt',
  prefix: 'payments/',
  ratePerSecond: 500,
};
const consumer: ConsumerConfig = {
  memberId: 'consumers-1',
  zone: 'a',
  kafkaBrokers: ['127.0.1.1:9092'],
  topic: 'payments',
  deadLetterTopic: 'payments.dlq',
  httpHost: '127.0.0.1',
  httpPort: 9402,
  groupId: 'g',
  cassandraContactPoints: ['127.0.1.2:9042'],
  cassandraDataCenter: 'eu-west-1',
  keyspace: 'ks',
  table: 't',
  consistency: 'QUORUM',
};

describe('app configuration', () => {
  it('round-trips through the environment', () => {
    expect(readProducerConfig(producerEnv(producer))).toEqual(producer);
    expect(readConsumerConfig(consumerEnv(consumer))).toEqual(consumer);
  });

  it('names every missing variable', () => {
    expect(() => readProducerConfig({})).toThrow(/TT_MEMBER_ID.*TT_KAFKA_BROKERS.*TT_TOPIC.*TT_DLQ_TOPIC.*TT_BUCKET/);
    expect(() => readConsumerConfig({ ...consumerEnv(consumer), TT_GROUP_ID: '' })).toThrow(/TT_GROUP_ID/);
  });

  it('rejects a rate that is not a non-negative number', () => {
    expect(() => readProducerConfig({ ...producerEnv(producer), TT_RATE: 'fast' })).toThrow(/TT_RATE=fast/);
    expect(() => readProducerConfig({ ...producerEnv(producer), TT_RATE: '-5' })).toThrow(/TT_RATE/);
  });
});
