/** prom-client helpers shared by the apps. */
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/** A registry with the process metrics (CPU, memory, event loop) and `app`/`member` default labels. */
export function createRegistry(app: string, member: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ app, member });
  collectDefaultMetrics({ register: registry, prefix: 'terratower_' });
  return registry;
}

/**
 * Events per second over a sliding window (default 10 s, in 1 s buckets), for the `…_per_second`
 * gauges: a scrape every few seconds sees a smooth rate without PromQL.
 */
export class RateMeter {
  private readonly buckets: number[];
  private readonly stamps: number[];

  constructor(
    private readonly windowSeconds = 10,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.buckets = new Array<number>(windowSeconds).fill(0);
    this.stamps = new Array<number>(windowSeconds).fill(-1);
  }

  /** Count `n` events now. */
  mark(n = 1): void {
    const second = Math.floor(this.now() / 1000);
    const i = second % this.windowSeconds;
    if (this.stamps[i] !== second) {
      this.stamps[i] = second;
      this.buckets[i] = 0;
    }
    this.buckets[i]! += n;
  }

  /** Events per second over the last full window seconds (the current second excluded). */
  perSecond(): number {
    const second = Math.floor(this.now() / 1000);
    let sum = 0;
    for (let i = 0; i < this.windowSeconds; i++) {
      const s = this.stamps[i]!;
      if (s < second && s > second - this.windowSeconds) sum += this.buckets[i]!;
    }
    return sum / (this.windowSeconds - 1);
  }

  /** A gauge on `registry` that reads this meter at scrape time. */
  gauge(registry: Registry, name: string, help: string): Gauge {
    const meter = this;
    return new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(meter.perSecond());
      },
    });
  }
}
