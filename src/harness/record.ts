/**
 * Recording runs in the run store: a scenario's result → a `RunRecord` (figures, provenance,
 * journal, series, ledger, recovery, report paths). `runShipped` calls `recordRun` after every
 * run, so a shipped scenario run from the CLI, a test or an experiment lands in the store.
 */
import type { PipelineSpec } from '../spec/index.ts';
import {
  collectProvenance,
  openStore,
  recordingDisabled,
  RUN_RECORD_VERSION,
  type ExperimentTag,
  type RunFigures,
  type RunRecord,
  type RunStore,
} from '../store/index.ts';
import type { ScenarioResult } from './engine/result.ts';
import type { SeriesPoint } from './report/series.ts';

/** Seconds from the run's start at which the drain began (the method's end), if it did. */
export function drainStart(result: Pick<ScenarioResult, 'events'>): number | undefined {
  const e = result.events.find((ev) => ev.kind === 'load' && ev.label.startsWith('drain'));
  return e ? e.t / 1000 : undefined;
}

function maxOrNull(values: readonly (number | null)[]): number | null {
  if (values.length === 0 || values.some((v) => v === null)) return null;
  return Math.max(...(values as number[]));
}

function mean(points: readonly SeriesPoint[], pick: (p: SeriesPoint) => number): number | null {
  if (points.length === 0) return null;
  return Math.round((points.reduce((s, p) => s + pick(p), 0) / points.length) * 10) / 10;
}

/**
 * The figures statistics and gates compare (names and meanings: `FIGURES` in src/store). A
 * figure the run did not produce is `null`: no fault → no detect/recover/throughput-during-fault;
 * a fault that was never detected or never recovered → null too (a gap, never a good number).
 */
export function figuresOf(result: Omit<ScenarioResult, 'reportJson' | 'reportHtml'>): RunFigures {
  const faults = result.recovery.faults;
  const end = drainStart(result) ?? Number.POSITIVE_INFINITY;
  const method = result.series.filter((p) => p.t < end);
  const out = result.recovery.scaling.find((s) => s.group === 'consumers' && s.direction === 'out');
  let duringFault: number | null = null;
  const first = faults[0];
  if (first) {
    const recover = first.recoverSeconds && first.recoverSeconds > 0 ? first.recoverSeconds : 60;
    const to = Math.min(first.at + Math.min(recover, 60), end);
    duringFault = mean(
      method.filter((p) => p.t >= first.at && p.t <= to),
      (p) => p.consumed,
    );
  }
  const figures: RunFigures = {
    detect: maxOrNull(faults.map((f) => f.detectSeconds)),
    recover: maxOrNull(faults.map((f) => f.recoverSeconds)),
    scaleOutDecide: out?.decideSeconds ?? null,
    scaleOutSettle: out?.settledSeconds ?? null,
    maxLag: method.length > 0 ? Math.max(...method.map((p) => p.lag)) : null,
    throughputDuringFault: duringFault,
    lost: result.ledger?.lost ?? null,
    duplicated: result.ledger?.duplicated ?? null,
    wall: result.wallSeconds,
    passed: result.passed ? 1 : 0,
  };
  if (faults.length === 0) {
    figures.detect = null;
    figures.recover = null;
  }
  // The method's p99 (the drain through a backlog is no figure to compare); null without histograms.
  figures.latencyP99 = result.latency?.method?.p99 ?? null;
  return figures;
}

/** What `runRecordOf` needs besides the result. */
export interface RecordContext {
  spec: PipelineSpec;
  kind?: 'scenario' | 'experiment';
  experiment?: ExperimentTag;
  /** Tool versions to add to the provenance (e.g. `{ terraform: '1.11.4' }`). */
  versions?: Record<string, string>;
}

/** A finished run as a store record. */
export function runRecordOf(result: ScenarioResult, ctx: RecordContext): RunRecord {
  const j = result.journal;
  const record: RunRecord = {
    schemaVersion: RUN_RECORD_VERSION,
    id: result.runId,
    kind: ctx.kind ?? (ctx.experiment ? 'experiment' : 'scenario'),
    scenario: result.scenario,
    target: result.target,
    status: j.status === 'interrupted' ? 'interrupted' : result.passed ? 'passed' : 'failed',
    createdAt: j.start,
    startedAt: j.start,
    finishedAt: j.end,
    wallSeconds: result.wallSeconds,
    seed: j.seed,
    spec: ctx.spec,
    provenance: collectProvenance(ctx.versions),
    figures: figuresOf(result),
    reportHtml: result.reportHtml,
    reportJson: result.reportJson,
    detail: {
      journal: j,
      series: result.series,
      events: result.events,
      ledger: result.ledger,
      recovery: result.recovery,
    },
  };
  if (ctx.experiment) record.experiment = ctx.experiment;
  if (result.ledgerError !== undefined && !result.passed) record.error = result.ledgerError;
  return record;
}

/** A run that could not produce a result (deploy failed, the scenario threw) as a store record. */
export function errorRecordOf(o: {
  runId: string;
  scenario: string;
  target: 'local' | 'aws';
  spec: PipelineSpec;
  startedAt: Date;
  error: string;
  experiment?: ExperimentTag;
  interrupted?: boolean;
}): RunRecord {
  const record: RunRecord = {
    schemaVersion: RUN_RECORD_VERSION,
    id: o.runId,
    kind: o.experiment ? 'experiment' : 'scenario',
    scenario: o.scenario,
    target: o.target,
    status: o.interrupted ? 'interrupted' : 'error',
    createdAt: o.startedAt.toISOString(),
    startedAt: o.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    wallSeconds: Math.round((Date.now() - o.startedAt.getTime()) / 100) / 10,
    spec: o.spec,
    provenance: collectProvenance(),
    figures: {},
    error: o.error,
  };
  if (o.experiment) record.experiment = o.experiment;
  return record;
}

/**
 * Where `runShipped` records: a store to use, `null` for nowhere, or undefined for the default
 * store (`$TERRATOWER_STORE`, else the cache's runs.db; `TERRATOWER_STORE=off` turns it off).
 */
export type StoreChoice = RunStore | null | undefined;

/**
 * Put `record` into the chosen store. Recording never changes a run's verdict: a failure to
 * record is logged (with the fix) and returned as false.
 */
export async function recordRun(record: RunRecord, store: StoreChoice, log?: (line: string) => void): Promise<boolean> {
  if (store === null || (store === undefined && recordingDisabled())) return false;
  let own: RunStore | undefined;
  try {
    const target = store ?? (own = await openStore());
    const started = performance.now();
    await target.putRun(record);
    log?.(`recorded run ${record.id} in ${target.location} (${Math.round(performance.now() - started)} ms)`);
    return true;
  } catch (error) {
    log?.(
      `could not record run ${record.id} in the run store: ${(error as Error).message} (set TERRATOWER_STORE to a writable file, or TERRATOWER_STORE=off)`,
    );
    return false;
  } finally {
    await own?.close();
  }
}
