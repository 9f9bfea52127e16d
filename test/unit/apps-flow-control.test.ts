import { describe, expect, it } from 'vitest';
import { backoffDelay, retry, type BackoffPolicy } from '../../apps/shared/backoff.ts';
import { RateLimiter } from '../../apps/shared/rate-limiter.ts';

/** A fake clock: sleeping advances time. */
function fakeClock(): { now: () => number; sleep: (ms: number) => Promise<void>; slept: number[] } {
  let t = 0;
  const slept: number[] = [];
  return {
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
    slept,
  };
}

describe('RateLimiter', () => {
  it('holds a steady rate over many acquisitions', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(1000, 0.2, clock.now, clock.sleep);
    for (let i = 0; i < 100; i++) await limiter.acquire(100); // 10 000 records
    // 10 000 records at 1000/s take ~10 s of (fake) time.
    expect(clock.now()).toBeGreaterThan(9_500);
    expect(clock.now()).toBeLessThan(10_500);
  });

  it('lets batches larger than the bucket through, then repays the debt', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(100, 0.2, clock.now, clock.sleep);
    for (let i = 0; i < 10; i++) await limiter.acquire(500);
    expect(clock.now()).toBeGreaterThan(40_000);
    expect(clock.now()).toBeLessThan(51_000);
  });

  it('is unlimited at rate 0 and can be re-rated while running', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(0, 0.2, clock.now, clock.sleep);
    await limiter.acquire(1_000_000);
    expect(clock.now()).toBe(0);
    limiter.setRate(50);
    expect(limiter.recordsPerSecond).toBe(50);
    for (let i = 0; i < 10; i++) await limiter.acquire(10);
    expect(clock.now()).toBeGreaterThan(1_500);
    expect(() => limiter.setRate(-1)).toThrow(RangeError);
    expect(() => limiter.setRate(Number.NaN)).toThrow(RangeError);
  });
});

describe('backoff', () => {
  const policy: BackoffPolicy = { initialMs: 100, maxMs: 2000, multiplier: 2, jitter: 0.5 };

  it('grows exponentially up to the cap, jitter within bounds', () => {
    expect([0, 1, 2, 3, 4, 5].map((a) => backoffDelay(policy, a, () => 0))).toEqual([50, 100, 200, 400, 800, 1000]);
    expect([0, 1, 5].map((a) => backoffDelay(policy, a, () => 0.999999))).toEqual([100, 200, 2000]);
    expect(backoffDelay({ ...policy, jitter: 0 }, 3)).toBe(800);
  });

  it('retries retryable errors, rethrows others and stops when asked', async () => {
    const slept: number[] = [];
    const sleep = async (ms: number): Promise<void> => {
      slept.push(ms);
    };
    let calls = 0;
    const value = await retry(
      async () => {
        if (++calls < 4) throw new Error('timeout');
        return 'done';
      },
      { policy: { ...policy, jitter: 0 }, isRetryable: (e) => (e as Error).message === 'timeout', sleep },
    );
    expect(value).toBe('done');
    expect(slept).toEqual([100, 200, 400]);

    await expect(
      retry(
        async () => {
          throw new Error('invalid');
        },
        { isRetryable: () => false, sleep },
      ),
    ).rejects.toThrow('invalid');
    let stop = false;
    await expect(
      retry(
        async () => {
          stop = true;
          throw new Error('timeout');
        },
        { isRetryable: () => true, shouldStop: () => stop, sleep },
      ),
    ).rejects.toThrow('timeout');
    let n = 0;
    await expect(
      retry(
        async () => {
          n++;
          throw new Error('t');
        },
        { isRetryable: () => true, maxAttempts: 3, sleep },
      ),
    ).rejects.toThrow('t');
    expect(n).toBe(3);
  });
});
