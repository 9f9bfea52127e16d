import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/harness/engine/random.ts';
import { bootstrapDifference, bootstrapMedian, compareMetrics, median, quantile } from '../../src/experiment/stats.ts';

/** Normal samples by Box–Muller from a seeded stream. */
function normal(seed: number, n: number, mean: number, sd: number): number[] {
  const r = seededRandom(seed);
  return Array.from({ length: n }, () => {
    const u = 1 - r();
    const v = r();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  });
}

describe('statistics', () => {
  it('median and quantiles on known samples', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([1, 2, 3, 4, 100])).toBe(3);
    expect(Number.isNaN(median([]))).toBe(true);
    expect(quantile([0, 10], 0.25)).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.5)).toBe(3);
  });

  it('a constant sample has a zero-width interval at its value', () => {
    expect(bootstrapMedian([7, 7, 7])).toEqual({ median: 7, low: 7, high: 7, n: 3 });
    expect(bootstrapMedian([])).toBeUndefined();
  });

  it('is deterministic for a seed', () => {
    const xs = normal(5, 9, 10, 2);
    expect(bootstrapMedian(xs, { seed: 3 })).toEqual(bootstrapMedian(xs, { seed: 3 }));
    const ci = bootstrapMedian(xs)!;
    expect(ci.low).toBeLessThanOrEqual(ci.median);
    expect(ci.high).toBeGreaterThanOrEqual(ci.median);
  });

  it('covers the true median about 95 % of the time (n = 25, 400 synthetic samples)', () => {
    let covered = 0;
    const trials = 400;
    for (let t = 0; t < trials; t++) {
      const ci = bootstrapMedian(normal(1000 + t, 25, 50, 10), { resamples: 1000, seed: t })!;
      if (ci.low <= 50 && 50 <= ci.high) covered++;
    }
    // Percentile bootstrap of the median at n = 25 covers a little under or over 95 %.
    expect(covered / trials).toBeGreaterThan(0.88);
    expect(covered / trials).toBeLessThan(0.995);
  });

  it('finds a real difference (10 vs 20, sd 1) with the interval around 10', () => {
    const d = bootstrapDifference(normal(1, 10, 10, 1), normal(2, 10, 20, 1))!;
    expect(d.significant).toBe(true);
    expect(d.delta).toBeGreaterThan(8.5);
    expect(d.delta).toBeLessThan(11.5);
    expect(d.low).toBeGreaterThan(7);
    expect(d.high).toBeLessThan(13);
    expect(d.relative).toBeCloseTo(d.delta / Math.abs(median(normal(1, 10, 10, 1))), 10);
  });

  it('claims no difference for two samples of one distribution', () => {
    const d = bootstrapDifference(normal(11, 8, 30, 5), normal(12, 8, 30, 5))!;
    expect(d.significant).toBe(false);
    expect(d.low).toBeLessThan(0);
    expect(d.high).toBeGreaterThan(0);
  });

  it('false positives stay near 5 % over many same-distribution comparisons (n = 15)', () => {
    let claims = 0;
    const trials = 200;
    for (let t = 0; t < trials; t++) {
      const d = bootstrapDifference(normal(5000 + t, 15, 100, 20), normal(9000 + t, 15, 100, 20), {
        resamples: 800,
        seed: t,
      })!;
      if (d.significant) claims++;
    }
    expect(claims / trials).toBeLessThan(0.12);
  });

  it('words verdicts by the metric direction, and only where the interval excludes zero', () => {
    const cmp = compareMetrics(
      {
        recover: { rf3: [10, 11, 12, 10.5, 11.5], rf2: [20, 21, 22, 20.5, 21.5] },
        throughputDuringFault: { rf3: [100, 101, 99, 100, 102], rf2: [150, 151, 149, 152, 150] },
        lost: { rf3: [0, 0, 0, 0, 0], rf2: [0, 0, 0, 0, 0] },
        detect: { rf3: [null, null], rf2: [null, 3] },
      },
      ['rf3', 'rf2'],
    );
    const by = Object.fromEntries(cmp.map((c) => [c.metric.name, c.differences[0]!]));
    expect(by.recover!.verdict).toMatch(/^rf2 is worse than rf3 on time to recover by 10 s \(\+91 %\) \(95 % CI/);
    expect(by.recover!.worse).toBe(true);
    expect(by.throughputDuringFault!.verdict).toMatch(/^rf2 is better than rf3 on throughput during fault by 50/);
    expect(by.lost!.verdict).toBe('no difference detected at 5 repetitions');
    expect(by.detect!.verdict).toMatch(/not measured in both \(rf3: 0 runs, rf2: 1 runs\)/);
    const detect = cmp.find((c) => c.metric.name === 'detect')!;
    expect(detect.variants[0]!.missing).toBe(2);
    expect(cmp.find((c) => c.metric.name === 'maxLag')).toBeUndefined();
  });
});
