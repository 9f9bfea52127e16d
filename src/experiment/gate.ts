/**
 * Gates: turn a comparison into a CI exit code. A gate is `METRIC[.STAT] OP VALUE` and FAILS
 * when the condition is true:
 *
 * - `recovery.p50 > +20%`  — the candidates' median time to recover is more than 20 % above the
 *   baseline's;
 * - `maxLag.p50 > +500`    — more than 500 records above the baseline's (a signed number: a change);
 * - `lost.max > 0`         — any candidate run lost a record (an unsigned number: an absolute limit);
 * - `passed.min < 1`       — any candidate run failed.
 *
 * Metrics: the run figures (`FIGURES` in src/store) or their aliases (recovery, detection,
 * decide, settle, lag, throughput, latency). Stats: p50 (median, the default), p90, mean, min,
 * max. A gate whose figure is missing on the candidate side (or on the baseline side, for a
 * change) fails: a missing reading is never a pass. Each result carries the bootstrap interval
 * of the difference so the summary can say whether the change is beyond the noise.
 */
import { figureInfo, FIGURES, type FigureInfo, type FigureName, type RunSummary } from '../store/index.ts';
import { bootstrapDifference, formatValue, median, quantile, type Difference } from './stats.ts';

/** Statistic a gate takes over the runs of each side. */
export type GateStat = 'p50' | 'p90' | 'mean' | 'min' | 'max';

/** A parsed gate. */
export interface Gate {
  /** As written. */
  text: string;
  metric: FigureInfo;
  stat: GateStat;
  op: '>' | '>=' | '<' | '<=';
  /** relative: `+20%` of the baseline; delta: `+5` over the baseline; absolute: the candidates' value itself. */
  kind: 'relative' | 'delta' | 'absolute';
  /** The threshold: a fraction for relative (0.2), else in the metric's unit. */
  value: number;
}

/** Thrown for a gate that does not parse; the message says how to write one. */
export class GateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GateError';
  }
}

const ALIASES: Record<string, FigureName> = {
  recovery: 'recover',
  recover: 'recover',
  'time-to-recover': 'recover',
  detect: 'detect',
  detection: 'detect',
  decide: 'scaleOutDecide',
  'scaleout.decide': 'scaleOutDecide',
  settle: 'scaleOutSettle',
  'scaleout.settle': 'scaleOutSettle',
  lag: 'maxLag',
  throughput: 'throughputDuringFault',
  latency: 'latencyP99',
  'latency.p99': 'latencyP99',
};

const STATS: Record<string, GateStat> = { p50: 'p50', median: 'p50', p90: 'p90', mean: 'mean', min: 'min', max: 'max' };

function metricByName(name: string): FigureInfo | undefined {
  const lower = name.toLowerCase();
  const alias = ALIASES[lower];
  if (alias) return figureInfo(alias);
  return FIGURES.find((f) => f.name.toLowerCase() === lower);
}

/** Parse one gate. @throws GateError naming what is wrong and showing the form. */
export function parseGate(text: string): Gate {
  const form = 'write METRIC[.STAT] OP VALUE, e.g. "recovery.p50 > +20%", "lost.max > 0"';
  const m = /^\s*([A-Za-z][A-Za-z0-9._-]*)\s*(>=|<=|>|<)\s*([+-]?)(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(text);
  if (!m) throw new GateError(`gate "${text}" does not parse: ${form}`);
  const [, lhs, op, sign, num, pct] = m as unknown as [string, string, Gate['op'], string, string, string];
  let metric = metricByName(lhs);
  let stat: GateStat = 'p50';
  if (!metric) {
    const dot = lhs.lastIndexOf('.');
    const statName = dot > 0 ? lhs.slice(dot + 1).toLowerCase() : '';
    if (dot > 0 && STATS[statName]) {
      metric = metricByName(lhs.slice(0, dot));
      stat = STATS[statName]!;
    }
  }
  if (!metric)
    throw new GateError(
      `gate "${text}": unknown metric "${lhs}": use one of ${FIGURES.map((f) => f.name).join(', ')} (or recovery, detection, lag, throughput, latency), optionally with .p50/.p90/.mean/.min/.max`,
    );
  const magnitude = Number(num);
  const value = sign === '-' ? -magnitude : magnitude;
  if (pct) return { text: text.trim(), metric, stat, op, kind: 'relative', value: value / 100 };
  return { text: text.trim(), metric, stat, op, kind: sign ? 'delta' : 'absolute', value };
}

/** A statistic of values; NaN for none. */
export function statOf(values: readonly number[], stat: GateStat): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  switch (stat) {
    case 'p50':
      return median(sorted);
    case 'p90':
      return quantile(sorted, 0.9);
    case 'mean':
      return sorted.reduce((a, b) => a + b, 0) / sorted.length;
    case 'min':
      return sorted[0]!;
    case 'max':
      return sorted[sorted.length - 1]!;
  }
}

