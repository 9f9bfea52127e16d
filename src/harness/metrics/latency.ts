/**
 * End-to-end latency from the consumers' histograms (`terratower_consumer_e2e_seconds`,
 * `terratower_consumer_behind_schedule_seconds`): per-member cumulative bucket counts become
 * per-sample deltas, summed over members, and quantiles are read from the summed buckets (linear
 * inside a bucket, as Prometheus's histogram_quantile does). Windows merge the deltas before
 * taking quantiles, so a window's p99 is the p99 of its records, not an average of p99s.
 */
import type { LatencyFigures, LatencySample } from '../../model/target.ts';
import { METRICS } from '../../spec/metric-names.ts';
import type { PromSample } from '../../support/prometheus-text.ts';

export type { LatencyFigures, LatencySample } from '../../model/target.ts';

/** Metric names of the consumers' latency histograms. */
export const LATENCY_METRICS = {
  e2e: METRICS.consumerEndToEndLatency,
  behindSchedule: METRICS.consumerBehindSchedule,
} as const;

/** Cumulative bucket counts of one histogram in one scrape: bounds (seconds, ascending, +Inf last) and counts. */
export interface Buckets {
  bounds: number[];
  counts: number[];
}

/** Read a histogram's cumulative buckets from a scrape (summed over label sets); undefined when absent. */
export function histogramBuckets(samples: readonly PromSample[], name: string): Buckets | undefined {
  const byLe = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${name}_bucket`) continue;
    const le = s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le);
    if (Number.isNaN(le)) continue;
    byLe.set(le, (byLe.get(le) ?? 0) + s.value);
  }
  if (byLe.size === 0) return undefined;
  const bounds = [...byLe.keys()].sort((a, b) => a - b);
  return { bounds, counts: bounds.map((b) => byLe.get(b)!) };
}

/** Per-bucket (non-cumulative) counts between two cumulative readings; a reset counter starts from 0. */
export function bucketDelta(now: Buckets, before: Buckets | undefined): number[] {
  const cumulative =
    before && before.counts.length === now.counts.length && now.counts.every((c, i) => c >= before.counts[i]!)
      ? now.counts.map((c, i) => c - before.counts[i]!)
      : now.counts;
  return cumulative.map((c, i) => c - (i === 0 ? 0 : cumulative[i - 1]!));
}

/** Quantile `q` (0–1) of per-bucket counts, in milliseconds; null when empty. */
export function quantileMs(bounds: readonly number[], counts: readonly number[], q: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total <= 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (c > 0 && seen + c >= rank) {
      const lower = i === 0 ? 0 : bounds[i - 1]!;
      const upper = bounds[i]!;
      // Beyond the last finite bound there is no upper edge: report the bound.
      if (!Number.isFinite(upper)) return round(lower * 1000);
      return round((lower + ((upper - lower) * (rank - seen)) / c) * 1000);
    }
    seen += c;
  }
  return round(bounds.filter(Number.isFinite).at(-1)! * 1000);
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** Figures of per-bucket counts. */
export function figures(bounds: readonly number[], e2e: readonly number[], behind: readonly number[]): LatencyFigures {
  return {
    count: e2e.reduce((a, b) => a + b, 0),
    p50: quantileMs(bounds, e2e, 0.5),
    p95: quantileMs(bounds, e2e, 0.95),
    p99: quantileMs(bounds, e2e, 0.99),
    behindScheduleP99: quantileMs(bounds, behind, 0.99),
  };
}

/** Merge samples (same bounds) into one window's figures; null when no sample has latency. */
export function mergeWindow(samples: readonly (LatencySample | undefined)[]): LatencyFigures | null {
  const present = samples.filter((s): s is LatencySample => s !== undefined);
  const first = present[0];
  if (!first) return null;
  const e2e = first.bounds.map(() => 0);
  const behind = first.bounds.map(() => 0);
  for (const s of present) {
    if (s.bounds.length !== first.bounds.length) continue;
    s.e2e.forEach((c, i) => (e2e[i]! += c));
    s.behind.forEach((c, i) => (behind[i]! += c));
  }
  return figures(first.bounds, e2e, behind);
}

/** Keeps each member's previous histogram reading and turns scrapes into per-interval latency. */
export class LatencyCollector {
  private readonly previous = new Map<string, { e2e?: Buckets; behind?: Buckets }>();

  /** This tick's latency from the members' scrapes (members without the histograms are skipped). */
  sample(readings: readonly { memberId: string; samples?: PromSample[] }[]): LatencySample | undefined {
    let bounds: number[] | undefined;
    let e2e: number[] | undefined;
    let behind: number[] | undefined;
    const seen = new Set<string>();
    for (const r of readings) {
      if (!r.samples) continue;
      const now = histogramBuckets(r.samples, LATENCY_METRICS.e2e);
      if (!now) continue;
      seen.add(r.memberId);
      const nowBehind = histogramBuckets(r.samples, LATENCY_METRICS.behindSchedule);
      const prev = this.previous.get(r.memberId);
      this.previous.set(r.memberId, { e2e: now, ...(nowBehind ? { behind: nowBehind } : {}) });
      // A member's first reading is its baseline: its counts so far belong to no interval.
      if (!prev) continue;
      bounds ??= now.bounds;
      if (now.bounds.length !== bounds.length) continue;
      e2e ??= bounds.map(() => 0);
      behind ??= bounds.map(() => 0);
      bucketDelta(now, prev.e2e).forEach((c, i) => (e2e![i]! += c));
      if (nowBehind && nowBehind.bounds.length === bounds.length)
        bucketDelta(nowBehind, prev.behind).forEach((c, i) => (behind![i]! += c));
    }
    for (const id of [...this.previous.keys()]) if (!seen.has(id)) this.previous.delete(id);
    if (!bounds || !e2e || !behind) return undefined;
    return { ...figures(bounds, e2e, behind), bounds, e2e, behind };
  }
}
