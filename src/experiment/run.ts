/**
 * `runExperiment`: run every round of an experiment (./schedule.ts), each run deployed through
 * terraform by the shipped-scenario runner (deploy → dataset → scenario → report → destroy),
 * every run recorded in the run store with its experiment, variant and repetition; then the
 * comparison report. Live progress: which run, which step, ETA.
 *
 * ```ts
 * const e = await loadExperimentFile('experiments/rf3-vs-rf2.yaml');
 * const store = await openStore();
 * const outcome = await runExperiment(e, { store, out: 'terratower-reports/exp', log: console.error });
 * console.log(outcome.comparisonHtml);
 * ```
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Target } from '../model/target.ts';
import type { PipelineSpec } from '../spec/index.ts';
import { errorRecordOf, recordRun } from '../harness/record.ts';
import { deployedRun, runShipped } from '../harness/scenarios/index.ts';
import { newRunId } from '../harness/terraform/options.ts';
import {
  machineFacts,
  RUN_RECORD_VERSION,
  type ExperimentRecord,
  type ExperimentTag,
  type MachineFacts,
  type RunRecord,
  type RunStore,
} from '../store/index.ts';
import { buildComparison, type Comparison } from './compare.ts';
import { experimentDefinition, type Experiment } from './file.ts';
import { writeComparison } from './report.ts';
import { decideMode, etaSeconds, planRounds, withoutFaults, type ModeDecision, type PlannedRun } from './schedule.ts';

/** Live progress of an experiment (also given as lines to `log`). */
export interface ExperimentProgress {
  experimentId: string;
  /** 1-based number of the run (in parallel mode, of the round's first run). */
  run: number;
  runs: number;
  runId?: string;
  variant: string;
  repetition: number;
  scenario: string;
  /** deploy | dataset | warm-up | hypothesis | step | drain | ledger | report | teardown | done */
  phase: string;
  /** The method's step, when in one: "2/4 kill 1 kafka". */
  step?: string;
  elapsedSeconds: number;
  /** Estimated seconds left (after the first round). */
  etaSeconds?: number;
}

/** Makes the target of one run (tests and the AWS path give their own). */
export type TargetFactory = (o: {
  spec: PipelineSpec;
  runId: string;
  slot: number;
  log: (line: string) => void;
}) => Promise<Target>;

/** Options of `runExperiment`. */
export interface ExperimentRunOptions {
  /** Where every run is recorded, and the experiment itself. */
  store: RunStore;
  /** Directory for the runs' reports (`<out>/<run id>/`) and the comparison (`<out>/comparison.html`). */
  out: string;
  /** First twin address slot (parallel mode also uses slot + 1). @default 0 */
  slot?: number;
  /** terraform or tofu for the twin's stack. @default terraform */
  binary?: 'terraform' | 'tofu';
  /** Progress lines. */
  log?: (line: string) => void;
  /** Structured progress (the service streams it). */
  onProgress?: (p: ExperimentProgress) => void;
  /** Interrupt: the run in flight stops (rollbacks, teardown), no further runs start. */
  signal?: AbortSignal;
  /** The machine, for deciding whether two twins fit. @default measured now */
  machine?: Pick<MachineFacts, 'cores' | 'availableMemoryMiB'>;
  /** Force a mode (overrides the file's). */
  mode?: 'interleaved' | 'parallel';
  /** Make each run's target. @default LocalTarget (local) / AwsTarget (aws, interleaved only) */
  targets?: TargetFactory;
  /** Experiment id. @default generated (`exp-<stamp>-<hex>`) */
  id?: string;
}

/** What an experiment produced. */
export interface ExperimentOutcome {
  record: ExperimentRecord;
  comparison: Comparison;
  comparisonHtml: string;
  comparisonJson: string;
  /** The runs, with detail, as stored. */
  runs: RunRecord[];
}

/** A new experiment id. */
export function newExperimentId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `exp-${stamp}-${randomBytes(3).toString('hex')}`;
}

