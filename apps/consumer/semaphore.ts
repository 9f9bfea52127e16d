/** A counting semaphore: bounds the Cassandra writes in flight across all batches. */
export class Semaphore {
  private available: number;
  private readonly queue: (() => void)[] = [];

  constructor(permits: number) {
    if (!Number.isInteger(permits) || permits < 1)
      throw new RangeError(`permits must be a positive integer, got ${permits}`);
    this.available = permits;
  }

  /** Run `fn` holding one permit. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.available > 0) this.available--;
    else await new Promise<void>((resolve) => this.queue.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.available++;
    }
  }
}
