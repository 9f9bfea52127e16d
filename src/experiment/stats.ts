/**
 * Statistics that hold on a noisy machine: per metric and variant the median with a bootstrap
 * 95 % confidence interval, and the difference of medians between two variants with its own
 * bootstrap interval. A difference is claimed only where its interval excludes zero; otherwise
 * the verdict is "no difference detected at N repetitions".
 *
 * Percentile bootstrap, resampling each variant's runs independently (with replacement), with a
 * seeded generator so a comparison gives the same intervals every time it is drawn. With very
 * few runs (2–3) the bootstrap interval is narrow-biased: the report says how many runs each
 * figure rests on, and the gate's thresholds should leave room for that.
 */
import { seededRandom, type Random } from '../harness/engine/random.ts';
import { FIGURES, type FigureInfo, type FigureName } from '../store/index.ts';

/** Options of the bootstrap. */
export interface BootstrapOptions {
  /** Resamples. @default 4000 */
  resamples?: number;
  /** Confidence level. @default 0.95 */
  confidence?: number;
  /** Seed of the resampling. @default 1 */
  seed?: number;
}

/** A point estimate with its interval. */
export interface Estimate {
  /** Median of the values. */
  median: number;
  /** Lower and upper bounds of the confidence interval. */
  low: number;
  high: number;
  /** Values it rests on. */
  n: number;
}

/** The median (mean of the two middle values for an even count). NaN for no values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The q-quantile (0..1) of sorted values, linear interpolation (type 7, as R's default). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

function resampleMedian(values: readonly number[], random: Random): number {
  const pick = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) pick[i] = values[Math.floor(random() * values.length)]!;
  return median(pick);
}

/** Median with a percentile-bootstrap confidence interval. Undefined for no values. */
export function bootstrapMedian(values: readonly number[], options: BootstrapOptions = {}): Estimate | undefined {
  if (values.length === 0) return undefined;
  const resamples = options.resamples ?? 4000;
  const alpha = 1 - (options.confidence ?? 0.95);
  const random = seededRandom(options.seed ?? 1);
  const medians: number[] = [];
  for (let b = 0; b < resamples; b++) medians.push(resampleMedian(values, random));
  medians.sort((a, b) => a - b);
  return {
    median: median(values),
    low: quantile(medians, alpha / 2),
    high: quantile(medians, 1 - alpha / 2),
    n: values.length,
  };
}

/** Difference of medians (b − a) with its interval, and relative to a's median. */
export interface Difference {
  /** median(b) − median(a). */
  delta: number;
  low: number;
  high: number;
  /** delta / |median(a)| (undefined when median(a) is 0). */
  relative?: number;
  relativeLow?: number;
  relativeHigh?: number;
  /** The interval excludes zero. */
  significant: boolean;
}

/**
 * Bootstrap the difference of medians b − a, resampling each side independently. Undefined when
 * either side has no values.
 */
export function bootstrapDifference(
  a: readonly number[],
  b: readonly number[],
  options: BootstrapOptions = {},
): Difference | undefined {
  if (a.length === 0 || b.length === 0) return undefined;
  const resamples = options.resamples ?? 4000;
  const alpha = 1 - (options.confidence ?? 0.95);
  const random = seededRandom(options.seed ?? 1);
  const deltas: number[] = [];
  for (let i = 0; i < resamples; i++) deltas.push(resampleMedian(b, random) - resampleMedian(a, random));
  deltas.sort((x, y) => x - y);
  const ma = median(a);
  const delta = median(b) - ma;
  const low = quantile(deltas, alpha / 2);
  const high = quantile(deltas, 1 - alpha / 2);
  const out: Difference = { delta, low, high, significant: low > 0 || high < 0 };
  if (ma !== 0) {
    out.relative = delta / Math.abs(ma);
    out.relativeLow = low / Math.abs(ma);
    out.relativeHigh = high / Math.abs(ma);
  }
  return out;
}

/** Per-variant values of one metric. */
export type Samples = Record<string, readonly (number | null | undefined)[]>;

