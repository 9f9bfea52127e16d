import type { Message, RecordMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { sendRounds, unansweredMessages } from '../../apps/producer/send-rounds.ts';

const msg = (partition: number, key: string, bytes = 10): Message => ({
  key,
  value: Buffer.alloc(bytes - key.length),
  partition,
});
const answer = (topicName: string, partition: number): RecordMetadata => ({ topicName, partition, errorCode: 0 });

describe('send rounds', () => {
  it('puts every partition of both topics in one round when each fits', () => {
    const data = new Map([
      [0, [msg(0, 'a'), msg(0, 'b')]],
      [1, [msg(1, 'c')]],
    ]);
    const dead = new Map([[2, [msg(2, 'd')]]]);
    const rounds = sendRounds(
      [
        ['data', data],
        ['dlq', dead],
      ],
      1000,
    );
    expect(rounds).toHaveLength(1);
    expect(rounds[0]!.map((t) => [t.topic, t.messages.map((m) => m.key)])).toEqual([
      ['data', ['a', 'b', 'c']],
      ['dlq', ['d']],
    ]);
  });

  it('spreads a partition over several rounds when it holds more than the limit, in order', () => {
    const data = new Map([
      [0, [msg(0, 'a'), msg(0, 'b'), msg(0, 'c')]],
      [1, [msg(1, 'x')]],
    ]);
    const rounds = sendRounds(
      [
        ['data', data],
        ['dlq', new Map()],
      ],
      20,
    );
    expect(rounds.map((r) => r.flatMap((t) => t.messages.map((m) => `${t.topic}/${m.partition}/${m.key}`)))).toEqual([
      ['data/0/a', 'data/0/b', 'data/1/x'],
      ['data/0/c'],
    ]);
  });

  it('sends nothing for an empty batch', () => {
    expect(
      sendRounds(
        [
          ['data', new Map()],
          ['dlq', new Map()],
        ],
        1000,
      ),
    ).toEqual([]);
  });
});

describe('unanswered messages', () => {
  const sent = [
    { topic: 'data', messages: [msg(0, 'a'), msg(1, 'b'), msg(0, 'c'), msg(2, 'd')] },
    { topic: 'dlq', messages: [msg(0, 'e')] },
  ];

  it('is empty when every partition was answered', () => {
    expect(
      unansweredMessages(sent, [answer('data', 0), answer('data', 1), answer('data', 2), answer('dlq', 0)]),
    ).toEqual([]);
  });

  it('returns the messages of partitions kafkajs skipped, per topic (an answer for data/0 is not one for dlq/0)', () => {
    const missing = unansweredMessages(sent, [answer('data', 0), answer('data', 2)]);
    expect(missing.map((t) => [t.topic, t.messages.map((m) => m.key)])).toEqual([
      ['data', ['b']],
      ['dlq', ['e']],
    ]);
  });

  it('refuses a message without a partition (it could not tell whether it was written)', () => {
    expect(() => unansweredMessages([{ topic: 'data', messages: [{ key: 'k', value: 'v' }] }], [])).toThrow(
      /no partition/,
    );
  });
});
