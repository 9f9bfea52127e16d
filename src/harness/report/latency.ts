/**
 * The report's latency: end-to-end p50/p95/p99 per sample as a series, and merged over three
 * windows — baseline (start → first fault), during the fault (first fault → the last fault's
 * recovery or the last restore, whichever is later, or the end of the method when one never
 * recovered) and recovery (→ the end of the method). The drain after the method (load unlimited through the backlog) is in the series and
 * `overall`, in no window. Runs without faults have only the baseline window.
 */
import type { ScenarioEvent } from '../engine/events.ts';
import type { RecoveryFigures } from '../engine/recovery.ts';
import type { Observation } from '../engine/types.ts';
import { mergeWindow, type LatencyFigures } from '../metrics/latency.ts';
import { esc, lineChart, type ChartMarker } from './svg.ts';

/** One window's figures. */
export interface LatencyWindow {
  /** Seconds since the run started. */
  from: number;
  to: number;
  /** Null when no record was written in the window. */
  latency: LatencyFigures | null;
}

/** report.json's `latency`. Milliseconds. */
export interface LatencyReport {
  /** Every record written during the run, the drain included. */
  overall: LatencyFigures | null;
  /** Every record written during the method (baseline, fault and recovery; not the drain): what experiments compare. */
  method: LatencyFigures | null;
  windows: { baseline: LatencyWindow; fault: LatencyWindow | null; recovery: LatencyWindow | null };
  /** Per sample: seconds since start and that second's figures (null where nothing was written). */
  series: { t: number; p50: number | null; p95: number | null; p99: number | null; behindScheduleP99: number | null }[];
}

const r1 = (ms: number): number => Math.round(ms / 100) / 10;

/** Build the latency report; null when no sample carried latency (consumers without the histograms). */
export function latencyReport(
  observations: readonly Observation[],
  events: readonly ScenarioEvent[],
  recovery: RecoveryFigures,
): LatencyReport | null {
  if (!observations.some((o) => o.metrics.latency)) return null;
  const end = observations.at(-1)!.t;
  const faults = events.filter((e) => e.kind === 'fault');
  const firstFault = faults[0]?.t;
  const window = (from: number, to: number): LatencyWindow => ({
    from: r1(from),
    to: r1(to),
    latency: mergeWindow(observations.filter((o) => o.t >= from && o.t < to).map((o) => o.metrics.latency)),
  });
  // The drain after the method runs flat out through a backlog: its latency is no recovery figure.
  const drain = events.find((e) => e.kind === 'load' && e.label.startsWith('drain'))?.t;
  const methodEnd = Math.min(drain ?? end + 1, end + 1);
  let windows: LatencyReport['windows'];
  if (firstFault === undefined || firstFault >= methodEnd) {
    windows = { baseline: window(0, methodEnd), fault: null, recovery: null };
  } else {
    const recovered = recovery.faults.map((f) => (f.recoverSeconds === null ? null : (f.at + f.recoverSeconds) * 1000));
    // A zone fault lasts until the first restore of that zone after it (a rollback's later one
    // changes nothing), also when the probes never saw it fail (a slow zone).
    const restored = faults.flatMap((f) => {
      const restore = events.find(
        (e) => e.kind === 'restore' && f.zone !== undefined && e.zone === f.zone && e.t >= f.t,
      );
      return restore ? [restore.t] : [];
    });
    const faultEnd = Math.min(
      methodEnd,
      Math.max(firstFault, ...restored, ...(recovered.includes(null) ? [methodEnd] : (recovered as number[]))),
    );
    windows = {
      baseline: window(0, firstFault),
      fault: window(firstFault, faultEnd),
      recovery: faultEnd < methodEnd ? window(faultEnd, methodEnd) : null,
    };
  }
  return {
    overall: mergeWindow(observations.map((o) => o.metrics.latency)),
    method: mergeWindow(observations.filter((o) => o.t < methodEnd).map((o) => o.metrics.latency)),
    windows,
    series: observations.map((o) => ({
      t: Math.round(o.t / 100) / 10,
      p50: o.metrics.latency?.p50 ?? null,
      p95: o.metrics.latency?.p95 ?? null,
      p99: o.metrics.latency?.p99 ?? null,
      behindScheduleP99: o.metrics.latency?.behindScheduleP99 ?? null,
    })),
  };
}

const fmt = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : `${v.toFixed(1)}`);

/** The report's latency section: a chart of p50/p95/p99 per second and the windows table. */
export function latencySection(l: LatencyReport | null | undefined, markers: ChartMarker[], tMax: number): string {
  if (!l)
    return '<p class="muted">No latency: the consumers exported no end-to-end histogram (an older consumer build).</p>';
  const line = (key: 'p50' | 'p95' | 'p99' | 'behindScheduleP99'): [number, number][] =>
    l.series.map((p) => [p.t, p[key] ?? Number.NaN]);
  const chart = lineChart({
    title: 'End-to-end latency (produce → durable write), per second',
    unit: 'ms',
    tMax,
    height: 260,
    markers,
    markerLabels: false,
    lines: [
      { name: 'p50', color: '#2ca02c', points: line('p50') },
      { name: 'p95', color: '#ff7f0e', points: line('p95') },
      { name: 'p99', color: '#d62728', points: line('p99') },
      { name: 'producer behind schedule p99', color: '#7f7f7f', points: line('behindScheduleP99'), dashed: true },
    ],
  });
  const windows: [string, LatencyWindow | null][] = [
    ['baseline', l.windows.baseline],
    ['during the fault', l.windows.fault],
    ['recovery', l.windows.recovery],
  ];
  const rows = windows
    .flatMap(([name, w]): [string, LatencyWindow][] => (w ? [[name, w]] : []))
    .map(
      ([name, w]) =>
        `<tr><td>${esc(name)}</td><td class="num">${w.from.toFixed(0)}–${w.to.toFixed(0)} s</td><td class="num">${w.latency?.count ?? 0}</td><td class="num">${fmt(w.latency?.p50)}</td><td class="num">${fmt(w.latency?.p95)}</td><td class="num">${fmt(w.latency?.p99)}</td><td class="num">${fmt(w.latency?.behindScheduleP99)}</td></tr>`,
    )
    .join('');
  return `<div class="chart">${chart}</div>
<table><tr><th>window</th><th>seconds</th><th>records</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>behind schedule p99 ms</th></tr>${rows}</table>
<p class="muted">Each record carries its produce time (Kafka CreateTime) and the time it was due on the producer's open-model schedule; the consumers record produce → write acknowledged at the configured consistency, and produce − due. Percentiles are read from histogram buckets (interpolated inside a bucket); a window's percentiles are those of its records.</p>`;
}
