/** End-to-end latency: stamps, the open-model schedule, histogram quantiles, windows. */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { consumerMetrics } from '../../apps/consumer/metrics.ts';
import { BEHIND_HEADER, readStamps, stampMessages, type StampableMessage } from '../../apps/shared/messages.ts';
import { OpenSchedule } from '../../apps/shared/schedule.ts';
import type { Observation } from '../../src/harness/engine/types.ts';
import {
  bucketDelta,
  histogramBuckets,
  LatencyCollector,
  mergeWindow,
  quantileMs,
} from '../../src/harness/metrics/latency.ts';
import { latencyReport, latencySection } from '../../src/harness/report/latency.ts';
import { parsePrometheus } from '../../src/support/prometheus-text.ts';

describe('latency stamps and the open-model schedule', () => {
  it('stamps produce time and per-record due times, and reads them back', () => {
    const messages: StampableMessage[] = [{}, { headers: { other: 'x' } }];
    stampMessages(messages, 1_000_000, (i) => 999_000 + i * 10);
    // Produced 1 000 ms and 990 ms behind the schedule.
    expect(messages[0]).toEqual({ timestamp: '1000000', headers: { [BEHIND_HEADER]: '1000' } });
    expect(messages[1]).toEqual({ timestamp: '1000000', headers: { other: 'x', [BEHIND_HEADER]: '990' } });
    const read = readStamps({ timestamp: messages[1]!.timestamp!, headers: { [BEHIND_HEADER]: Buffer.from('990') } });
    expect(read).toEqual({ producedMs: 1_000_000, behindMs: 990 });
    // On time or ahead of the schedule: no header, read as 0 behind.
    const early: StampableMessage[] = [{}, { headers: { other: 'x' } }];
    stampMessages(early, 1_000_000, (i) => 1_000_000 + i * 250);
    expect(early).toEqual([{ timestamp: '1000000' }, { timestamp: '1000000', headers: { other: 'x' } }]);
    expect(readStamps({ timestamp: '5' })).toEqual({ producedMs: 5, behindMs: 0 });
    expect(readStamps({ timestamp: '5', headers: { [BEHIND_HEADER]: 'junk' } })).toEqual({
      producedMs: 5,
      behindMs: 0,
    });
  });

  it('records are due on the schedule whatever the sends do; rate 0 means due when sent', () => {
    let now = 10_000;
    const s = new OpenSchedule(() => now);
    s.restart(100); // 100/s: a record every 10 ms
    const a = s.take(50);
    now += 5_000; // the producer stalled 5 s
    const b = s.take(10);
    expect([a(0), a(49), b(0)]).toEqual([10_000, 10_490, 10_500]);
    expect(now - b(0)).toBe(4_500); // behind schedule by 4.5 s
    s.restart(0);
    expect(s.take(3)(2)).toBe(now);
  });
});

