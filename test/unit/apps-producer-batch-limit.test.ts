/** How many rows the producer puts in a batch under a rate limit. */
import { describe, expect, it } from 'vitest';
import { rateLimitedBatchSize } from '../../apps/producer/producer.ts';

describe('rateLimitedBatchSize', () => {
  it('is the maximum at unlimited rate', () => {
    expect(rateLimitedBatchSize(0, 0.3, 16_000)).toBe(16_000);
  });

  it('covers one and a half send times at the rate, so the rate is reachable with one batch in flight', () => {
    // 200/s with 330 ms round trips: 100 rows a batch, sent every ≈ 0.5 s.
    expect(rateLimitedBatchSize(200, 0.33, 16_000)).toBe(99);
    expect(rateLimitedBatchSize(1000, 0.4, 16_000)).toBe(600);
  });

  it('is at least 100 ms worth of the rate and at least one row, and never above the maximum', () => {
    expect(rateLimitedBatchSize(200, 0.001, 16_000)).toBe(20);
    expect(rateLimitedBatchSize(1, 0.001, 16_000)).toBe(1);
    expect(rateLimitedBatchSize(100_000, 2, 16_000)).toBe(16_000);
  });
});