/** One gate's outcome. */
export interface GateResult {
  gate: Gate;
  failed: boolean;
  /** The candidates' statistic. */
  candidate?: number;
  /** The baseline's statistic (for relative and delta gates). */
  baseline?: number;
  /** What was compared with the threshold: the change (fraction or units) or the value. */
  observed?: number;
  /** Bootstrap interval of the difference of medians, when both sides have values. */
  difference?: Difference;
  /** One line for the summary. */
  summary: string;
}

function holds(a: number, op: Gate['op'], b: number): boolean {
  return op === '>' ? a > b : op === '>=' ? a >= b : op === '<' ? a < b : a <= b;
}

function values(runs: readonly RunSummary[], metric: FigureName): number[] {
  return runs.map((r) => r.figures[metric]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
}

/** Evaluate gates on candidate runs against baseline runs. */
export function evaluateGates(
  gates: readonly Gate[],
  baseline: readonly RunSummary[],
  candidate: readonly RunSummary[],
): GateResult[] {
  return gates.map((gate) => {
    const unit = gate.metric.unit;
    const c = values(candidate, gate.metric.name);
    const b = values(baseline, gate.metric.name);
    const difference = bootstrapDifference(b, c);
    const base: Omit<GateResult, 'failed' | 'summary'> = { gate, ...(difference ? { difference } : {}) };
    if (c.length === 0)
      return {
        ...base,
        failed: true,
        summary: `FAIL ${gate.text}: no candidate run has ${gate.metric.label} (a missing reading is not a pass)`,
      };
    const cv = statOf(c, gate.stat);
    if (gate.kind === 'absolute') {
      const failed = holds(cv, gate.op, gate.value);
      return {
        ...base,
        candidate: cv,
        observed: cv,
        failed,
        summary: `${failed ? 'FAIL' : 'ok'} ${gate.text}: ${gate.metric.label} ${gate.stat} ${formatValue(cv, unit)} over ${c.length} run(s)`,
      };
    }
    if (b.length === 0)
      return {
        ...base,
        candidate: cv,
        failed: true,
        summary: `FAIL ${gate.text}: no baseline run has ${gate.metric.label} to compare with`,
      };
    const bv = statOf(b, gate.stat);
    let observed: number;
    if (gate.kind === 'relative') {
      if (bv === 0) {
        observed = cv === 0 ? 0 : Math.sign(cv) * Number.POSITIVE_INFINITY;
      } else observed = (cv - bv) / Math.abs(bv);
    } else observed = cv - bv;
    const failed = holds(observed, gate.op, gate.value);
    const change =
      gate.kind === 'relative'
        ? Number.isFinite(observed)
          ? `${observed >= 0 ? '+' : ''}${(observed * 100).toFixed(1)} %`
          : 'from 0'
        : `${observed >= 0 ? '+' : ''}${formatValue(observed, unit)}`;
    const noise = difference
      ? difference.significant
        ? `beyond the noise (95 % CI of the difference ${formatValue(difference.low, unit)} to ${formatValue(difference.high, unit)})`
        : `within the noise (95 % CI ${formatValue(difference.low, unit)} to ${formatValue(difference.high, unit)} includes 0)`
      : '';
    return {
      ...base,
      candidate: cv,
      baseline: bv,
      observed,
      failed,
      summary: `${failed ? 'FAIL' : 'ok'} ${gate.text}: ${gate.metric.label} ${gate.stat} ${formatValue(bv, unit)} → ${formatValue(cv, unit)} (${change}; ${b.length} vs ${c.length} runs${noise ? `; ${noise}` : ''})`,
    };
  });
}