describe('latency from histograms', () => {
  const bounds = [0.01, 0.1, 1, Number.POSITIVE_INFINITY];

  it('quantiles interpolate inside a bucket; empty is null; beyond the last bound is the bound', () => {
    expect(quantileMs(bounds, [0, 0, 0, 0], 0.5)).toBeNull();
    expect(quantileMs(bounds, [0, 100, 0, 0], 0.5)).toBe(55); // 10 + 90 × 0.5
    expect(quantileMs(bounds, [98, 1, 1, 0], 0.99)).toBe(100);
    expect(quantileMs(bounds, [0, 0, 0, 5], 0.5)).toBe(1000);
  });

  it('per-member deltas of cumulative buckets, summed; a restarted member starts from 0', () => {
    expect(bucketDelta({ bounds, counts: [5, 10, 10, 10] }, { bounds, counts: [1, 2, 2, 2] })).toEqual([4, 4, 0, 0]);
    expect(bucketDelta({ bounds, counts: [1, 1, 1, 1] }, { bounds, counts: [5, 9, 9, 9] })).toEqual([1, 0, 0, 0]);
  });

  it('a consumer registry scraped twice gives the interval p50/p99 and behind-schedule p99', async () => {
    const reg = new Registry();
    const m = consumerMetrics(reg);
    const collector = new LatencyCollector();
    const scrape = async () => [{ memberId: 'c-1', samples: parsePrometheus(await reg.metrics()) }];
    m.e2eSeconds.observe(0.04); // before the first scrape: not part of any interval
    expect(collector.sample(await scrape())).toBeUndefined();
    for (let i = 0; i < 99; i++) m.e2eSeconds.observe(0.04);
    m.e2eSeconds.observe(8);
    for (let i = 0; i < 100; i++) m.behindScheduleSeconds.observe(i < 98 ? 0 : 2.5);
    const s = collector.sample(await scrape())!;
    expect(s.count).toBe(100);
    expect(s.p50).toBeGreaterThan(30);
    expect(s.p50).toBeLessThanOrEqual(50);
    expect(s.p99).toBeLessThanOrEqual(50);
    expect(s.behindScheduleP99).toBeGreaterThan(2000);
    expect(histogramBuckets(parsePrometheus(await reg.metrics()), 'nope')).toBeUndefined();
  });

  it('windows merge buckets: baseline, during the fault, recovery; the report section shows them', () => {
    const sample = (ms: number, n: number) => {
      const e2e = bounds.map((b, i) => (ms / 1000 <= b && (i === 0 || ms / 1000 > bounds[i - 1]!) ? n : 0));
      return { bounds, e2e, behind: bounds.map(() => 0), count: n, p50: ms, p95: ms, p99: ms, behindScheduleP99: null };
    };
    const obs = (t: number, ms: number): Observation =>
      ({ t: t * 1000, metrics: { latency: sample(ms, 10) } }) as unknown as Observation;
    const observations = [obs(0, 5), obs(1, 5), obs(2, 500), obs(3, 500), obs(4, 50), obs(5, 50)];
    const report = latencyReport(observations, [{ t: 2000, time: '', kind: 'fault', label: 'kill kafka-1' }], {
      faults: [{ fault: 'kill kafka-1', at: 2, groups: ['kafka'], impact: true, detectSeconds: 1, recoverSeconds: 2 }],
      scaling: [],
    })!;
    expect(report.windows.baseline.latency?.count).toBe(20);
    expect(report.windows.fault?.latency?.p99).toBeGreaterThan(100);
    expect(report.windows.recovery?.latency?.p99).toBeLessThanOrEqual(100);
    expect(report.windows.recovery?.latency?.p99).toBeGreaterThan(10);
    expect(report.overall?.count).toBe(60);
    expect(report.series).toHaveLength(6);
    // The drain (load unlimited through the backlog) is in no window.
    const drained = latencyReport(
      observations,
      [
        { t: 2000, time: '', kind: 'fault', label: 'kill kafka-1' },
        { t: 5000, time: '', kind: 'load', label: 'drain unlimited' },
      ],
      {
        faults: [
          { fault: 'kill kafka-1', at: 2, groups: ['kafka'], impact: true, detectSeconds: 1, recoverSeconds: null },
        ],
        scaling: [],
      },
    )!;
    expect(drained.windows.fault).toMatchObject({ from: 2, to: 5 });
    expect(drained.windows.recovery).toBeNull();
    expect(drained.overall?.count).toBe(60);
    // The method stops where the drain starts: 50 records at 5–500 ms, the drain's 10 left out.
    expect(drained.method?.count).toBe(50);
    expect(report.method?.count).toBe(60);
    // A fault the probes never saw fail (a slow zone: recovered at once) lasts until its restore.
    const slowZone = latencyReport(
      observations,
      [
        { t: 2000, time: '', kind: 'fault', label: 'zone b +100 ms', zone: 'b' },
        { t: 4000, time: '', kind: 'restore', label: 'zone b back', zone: 'b' },
        // The rollback's restore later on changes nothing.
        { t: 4500, time: '', kind: 'restore', label: 'zone b back', zone: 'b' },
      ],
      {
        faults: [{ fault: 'zone b +100 ms', at: 2, groups: [], impact: false, detectSeconds: null, recoverSeconds: 0 }],
        scaling: [],
      },
    )!;
    expect(slowZone.windows.fault).toMatchObject({ from: 2, to: 4 });
    expect(slowZone.windows.fault?.latency?.count).toBe(20);
    expect(slowZone.windows.recovery).toMatchObject({ from: 4, to: 5 });
    expect(mergeWindow([undefined])).toBeNull();
    const html = latencySection(report, [], 6);
    expect(html).toContain('during the fault');
    expect(html).toContain('<svg');
    expect(
      latencyReport(
        [obs(0, 5)].map((o) => ({ ...o, metrics: {} }) as unknown as Observation),
        [],
        { faults: [], scaling: [] },
      ),
    ).toBeNull();
  });
});
