/**
 * Turns per-member scrapes of the apps' `/metrics` into `MetricsSample`s: counters become rates
 * over the time since the previous sample (per member, so a replaced member's reset counter
 * neither adds nor subtracts), CPU comes from `process_cpu_seconds_total` or from the target.
 */
import type { GroupName } from '../../spec/index.ts';
import type { MeasuredFigure, MetricsSample } from '../../model/target.ts';
import { parsePrometheus, sumOf, type PromSample } from '../../support/prometheus-text.ts';
import { LatencyCollector } from './latency.ts';

/** Metric names the apps export (apps/producer/metrics.ts, apps/consumer/metrics.ts). */
export const APP_METRICS = {
  producerRecords: 'terratower_producer_records_total',
  producerDeadLettered: 'terratower_producer_dead_lettered_total',
  producerErrors: 'terratower_producer_errors_total',
  consumerRecords: 'terratower_consumer_records_total',
  consumerDeadLettered: 'terratower_consumer_dead_lettered_total',
  consumerErrors: 'terratower_consumer_errors_total',
  consumerLag: 'terratower_consumer_lag_records',
  /** Gauge with `state` = `listed` | `produced`: the dataset's objects as a producer sees them. */
  producerDatasetObjects: 'terratower_producer_dataset_objects',
  /** The apps register Node's default metrics with the `terratower_` prefix. */
  cpuSeconds: 'terratower_process_cpu_seconds_total',
  /** Unprefixed name, as other exporters call it. */
  cpuSecondsPlain: 'process_cpu_seconds_total',
} as const;

/** One member's scrape (or its CPU seconds, for members without `/metrics`). */
export interface MemberReading {
  group: GroupName;
  memberId: string;
  /** Parsed `/metrics`, if the member serves it and answered. */
  samples?: PromSample[];
  /** CPU seconds used so far, if known otherwise (the twin's /proc reading, CloudWatch). */
  cpuSeconds?: number;
}

interface Previous {
  at: number;
  counters: Record<string, number>;
}

const COUNTERS = [
  APP_METRICS.producerRecords,
  APP_METRICS.producerDeadLettered,
  APP_METRICS.producerErrors,
  APP_METRICS.consumerRecords,
  APP_METRICS.consumerDeadLettered,
  APP_METRICS.consumerErrors,
  APP_METRICS.cpuSeconds,
] as const;

/** Keeps the previous reading of every member and computes rates. */
export class RateCollector {
  private readonly previous = new Map<string, Previous>();
  private readonly latency = new LatencyCollector();
  private deadLetteredTotal = 0;