/** One metric compared across variants. */
export interface MetricComparison {
  metric: FigureInfo;
  /** Per variant: the estimate (undefined when no run had the figure) and how many runs lacked it. */
  variants: { name: string; estimate?: Estimate; missing: number; values: number[] }[];
  /** Each other variant against the baseline (the first). */
  differences: { baseline: string; variant: string; difference?: Difference; verdict: string; worse?: boolean }[];
}

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 1) return Number(v.toFixed(1)).toString();
  return Number(v.toFixed(2)).toString();
}

/** Fewest runs per variant for which a difference is ever claimed (one run has no spread to measure). */
export const MIN_RUNS_FOR_CLAIM = 2;

/** "12.3 s" / "4 records". */
export function formatValue(v: number, unit: string): string {
  return unit === '0/1' ? fmt(v) : `${fmt(v)} ${unit}`;
}

/**
 * The sentence for one difference: "rf2 is worse than rf3 on time to recover by 8.1 s (95 % CI
 * 2.0 s to 14.5 s)" where the interval excludes zero; otherwise "no difference detected at N
 * repetitions".
 */
export function verdictOf(
  metric: FigureInfo,
  baseline: string,
  variant: string,
  d: Difference | undefined,
  n: { baseline: number; variant: number },
): { text: string; worse?: boolean } {
  if (!d) return { text: `not measured in both (${baseline}: ${n.baseline} runs, ${variant}: ${n.variant} runs)` };
  if (n.baseline < MIN_RUNS_FOR_CLAIM || n.variant < MIN_RUNS_FOR_CLAIM)
    return {
      text: `cannot tell from ${Math.min(n.baseline, n.variant)} run(s) on one side: an interval needs at least ${MIN_RUNS_FOR_CLAIM} per variant`,
    };
  if (!d.significant) {
    const reps = n.baseline === n.variant ? `${n.baseline}` : `${n.baseline} and ${n.variant}`;
    return { text: `no difference detected at ${reps} repetitions` };
  }
  const higher = d.delta > 0;
  const worse = metric.better === 'lower' ? higher : !higher;
  const rel = d.relative !== undefined ? ` (${d.relative > 0 ? '+' : ''}${(d.relative * 100).toFixed(0)} %)` : '';
  return {
    worse,
    text: `${variant} is ${worse ? 'worse' : 'better'} than ${baseline} on ${metric.label} by ${formatValue(Math.abs(d.delta), metric.unit)}${rel} (95 % CI ${formatValue(d.low, metric.unit)} to ${formatValue(d.high, metric.unit)})`,
  };
}

/**
 * Compare every metric across variants (the first variant is the baseline). Metrics no run of
 * any variant had are left out.
 */
export function compareMetrics(
  samplesByMetric: Partial<Record<FigureName, Samples>>,
  variantOrder: readonly string[],
  options: BootstrapOptions = {},
): MetricComparison[] {
  const out: MetricComparison[] = [];
  FIGURES.forEach((metric, mi) => {
    const samples = samplesByMetric[metric.name];
    if (!samples) return;
    const variants = variantOrder.map((name, vi) => {
      const raw = samples[name] ?? [];
      const values = raw.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
      const estimate = bootstrapMedian(values, { ...options, seed: (options.seed ?? 1) + mi * 101 + vi });
      return { name, values, missing: raw.length - values.length, ...(estimate ? { estimate } : {}) };
    });
    if (variants.every((v) => v.values.length === 0)) return;
    const base = variants[0]!;
    const differences = variants.slice(1).map((v, k) => {
      const difference = bootstrapDifference(base.values, v.values, {
        ...options,
        seed: (options.seed ?? 1) + mi * 101 + 50 + k,
      });
      const verdict = verdictOf(metric, base.name, v.name, difference, {
        baseline: base.values.length,
        variant: v.values.length,
      });
      return {
        baseline: base.name,
        variant: v.name,
        ...(difference ? { difference } : {}),
        verdict: verdict.text,
        ...(verdict.worse !== undefined ? { worse: verdict.worse } : {}),
      };
    });
    out.push({ metric, variants, differences });
  });
  return out;
}