async function defaultTargets(e: Experiment, binary: 'terraform' | 'tofu'): Promise<TargetFactory> {
  if (e.target === 'local') {
    const { LocalTarget } = await import('../harness/targets/local.ts');
    return async ({ spec, runId, slot, log }) =>
      new LocalTarget({ spec, runId, slot, log, terraform: { binary, echo: false } });
  }
  const { awsOptIn } = await import('../harness/aws-opt-in.ts');
  const opt = awsOptIn();
  if (!opt.ok) throw new Error(`target aws: ${opt.reason}`);
  const { AwsTarget } = await import('../harness/targets/aws.ts');
  return async ({ spec, runId, log }) => new AwsTarget({ spec, runId, log, terraform: { binary } });
}

/** Map a line of the scenario engine's log to a progress phase (and step). */
export function phaseOf(line: string): { phase: string; step?: string } | undefined {
  const step = /^step (\d+\/\d+): (.*)$/.exec(line);
  if (step) return { phase: 'step', step: `${step[1]} ${step[2]}` };
  if (line.startsWith('terraform apply')) return { phase: 'deploy' };
  if (/: dataset of \d+ rows/.test(line)) return { phase: 'dataset' };
  if (/: baseline .*warm-up/.test(line)) return { phase: 'warm-up' };
  if (line.startsWith('steady-state hypothesis')) return { phase: 'hypothesis' };
  if (line.startsWith('drain:')) return { phase: 'drain' };
  if (line.startsWith('ledger:')) return { phase: 'ledger' };
  if (line.startsWith('rollback:')) return { phase: 'rollbacks' };
  return undefined;
}

function fmtDuration(s: number): string {
  return s >= 90 ? `${Math.floor(s / 60)} min ${String(Math.round(s % 60)).padStart(2, '0')} s` : `${Math.round(s)} s`;
}

/**
 * Run an experiment to the end (or until `signal`), recording every run and the experiment in
 * the store, and write the comparison report. Runs that fail or error are recorded and the
 * experiment goes on; an interrupt stops it after the run in flight has torn down.
 */
