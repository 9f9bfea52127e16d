/**
 * A comparison of stored runs grouped into variants: per-metric statistics (./stats.ts), the
 * fairness facts (same machine, dataset, versions, revision; the layout per variant) with
 * differences flagged, and the runs with their reports. `terratower experiment run` builds one
 * from an experiment's runs; `terratower runs compare` from any runs.
 */
import type { ScenarioEvent } from '../harness/engine/events.ts';
import type { Ledger } from '../harness/ledger/ledger.ts';
import type { SeriesPoint } from '../harness/report/series.ts';
import { FIGURES, type FigureName, type RunRecord, type RunSummary } from '../store/index.ts';
import { compareMetrics, median, type BootstrapOptions, type MetricComparison, type Samples } from './stats.ts';

/** The run's metric series (empty when it was stored without detail). */
export function seriesOf(run: RunRecord): SeriesPoint[] {
  return Array.isArray(run.detail?.series) ? (run.detail.series as SeriesPoint[]) : [];
}

/** The run's events (faults, load changes, scaling). */
export function eventsOf(run: RunRecord): ScenarioEvent[] {
  return Array.isArray(run.detail?.events) ? (run.detail.events as ScenarioEvent[]) : [];
}

/** The run's ledger, if it has one. */
export function ledgerOf(run: RunRecord): Ledger | undefined {
  const l = run.detail?.ledger;
  return l && typeof l === 'object' ? (l as Ledger) : undefined;
}

/** One fact compared across variants. */
export interface FairnessFact {
  /** What: "machine", "Kafka version", "layout: kafka.replicationFactor". */
  fact: string;
  /** Per variant, the value(s) its runs had ("a, b" when they differ within the variant). */
  values: Record<string, string>;
  /** The variants (or runs within one) did not all have the same value. */
  differs: boolean;
  /** A difference the comparison is about (the variants' spec layout) rather than an unfairness. */
  byDesign: boolean;
}

/** A group of runs compared as one variant. */
export interface ComparedGroup {
  name: string;
  runs: RunSummary[];
}

/** A whole comparison. */
export interface Comparison {
  title: string;
  generatedAt: string;
  /** The first group: the others are compared against it. */
  baseline: string;
  groups: ComparedGroup[];
  metrics: MetricComparison[];
  fairness: FairnessFact[];
  /** How the runs were scheduled, when they came from one experiment. */
  mode?: string;
  modeReason?: string;
  experimentId?: string;
}

/** Options of `buildComparison`. */
export interface ComparisonOptions extends BootstrapOptions {
  title: string;
  /** Group of a run (default: its experiment variant, else its id). */
  groupOf?: (run: RunSummary) => string;
  /** Group order (default: first appearance). The first is the baseline. */
  order?: readonly string[];
  mode?: string;
  modeReason?: string;
  experimentId?: string;
}

/** The group a run belongs to by default: its variant, else its own id. */
export function defaultGroupOf(run: RunSummary): string {
  return run.experiment?.variant ?? run.id;
}

const LAYOUT_PATHS: readonly string[] = [
  'kafka.brokers',
  'kafka.partitions',
  'kafka.replicationFactor',
  'kafka.minInSyncReplicas',
  'cassandra.nodes',
  'cassandra.replicationFactor',
  'cassandra.consistency',
  'producers.desired',
  'producers.max',
  'consumers.min',
  'consumers.desired',
  'consumers.max',
  'consumers.scaling.targetTracking.target',
  'consumers.scaling.cooldownSeconds',
  'local.timeScale',
  'zones',
];

