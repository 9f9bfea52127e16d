/** Exponential backoff with full jitter, and a retry loop built on it. */

/** How retries wait. */
export interface BackoffPolicy {
  /** First delay, ms. */
  initialMs: number;
  /** Largest delay, ms. */
  maxMs: number;
  /** Growth factor per attempt. */
  multiplier: number;
  /** Fraction of the delay that is randomized (0 = none, 1 = full jitter). */
  jitter: number;
}

/** Default policy: 100 ms, doubling, capped at 10 s, half jitter. */
export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 100, maxMs: 10_000, multiplier: 2, jitter: 0.5 };

/**
 * Delay before retry number `attempt` (0-based): `min(maxMs, initialMs × multiplier^attempt)`,
 * of which a `jitter` fraction is replaced by a uniform random part (`random` in [0, 1)).
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * policy.multiplier ** Math.max(0, attempt));
  const fixed = ceiling * (1 - policy.jitter);
  return Math.round(fixed + ceiling * policy.jitter * random());
}

/** Options of `retry`. */
export interface RetryOptions {
  policy?: BackoffPolicy;
  /** Whether an error is worth retrying; others are rethrown at once. */
  isRetryable: (error: unknown) => boolean;
  /** Give up (rethrow the last error) after this many attempts in total. Default: never. */
  maxAttempts?: number;
  /** Stop retrying when this returns true (e.g. shutting down); the last error is rethrown. */
  shouldStop?: () => boolean;
  /** Called before each wait. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Wait function (tests pass a fake). */
  sleep?: (ms: number) => Promise<void>;
}

/** Promise that resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Run `fn` until it succeeds, retrying retryable errors with backoff. */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const policy = options.policy ?? DEFAULT_BACKOFF;
  const wait = options.sleep ?? sleep;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      const last = options.maxAttempts !== undefined && attempt + 1 >= options.maxAttempts;
      if (!options.isRetryable(error) || last || options.shouldStop?.()) throw error;
      const delay = backoffDelay(policy, attempt);
      options.onRetry?.(error, attempt, delay);
      await wait(delay);
    }
  }
}