export async function runExperiment(e: Experiment, o: ExperimentRunOptions): Promise<ExperimentOutcome> {
  const log = o.log ?? (() => undefined);
  const id = o.id ?? newExperimentId();
  const out = resolve(o.out);
  const decision: ModeDecision = o.mode
    ? o.mode === 'parallel'
      ? decideMode({ ...e, mode: 'parallel' }, o.machine ?? machineFacts())
      : { mode: 'interleaved', reason: 'interleaved, as asked on the command line' }
    : decideMode(e, o.machine ?? machineFacts());
  const rounds = planRounds(e, decision.mode, { slot: o.slot ?? 0 });
  const total = rounds.reduce((n, r) => n + r.length, 0);
  const targets = o.targets ?? (await defaultTargets(e, o.binary ?? 'terraform'));
  const record: ExperimentRecord = {
    schemaVersion: RUN_RECORD_VERSION,
    id,
    name: e.name,
    createdAt: new Date().toISOString(),
    status: 'running',
    definition: experimentDefinition(e),
    mode: decision.mode,
    modeReason: decision.reason,
    runIds: [],
  };
  if (e.source) record.file = e.source;
  await o.store.putExperiment(record);
  log(
    `experiment ${e.name} (${id}): ${e.variants.map((v) => v.name).join(' vs ')} × ${e.repetitions} on ${e.target}, ${total} runs; ${decision.reason}`,
  );

  const started = Date.now();
  const roundSeconds: number[] = [];
  const workDir = await mkdtemp(join(tmpdir(), 'tt-experiment-'));
  try {
    for (const [k, round] of rounds.entries()) {
      if (o.signal?.aborted) break;
      const roundStarted = Date.now();
      const eta = etaSeconds(roundSeconds, rounds.length - k);
      await Promise.all(
        round.map((planned) =>
          runOne(e, planned, { ...o, log }, { id, record, total, started, eta, targets, decision, workDir, out }),
        ),
      );
      roundSeconds.push((Date.now() - roundStarted) / 1000);
      await o.store.putExperiment(record);
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }

  const runs = (await Promise.all(record.runIds.map((rid) => o.store.getRun(rid, { detail: true })))).filter(
    (r): r is RunRecord => r !== undefined,
  );
  const comparison = buildComparison(runs, {
    title: `${e.name}: ${e.variants.map((v) => v.name).join(' vs ')} (${e.scenarios.map((s) => s.name).join(', ')})`,
    order: e.variants.map((v) => v.name),
    mode: decision.mode,
    modeReason: decision.reason,
    experimentId: id,
    seed: e.seed ?? 1,
  });
  const paths = await writeComparison(out, comparison, runs);
  record.status = o.signal?.aborted ? 'interrupted' : 'completed';
  record.finishedAt = new Date().toISOString();
  record.reportHtml = paths.html;
  await o.store.putExperiment(record);
  log(`experiment ${id}: ${record.status} in ${fmtDuration((Date.now() - started) / 1000)}; comparison: ${paths.html}`);
  return { record, comparison, comparisonHtml: paths.html, comparisonJson: paths.json, runs };
}

async function runOne(
  e: Experiment,
  planned: PlannedRun,
  o: ExperimentRunOptions & { log: (line: string) => void },
  ctx: {
    id: string;
    record: ExperimentRecord;
    total: number;
    started: number;
    eta: number | undefined;
    targets: TargetFactory;
    decision: ModeDecision;
    workDir: string;
    out: string;
  },
): Promise<void> {
  const spec = planned.variant.specs[planned.scenario.name]!;
  const runId = newRunId(e.target);
  const def = planned.faults ? planned.scenario : withoutFaults(planned.scenario);
  const tag: ExperimentTag = {
    id: ctx.id,
    name: e.name,
    variant: planned.variant.name,
    repetition: planned.repetition,
    mode: ctx.decision.mode,
    ...(planned.arm ? { arm: planned.arm } : {}),
    ...(e.target === 'local' ? { slot: planned.slot } : {}),
  };
  ctx.record.runIds.push(runId);
  const who = `run ${planned.index + 1}/${ctx.total} ${planned.variant.name} #${planned.repetition}${planned.arm ? ` (${planned.arm})` : ''} ${planned.scenario.name}`;
  const progress = (phase: string, step?: string): void => {
    const p: ExperimentProgress = {
      experimentId: ctx.id,
      run: planned.index + 1,
      runs: ctx.total,
      runId,
      variant: planned.variant.name,
      repetition: planned.repetition,
      scenario: planned.scenario.name,
      phase,
      elapsedSeconds: Math.round((Date.now() - ctx.started) / 1000),
      ...(step !== undefined ? { step } : {}),
      ...(ctx.eta !== undefined ? { etaSeconds: ctx.eta } : {}),
    };
    o.onProgress?.(p);
  };
  const eta = ctx.eta !== undefined ? `, ETA ${fmtDuration(ctx.eta)}` : '';
  o.log(`── ${who} (${runId})${eta}`);
  const runLog = (line: string): void => {
    const ph = phaseOf(line.trim());
    if (ph) {
      progress(ph.phase, ph.step);
      o.log(`[${who}${ph.step ? ` · step ${ph.step}` : ` · ${ph.phase}`}] ${line.trim()}`);
    } else o.log(`[${who}] ${line.trim()}`);
  };
  const startedAt = new Date();
  progress('deploy');
  let target: Target | undefined;
  try {
    target = await ctx.targets({ spec, runId, slot: planned.slot, log: runLog });
    const result = await deployedRun(target, (t) =>
      runShipped(def, {
        target: t,
        spec,
        out: join(ctx.out, runId),
        workDir: ctx.workDir,
        log: runLog,
        store: o.store,
        experiment: tag,
        datasetTag: planned.datasetTag,
        // Every variant of a repetition gets the same rows, not as many as its run happened to use.
        wholeDataset: true,
        ...(e.seed !== undefined ? { seed: e.seed } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
      }),
    );
    progress('done');
    o.log(`── ${who}: ${result.passed ? 'passed' : 'FAILED'} in ${fmtDuration(result.wallSeconds)}`);
  } catch (error) {
    const message = (error as Error).message;
    o.log(`── ${who}: error: ${message}`);
    // runShipped records its own errors; a deploy or teardown failure is recorded here.
    if (!(await o.store.getRun(runId)))
      await recordRun(
        errorRecordOf({
          runId,
          scenario: planned.scenario.name,
          target: e.target,
          spec,
          startedAt,
          error: message,
          experiment: tag,
          interrupted: o.signal?.aborted === true,
        }),
        o.store,
        o.log,
      );
    progress('done');
  }
}
