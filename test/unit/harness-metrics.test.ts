import { describe, expect, it } from 'vitest';
import { datasetProducedOf, RateCollector } from '../../src/harness/metrics/collector.ts';
import { parsePrometheus, sumOf } from '../../src/support/prometheus-text.ts';
import { recordIdOfRaw, toDeadLetter } from '../../src/harness/ledger/dead-letters.ts';

const producer = (records: number, cpu: number) =>
  parsePrometheus(`# HELP terratower_producer_records_total x
# TYPE terratower_producer_records_total counter
terratower_producer_records_total ${records}
terratower_producer_dead_lettered_total 2
terratower_producer_errors_total{kind="kafka"} 1
terratower_producer_errors_total{kind="s3"} 2
terratower_process_cpu_seconds_total ${cpu}
`);
const consumer = (records: number, lag: number) =>
  parsePrometheus(`terratower_consumer_records_total ${records}
terratower_consumer_lag_records ${lag}
terratower_consumer_dead_lettered_total{kind="bad-message"} 0
`);

describe('prometheus text', () => {
  it('parses labels, escapes, special values; sums label sets', () => {
    const s = parsePrometheus('a{x="1",y="q\\"z"} 3\na{x="2"} 4.5\nb +Inf\n# c 1\nbroken line\nd NaN\n');
    expect(s).toEqual([
      { name: 'a', labels: { x: '1', y: 'q"z' }, value: 3 },
      { name: 'a', labels: { x: '2' }, value: 4.5 },
      { name: 'b', labels: {}, value: Infinity },
    ]);
    expect(sumOf(s, 'a')).toBe(7.5);
    expect(sumOf(s, 'zzz')).toBeUndefined();
  });
});

describe('rate collector', () => {
  it('turns counters into rates per member and sums them; lag from gauges unless measured', () => {
    const c = new RateCollector();
    const first = c.sample(
      [
        { group: 'producers', memberId: 'p1', samples: producer(100, 1) },
        { group: 'consumers', memberId: 'c1', samples: consumer(50, 7) },
      ],
      0,
    );
    expect(first.producedPerSecond).toBe(0); // no previous reading yet: a placeholder, marked unknown
    expect(first.unknown).toEqual(['producedPerSecond', 'consumedPerSecond', 'errorsPerSecond']);
    expect(first.lag).toBe(7);
    const second = c.sample(
      [
        { group: 'producers', memberId: 'p1', samples: producer(300, 1.5) },
        { group: 'consumers', memberId: 'c1', samples: consumer(250, 3) },
      ],
      2000,
    );
    expect(second).toMatchObject({ producedPerSecond: 100, consumedPerSecond: 100, lag: 3, errorsPerSecond: 0 });
    expect(second.unknown).toBeUndefined();
    expect(second.cpuByGroup.producers).toBe(25);
    const third = c.sample([{ group: 'producers', memberId: 'p1', samples: producer(400, 1.5) }], 3000, 42, {
      kafka: 60,
    });
    expect(third).toMatchObject({ producedPerSecond: 100, consumedPerSecond: 0, lag: 42 });
    expect(third.cpuByGroup).toEqual({ producers: 0, kafka: 60 });
  });

  it('a replaced member (counter reset) counts from zero; dead-lettered accumulates', () => {
    const c = new RateCollector();
    c.sample([{ group: 'producers', memberId: 'p1', samples: producer(1000, 1) }], 0);
    const s = c.sample([{ group: 'producers', memberId: 'p1', samples: producer(10, 1) }], 1000);
    expect(s.producedPerSecond).toBe(10);
    const cpuOnly = c.sample([{ group: 'kafka', memberId: 'k1', cpuSeconds: 10 }], 2000);
    expect(cpuOnly.cpuByGroup.kafka).toBeUndefined();
    const cpu = c.sample([{ group: 'kafka', memberId: 'k1', cpuSeconds: 10.5 }], 3000);
    expect(cpu.cpuByGroup.kafka).toBe(50);
  });
});

