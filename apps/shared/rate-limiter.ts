/**
 * A token bucket for records/s that can be re-rated while running (the harness's load lever).
 * `acquire(n)` resolves when `n` records may be sent. Rate 0 means unlimited.
 */
export class RateLimiter {
  private rate: number;
  private tokens: number;
  private last: number;

  /**
   * @param recordsPerSecond initial rate; 0 = unlimited
   * @param burstSeconds how many seconds of tokens may accumulate (default 0.2 s)
   * @param now clock in ms (tests pass a fake)
   * @param sleep wait function (tests pass a fake)
   */
  constructor(
    recordsPerSecond: number,
    private readonly burstSeconds = 0.2,
    private readonly now: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    RateLimiter.check(recordsPerSecond);
    this.rate = recordsPerSecond;
    this.tokens = 0;
    this.last = this.now();
  }

  private static check(rate: number): void {
    if (!Number.isFinite(rate) || rate < 0) throw new RangeError(`rate must be a non-negative number, got ${rate}`);
  }

  /** Current rate, records/s (0 = unlimited). */
  get recordsPerSecond(): number {
    return this.rate;
  }

  /** Change the rate; takes effect for the next acquire (and for waiting ones within 100 ms). */
  setRate(recordsPerSecond: number): void {
    RateLimiter.check(recordsPerSecond);
    this.refill();
    this.rate = recordsPerSecond;
    this.tokens = Math.min(this.tokens, this.capacity());
  }

  private capacity(): number {
    return Math.max(1, this.rate * this.burstSeconds);
  }

  private refill(): void {
    const t = this.now();
    if (this.rate > 0) this.tokens = Math.min(this.capacity(), this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
  }

  /**
   * Wait until `n` records may go. A request larger than the bucket is let through once the
   * bucket is full and leaves a debt, so big batches still average out to the rate.
   */
  async acquire(n: number): Promise<void> {
    for (;;) {
      if (this.rate === 0) return;
      this.refill();
      const need = Math.min(n, this.capacity());
      if (this.tokens >= need) {
        this.tokens -= n;
        return;
      }
      const waitMs = ((need - this.tokens) / this.rate) * 1000;
      await this.sleep(Math.min(100, Math.max(1, waitMs)));
    }
  }
}