function at(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function show(v: unknown): string {
  if (v === undefined || v === null) return '—';
  if (Array.isArray(v)) return v.join(' ');
  return String(v);
}

/** Compare runs: statistics per metric and variant, fairness facts. Runs should carry detail for the dataset fact. */
export function buildComparison(runs: readonly RunRecord[], options: ComparisonOptions): Comparison {
  const groupOf = options.groupOf ?? defaultGroupOf;
  const order = [...(options.order ?? [])];
  for (const r of runs) if (!order.includes(groupOf(r))) order.push(groupOf(r));
  const groups: ComparedGroup[] = order.map((name) => ({
    name,
    runs: runs.filter((r) => groupOf(r) === name).map(({ detail: _d, ...s }) => s),
  }));
  const samples: Partial<Record<FigureName, Samples>> = {};
  for (const f of FIGURES) {
    const byGroup: Samples = {};
    let any = false;
    for (const g of groups) {
      byGroup[g.name] = g.runs.map((r) => {
        const v = r.figures[f.name];
        if (v !== undefined) any = true;
        return v ?? null;
      });
    }
    if (any) samples[f.name] = byGroup;
  }
  const boot: BootstrapOptions = {};
  if (options.resamples !== undefined) boot.resamples = options.resamples;
  if (options.confidence !== undefined) boot.confidence = options.confidence;
  if (options.seed !== undefined) boot.seed = options.seed;
  const metrics = compareMetrics(samples, order, boot);

  const fairness: FairnessFact[] = [];
  const fact = (name: string, pick: (r: RunRecord) => string, byDesign = false): void => {
    const values: Record<string, string> = {};
    const all = new Set<string>();
    for (const g of order) {
      const vals = [...new Set(runs.filter((r) => groupOf(r) === g).map(pick))];
      vals.forEach((v) => all.add(v));
      values[g] = vals.join(', ');
    }
    fairness.push({ fact: name, values, differs: all.size > 1, byDesign });
  };
  const m = (r: RunRecord) => r.provenance?.machine;
  fact('scenario', (r) => r.scenario);
  fact('target', (r) => r.target);
  fact('machine', (r) =>
    m(r)
      ? `${m(r)!.hostname}: ${m(r)!.cores} cores, ${m(r)!.cpuModel}, ${Math.round(m(r)!.memoryMiB / 1024)} GiB`
      : '—',
  );
  fact('Node.js', (r) => m(r)?.node ?? '—');
  fact('Java', (r) => m(r)?.java ?? '—');
  fact('git revision', (r) => {
    const p = r.provenance;
    return p?.gitRevision ? `${p.gitRevision.slice(0, 12)}${p.gitDirty ? ' (uncommitted changes)' : ''}` : '—';
  });
  for (const key of ['KAFKA_VERSION', 'CASSANDRA_VERSION', 'MOTO_VERSION', 'terraform'])
    if (runs.some((r) => r.provenance?.versions[key] !== undefined))
      fact(`version ${key.replace(/_VERSION$/, '').toLowerCase()}`, (r) => r.provenance?.versions[key] ?? '—');
  fact('dataset (valid records)', (r) => {
    const l = ledgerOf(r);
    return l ? String(l.source) : '—';
  });
  fact('seed', (r) => show(r.seed));
  for (const path of LAYOUT_PATHS) fact(`layout ${path}`, (r) => show(at(r.spec, path)), true);
  // Load at start is reported, not compared for equality: flag only a large gap between medians.
  const loads: Record<string, string> = {};
  const medians: number[] = [];
  for (const g of order) {
    const ls = runs
      .filter((r) => groupOf(r) === g)
      .map((r) => m(r)?.loadAverage[0] ?? Number.NaN)
      .filter(Number.isFinite);
    loads[g] = ls.length
      ? `median ${median(ls).toFixed(2)} (${Math.min(...ls).toFixed(2)}–${Math.max(...ls).toFixed(2)})`
      : '—';
    if (ls.length) medians.push(median(ls));
  }
  fairness.push({
    fact: 'load average at start (1 min)',
    values: loads,
    differs: medians.length > 1 && Math.max(...medians) - Math.min(...medians) > 1,
    byDesign: false,
  });

  const out: Comparison = {
    title: options.title,
    generatedAt: new Date().toISOString(),
    baseline: order[0] ?? '',
    groups,
    metrics,
    fairness,
  };
  if (options.mode !== undefined) out.mode = options.mode;
  if (options.modeReason !== undefined) out.modeReason = options.modeReason;
  if (options.experimentId !== undefined) out.experimentId = options.experimentId;
  return out;
}