describe('the dataset produced', () => {
  const dataset = (listed: number, produced: number) =>
    parsePrometheus(`terratower_producer_dataset_objects{state="listed"} ${listed}
terratower_producer_dataset_objects{state="produced"} ${produced}
`);
  it('is true once some producer that answered sees every listed object produced, and only then', () => {
    expect(datasetProducedOf([{ group: 'producers', memberId: 'p1', samples: dataset(8, 7) }])).toBe(false);
    expect(
      datasetProducedOf([
        { group: 'producers', memberId: 'p1', samples: dataset(8, 7) },
        { group: 'producers', memberId: 'p2', samples: dataset(8, 8) },
      ]),
    ).toBe(true);
    // Nothing listed yet is not a finished dataset.
    expect(datasetProducedOf([{ group: 'producers', memberId: 'p1', samples: dataset(0, 0) }])).toBe(false);
    // A producer that did not answer, or a consumer, says nothing; no figure at all is undefined.
    expect(
      datasetProducedOf([
        { group: 'producers', memberId: 'p1' },
        { group: 'consumers', memberId: 'c1', samples: dataset(8, 8) },
      ]),
    ).toBeUndefined();
    const c = new RateCollector();
    expect(c.sample([{ group: 'producers', memberId: 'p1', samples: dataset(4, 4) }], 1000).datasetProduced).toBe(true);
    expect(c.sample([{ group: 'producers', memberId: 'p1', samples: producer(1, 1) }], 2000)).not.toHaveProperty(
      'datasetProduced',
    );
  });
});

describe('unknown is not zero', () => {
  it('a group asked but never answering leaves its figures unknown; a group with no members is a measured 0', () => {
    const c = new RateCollector();
    c.sample(
      [
        { group: 'producers', memberId: 'p1', samples: producer(100, 1) },
        { group: 'consumers', memberId: 'c1', samples: consumer(50, 7) },
      ],
      0,
    );
    // Every scrape gets nothing (a frozen zone, a machine too busy to answer in time).
    const silent = c.sample(
      [
        { group: 'producers', memberId: 'p1' },
        { group: 'consumers', memberId: 'c1' },
      ],
      1000,
    );
    expect(silent.producedPerSecond).toBe(0);
    expect(silent.unknown).toEqual(['producedPerSecond', 'consumedPerSecond', 'lag', 'errorsPerSecond']);
    // Kafka measured the lag: only the rates are unknown.
    const lagOnly = c.sample([{ group: 'consumers', memberId: 'c1' }], 2000, 0);
    expect(lagOnly.unknown).toEqual(['consumedPerSecond']);
    // One of two producers answers: the figure is measured.
    const c2 = new RateCollector();
    c2.sample(
      [
        { group: 'producers', memberId: 'p1', samples: producer(0, 1) },
        { group: 'producers', memberId: 'p2', samples: producer(0, 1) },
      ],
      0,
    );
    const half = c2.sample(
      [
        { group: 'producers', memberId: 'p1', samples: producer(10, 1) },
        { group: 'producers', memberId: 'p2' },
      ],
      1000,
    );
    expect(half.producedPerSecond).toBe(10);
    expect(half.unknown).toBeUndefined();
  });
});

describe('dead letters', () => {
  it('read the record id from a producer CSV line or a consumer data message', () => {
    expect(recordIdOfRaw('rec-1,2024,x', false)).toBe('rec-1');
    expect(recordIdOfRaw('"rec ""q""",2024', false)).toBe('rec "q"');
    expect(recordIdOfRaw(',2024', false)).toBeUndefined();
    expect(recordIdOfRaw(JSON.stringify({ object: 'o', line: 3, fields: ['rec-9', 'x'] }), true)).toBe('rec-9');
    expect(recordIdOfRaw('not json', true)).toBeUndefined();
    const letter = toDeadLetter({
      key: Buffer.from('payments/part-0.csv:7'),
      value: Buffer.from(JSON.stringify({ stage: 'producer', reason: 'amount_usd: not a decimal', raw: 'rec-3,2024' })),
    });
    expect(letter).toEqual({ source: 'payments/part-0.csv:7', reason: 'amount_usd: not a decimal', recordId: 'rec-3' });
    expect(toDeadLetter({ key: null, value: Buffer.from('{oops') })).toEqual({ reason: 'unreadable dead letter' });
  });
});
