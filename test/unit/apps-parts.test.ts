import { describe, expect, it } from 'vitest';
import { types } from 'cassandra-driver';
import { classifyWriteError } from '../../apps/consumer/errors.ts';
import { computeLag } from '../../apps/consumer/lag.ts';
import { Semaphore } from '../../apps/consumer/semaphore.ts';
import { consistencyCode, contactOptions, insertCql, insertParams } from '../../apps/consumer/sink.ts';
import { fnv1a, workPartition, WORK_PARTITIONS } from '../../apps/producer/claims.ts';
import { isDataKey } from '../../apps/producer/objects.ts';
import { RateMeter } from '../../apps/shared/metrics.ts';
import { validateFields } from '../../apps/shared/record.ts';

describe('producer parts', () => {
  it('takes only data objects under the prefix', () => {
    expect(isDataKey('payments/part-00000.csv', 'payments/')).toBe(true);
    expect(isDataKey('payments/run1-part-00000.csv.gz', 'payments/')).toBe(true);
    expect(isDataKey('payments/_meta/manifest.json', 'payments/')).toBe(false);
    expect(isDataKey('payments/_meta/x.csv', 'payments/')).toBe(false);
    expect(isDataKey('other/part-00000.csv', 'payments/')).toBe(false);
    expect(isDataKey('payments/notes.txt', 'payments/')).toBe(false);
  });

  it('spreads objects over the work partitions, stably', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    const keys = Array.from({ length: 4800 }, (_, i) => `payments/part-${String(i).padStart(5, '0')}.csv`);
    const counts = new Array<number>(WORK_PARTITIONS).fill(0);
    for (const k of keys) counts[workPartition(k)]!++;
    expect(Math.min(...counts)).toBeGreaterThan(50);
    expect(Math.max(...counts)).toBeLessThan(150);
    expect(workPartition(keys[7]!)).toBe(workPartition(keys[7]!));
  });
});

describe('consumer parts', () => {
  it('computes lag over owned partitions only, from the log start when nothing is committed', () => {
    const lag = computeLag(
      [
        { partition: 0, offset: '90' },
        { partition: 1, offset: '-1' },
        { partition: 2, offset: '5' },
      ],
      [
        { partition: 0, high: '100', low: '0' },
        { partition: 1, high: '50', low: '10' },
        { partition: 2, high: '7', low: '0' },
      ],
      new Set([0, 1]),
    );
    expect([...lag]).toEqual([
      [0, 10],
      [1, 40],
    ]);
  });

  it('classifies write errors', () => {
    const response = (code: number) => Object.assign(new Error('x'), { name: 'ResponseError', code });
    expect(classifyWriteError(response(types.responseErrorCodes.writeTimeout))).toBe('transient');
    expect(classifyWriteError(response(types.responseErrorCodes.unavailableException))).toBe('transient');
    expect(classifyWriteError(response(types.responseErrorCodes.overloaded))).toBe('transient');
    expect(classifyWriteError(Object.assign(new Error('x'), { name: 'NoHostAvailableError' }))).toBe('transient');
    expect(classifyWriteError(Object.assign(new Error('x'), { name: 'OperationTimedOutError' }))).toBe('transient');
    expect(classifyWriteError(response(types.responseErrorCodes.invalid))).toBe('permanent');
    expect(classifyWriteError(new TypeError('not encodable'))).toBe('permanent');
    expect(classifyWriteError(new Error('something new'))).toBe('transient');
  });

  it('maps consistency names and rejects unknown ones', () => {
    expect(consistencyCode('LOCAL_QUORUM')).toBe(types.consistencies.localQuorum);
    expect(consistencyCode('EACH_QUORUM')).toBe(types.consistencies.eachQuorum);
    expect(consistencyCode('ONE')).toBe(types.consistencies.one);
    expect(() => consistencyCode('MOST')).toThrow(/TT_CONSISTENCY=MOST.*LOCAL_QUORUM/);
  });

  it('builds the INSERT and typed parameters', () => {
    expect(insertCql('ks', 't')).toMatch(
      /^INSERT INTO "ks"."t" \("record_id", .*"source_object", "source_line"\) VALUES \((\?, ){15}\?\) USING TIMESTAMP \?$/,
    );
    const result = validateFields([
      'OP-1-1',
      '2023',
      'Covered Recipient Teaching Hospital',
      'TH000001',
      '',
      '',
      'BOSTON',
      'MA',
      'Pfizer Inc.',
      '10.50',
      '2023-01-02',
      'Grant',
      'Cash or cash equivalent',
      '1',
    ]);
    if (!result.ok) throw new Error(result.reason);
    const params = insertParams(result.record, 'p/o.csv', 3);
    expect(params[1]).toBe(2023);
    expect(params[4]).toBeNull();
    expect(params[9]).toBeInstanceOf(types.BigDecimal);
    expect(String(params[9])).toBe('10.50');
    expect(params[10]).toBeInstanceOf(types.LocalDate);
    expect(params.slice(-2)).toEqual(['p/o.csv', 3]);
    expect(contactOptions(['127.0.1.6:9042', '127.0.2.6:9042']).port).toBe(9042);
  });

  it('bounds concurrency with the semaphore', async () => {
    const sem = new Semaphore(3);
    let inFlight = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        sem.run(async () => {
          inFlight++;
          peak = Math.max(peak, inFlight);
          await new Promise((r) => setTimeout(r, 2));
          inFlight--;
        }),
      ),
    );
    expect(peak).toBe(3);
  });
});

describe('RateMeter', () => {
  it('averages over the full seconds of its window', () => {
    let t = 0;
    const meter = new RateMeter(10, () => t);
    for (let s = 0; s < 20; s++) {
      t = s * 1000 + 500;
      meter.mark(100);
    }
    t = 20_000;
    expect(meter.perSecond()).toBe(100);
    t = 40_000;
    expect(meter.perSecond()).toBe(0);
  });
});
