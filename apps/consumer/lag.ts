/**
 * Lag of the partitions this member owns: high watermark − committed offset (the log start when
 * nothing is committed yet), from the admin client every few seconds.
 */
import type { Admin } from 'kafkajs';
import type { Logger } from '../shared/log.ts';
import type { ConsumerMetrics } from './metrics.ts';

/** Lag per partition from the group's committed offsets and the topic's watermarks. */
export function computeLag(
  committed: { partition: number; offset: string }[],
  watermarks: { partition: number; high: string; low: string }[],
  owned: ReadonlySet<number>,
): Map<number, number> {
  const committedBy = new Map(committed.map((c) => [c.partition, BigInt(c.offset)]));
  const lag = new Map<number, number>();
  for (const w of watermarks) {
    if (!owned.has(w.partition)) continue;
    const high = BigInt(w.high);
    const c = committedBy.get(w.partition);
    const from = c === undefined || c < 0n ? BigInt(w.low) : c;
    lag.set(w.partition, Number(high > from ? high - from : 0n));
  }
  return lag;
}

/** Polls lag and publishes it on the metrics. */
export class LagMonitor {
  private timer: NodeJS.Timeout | undefined;
  private owned = new Set<number>();

  constructor(
    private readonly admin: Admin,
    private readonly groupId: string,
    private readonly topic: string,
    private readonly metrics: ConsumerMetrics,
    private readonly log: Logger,
    private readonly intervalMs = 5000,
  ) {}

  /** Set the partitions this member owns (from the group's assignment). */
  setOwned(partitions: Iterable<number>): void {
    this.owned = new Set(partitions);
    this.metrics.partitions.set(this.owned.size);
  }

  /** Read lag once and publish it. */
  async poll(): Promise<Map<number, number>> {
    const [groupOffsets, watermarks] = await Promise.all([
      this.admin.fetchOffsets({ groupId: this.groupId, topics: [this.topic] }),
      this.admin.fetchTopicOffsets(this.topic),
    ]);
    const committed = groupOffsets.find((t) => t.topic === this.topic)?.partitions ?? [];
    const lag = computeLag(committed, watermarks, this.owned);
    this.metrics.partitionLag.reset();
    let sum = 0;
    for (const [partition, value] of lag) {
      this.metrics.partitionLag.set({ partition: String(partition) }, value);
      sum += value;
    }
    this.metrics.lag.set(sum);
    return lag;
  }

  /** Poll every interval until stopped. */
  start(): void {
    const tick = (): void => {
      this.poll()
        .catch((error: unknown) => {
          this.metrics.errors.inc({ kind: 'lag-poll' });
          this.log.warn('lag poll failed', { error });
        })
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, this.intervalMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Stop polling. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