  /**
   * Build a sample from this tick's readings. `lag` is the group lag when the caller measured it
   * directly (Kafka admin); otherwise the consumers' own lag gauges are summed.
   * `cpuOverride` gives a group's CPU percent from elsewhere (CloudWatch).
   */
  sample(
    readings: readonly MemberReading[],
    now: number,
    lag?: number,
    cpuOverride: Partial<Record<GroupName, number>> = {},
  ): MetricsSample {
    const rates: Record<string, number> = {};
    const cpuSum: Partial<Record<GroupName, number>> = {};
    const cpuCount: Partial<Record<GroupName, number>> = {};
    let gaugeLag = 0;
    let deadLetteredDelta = 0;
    const seen = new Set<string>();
    // Per app group: members asked, and members that answered with a rate (a previous reading to
    // compare with). A group asked but never answering is unknown, not zero.
    const asked: Partial<Record<GroupName, number>> = {};
    const rated: Partial<Record<GroupName, number>> = {};
    const answered: Partial<Record<GroupName, number>> = {};
    for (const r of readings) {
      seen.add(r.memberId);
      if (r.group === 'producers' || r.group === 'consumers') {
        asked[r.group] = (asked[r.group] ?? 0) + 1;
        if (r.samples) answered[r.group] = (answered[r.group] ?? 0) + 1;
      }
      const counters: Record<string, number> = {};
      if (r.samples) {
        for (const name of COUNTERS) {
          const v = sumOf(r.samples, name);
          if (v !== undefined) counters[name] = v;
        }
        const plainCpu = sumOf(r.samples, APP_METRICS.cpuSecondsPlain);
        if (counters[APP_METRICS.cpuSeconds] === undefined && plainCpu !== undefined)
          counters[APP_METRICS.cpuSeconds] = plainCpu;
      }
      if (r.cpuSeconds !== undefined) counters[APP_METRICS.cpuSeconds] = r.cpuSeconds;
      if (r.samples) gaugeLag += sumOf(r.samples, APP_METRICS.consumerLag) ?? 0;
      const prev = this.previous.get(r.memberId);
      if (prev && now > prev.at) {
        if (r.samples) rated[r.group] = (rated[r.group] ?? 0) + 1;
        const dt = (now - prev.at) / 1000;
        for (const [name, value] of Object.entries(counters)) {
          const before = prev.counters[name];
          if (before === undefined) continue;
          const delta = value >= before ? value - before : value; // a reset counter starts from 0
          if (name === APP_METRICS.cpuSeconds) {
            cpuSum[r.group] = (cpuSum[r.group] ?? 0) + (delta / dt) * 100;
            cpuCount[r.group] = (cpuCount[r.group] ?? 0) + 1;
          } else {
            rates[name] = (rates[name] ?? 0) + delta / dt;
            if (name === APP_METRICS.producerDeadLettered || name === APP_METRICS.consumerDeadLettered)
              deadLetteredDelta += delta;
          }
        }
      }
      if (r.samples || r.cpuSeconds !== undefined) this.previous.set(r.memberId, { at: now, counters });
    }
    for (const id of [...this.previous.keys()]) if (!seen.has(id)) this.previous.delete(id);
    this.deadLetteredTotal += deadLetteredDelta;
    const cpuByGroup: Partial<Record<GroupName, number>> = {};
    for (const g of Object.keys(cpuSum) as GroupName[]) cpuByGroup[g] = round1(cpuSum[g]! / cpuCount[g]!);
    Object.assign(cpuByGroup, cpuOverride);
    const unknown: MeasuredFigure[] = [];
    const silent = (g: 'producers' | 'consumers'): boolean => (asked[g] ?? 0) > 0 && (rated[g] ?? 0) === 0;
    if (silent('producers')) unknown.push('producedPerSecond');
    if (silent('consumers')) unknown.push('consumedPerSecond');
    if (lag === undefined && (asked.consumers ?? 0) > 0 && (answered.consumers ?? 0) === 0) unknown.push('lag');
    if (silent('producers') && silent('consumers')) unknown.push('errorsPerSecond');
    const latency = this.latency.sample(readings.filter((r) => r.group === 'consumers'));
    const datasetProduced = datasetProducedOf(readings);
    return {
      ...(unknown.length > 0 ? { unknown } : {}),
      time: new Date(now).toISOString(),
      producedPerSecond: round1(rates[APP_METRICS.producerRecords] ?? 0),
      consumedPerSecond: round1(rates[APP_METRICS.consumerRecords] ?? 0),
      lag: lag ?? gaugeLag,
      errorsPerSecond: round1((rates[APP_METRICS.producerErrors] ?? 0) + (rates[APP_METRICS.consumerErrors] ?? 0)),
      deadLettered: this.deadLetteredTotal,
      cpuByGroup,
      ...(latency ? { latency } : {}),
      ...(datasetProduced !== undefined ? { datasetProduced } : {}),
    };
  }
}

/**
 * Whether some producer that answered sees the whole dataset produced (listed > 0 and produced ≥
 * listed); `undefined` when none exports the figure.
 */
export function datasetProducedOf(readings: readonly MemberReading[]): boolean | undefined {
  let exported = false;
  for (const r of readings) {
    if (r.group !== 'producers' || !r.samples) continue;
    const state = (name: string): number | undefined =>
      r.samples!.find((s) => s.name === APP_METRICS.producerDatasetObjects && s.labels.state === name)?.value;
    const listed = state('listed');
    const produced = state('produced');
    if (listed === undefined || produced === undefined) continue;
    exported = true;
    if (listed > 0 && produced >= listed) return true;
  }
  return exported ? false : undefined;
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

/** GET a member's `/metrics` with a short timeout; `undefined` when it does not answer (frozen, dead). */
export async function scrape(url: string, timeoutMs = 800): Promise<PromSample[] | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return undefined;
    return parsePrometheus(await res.text());
  } catch {
    return undefined;
  }
}
