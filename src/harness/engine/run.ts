/**
 * `runScenario`: warm up → hypothesis before → method → hypothesis after → rollbacks (always) →
 * drain → ledger → report. The one helper tests and the CLI call:
 *
 * ```ts
 * const result = await runScenario(trafficSpike, { target, out, dataset });
 * expect(result.hypothesisHeld).toBe(true);
 * expect(result.ledger?.lost).toBe(0);
 * ```
 */
import { mkdir } from 'node:fs/promises';
import { computeLedger, contentFromFile, idsFromFile, type Ledger } from '../ledger/ledger.ts';
import { writeReport } from '../report/write.ts';
import { latencyReport } from '../report/latency.ts';
import { toSeries, type SeriesPoint } from '../report/series.ts';
import type { Target } from '../../model/target.ts';
import type { ScenarioEvent } from './events.ts';
import { countReplacements, JournalBuilder, type HypothesisRecord, type RunStatus } from './journal.ts';
import { evaluateAll, measured, probeName } from './probes.ts';
import { computeRecovery } from './recovery.ts';
import { Sampler } from './sampler.ts';
import { sleep } from '../../support/time.ts';
import { describeAction, runAction, waitForProbes, type StepContext } from './steps.ts';
import type { Scenario } from './types.ts';
import type { ScenarioResult } from './result.ts';

export type { ScenarioResult } from './result.ts';

/** The dataset the ledger checks against. */
export interface DatasetRef {
  /** File of valid record ids, one per line (the generator's `valid-ids.txt`); or give `ids`. */
  validIdsFile?: string;
  /** Valid record ids, one per valid row (e.g. computed from the objects themselves: `sourceFromObjects`). */
  ids?: readonly string[];
  /** Malformed lines in the dataset: what should end on the dead-letter topic. */
  malformed: number;
  /** The generator's content file (latest version and digest per id): enables the content and version checks. */
  contentFile?: string;
  /** Objects that cannot be read: what the producers should skip. @default not checked */
  skippedObjects?: number;
  /** Sink rows of this dataset have ids starting with this (other datasets share the table). @default every row */
  idPrefix?: string;
  /** Dead letters of this dataset come from objects whose key starts with this. @default every one */
  objectKeyPrefix?: string;
}

/** A dataset that grows with the load (`DatasetFeed`): what `runScenario` needs of it. */
export interface DatasetSource {
  /** The producer fleet's load changed (records/s; 0: unlimited). */
  loadChanged(recordsPerSecond: number): void;
  /** Stop growing and describe what is there for the ledger. */
  finish(): Promise<DatasetRef>;
}

/** Options of one run. */
export interface RunOptions {
  /** A deployed target. */
  target: Target;
  /** Directory for `report.json` and `report.html` (created). */
  out: string;
  /** The loaded dataset; without it (or `feed`) the ledger is skipped (and the run cannot pass). */
  dataset?: DatasetRef;
  /**
   * A dataset uploaded as the load needs it, instead of `dataset`: it is told every load the run
   * sets, and finished (uploads stopped) before the drain; the ledger covers what it uploaded.
   */
  feed?: DatasetSource;
  /** Overrides the scenario's seed. */
  seed?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  /** Abort to interrupt the run: the method stops, rollbacks still run. */
  signal?: AbortSignal;
  /** Called with every sample as it is taken, as a report series point (live views). */
  onSample?: (point: SeriesPoint) => void;
  /** Called with every event (fault, restore, load, scaling, stop) as it happens. */
  onEvent?: (event: ScenarioEvent) => void;
}

/** Run a scenario against a deployed target and write its report. Never leaves a zone out or the load raised. */
export async function runScenario(scenario: Scenario, options: RunOptions): Promise<ScenarioResult> {
  const { target } = options;
  const problem = methodProblem(scenario, target.zones);
  if (problem) throw new Error(`scenario ${scenario.name}: ${problem}`);
  const log = options.log ?? (() => undefined);
  const seed = options.seed ?? scenario.seed ?? 1;
  const startedAt = Date.now();
  const events: ScenarioEvent[] = [];
  const addEvent = (e: Omit<ScenarioEvent, 't' | 'time'>, now = Date.now()): void => {
    const event: ScenarioEvent = { ...e, t: now - startedAt, time: new Date(now).toISOString() };
    if (e.kind === 'load' && e.recordsPerSecond !== undefined) options.feed?.loadChanged(e.recordsPerSecond);
    events.push(event);
    options.onEvent?.(event);
    log(`  [${((now - startedAt) / 1000).toFixed(1)}s] ${e.label}`);
  };
  const sampler = new Sampler(target, {
    intervalMs: scenario.sampleIntervalMs ?? 1000,
    startedAt,
    onEvent: (e) => {
      events.push(e);
      options.onEvent?.(e);
      log(`  [${(e.t / 1000).toFixed(1)}s] ${e.label}`);
    },
  });
  const builder = new JournalBuilder(
    { scenario: scenario.name, description: scenario.description, target: target.kind, runId: target.runId, seed },
    startedAt,
  );
  const stop = new AbortController();
  const onOuterAbort = (): void => stop.abort(`interrupted: ${String(options.signal?.reason ?? 'signal')}`);
  if (options.signal?.aborted) onOuterAbort();
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const stepEnds = new Map<string, number>();
  const ctx: StepContext = {
    target,
    sampler,
    baselineLoad: scenario.baselineLoad,
    seed,
    event: addEvent,
    zonesOut: new Set(),
    signal: stop.signal,
    stepEnds,
  };
  const consecutive = scenario.hypothesisConsecutive ?? 3;
  let status: RunStatus = 'completed';
  let stopReason: string | undefined;
  let expectationsMet = true;
  let unsubscribeStop: () => void = () => undefined;

  const unsubscribeLive = options.onSample
    ? sampler.subscribe((obs) => options.onSample?.(toSeries([obs])[0]!))
    : () => undefined;
  sampler.start();
  // What the target's groups are health-checked with, for the report (absent when it cannot say).
  const healthChecks = await target.healthChecks?.().catch(() => undefined);
  try {
    log(`${scenario.name}: baseline ${scenario.baselineLoad}/s, warm-up ${scenario.warmupSeconds ?? 10}s`);
    await builder.activity(
      'run',
      `baseline load ${scenario.baselineLoad}/s`,
      'action',
      { kind: 'setLoad', recordsPerSecond: scenario.baselineLoad },
      async () => {
        const out = await runAction(ctx, { kind: 'setLoad', recordsPerSecond: scenario.baselineLoad }, -1);
        await sleep((scenario.warmupSeconds ?? 10) * 1000, stop.signal);
        return out;
      },
    );

    log('steady-state hypothesis (before)');
    const before = await checkHypothesis(
      scenario,
      ctx,
      consecutive,
      (scenario.hypothesisBeforeWithinSeconds ?? 120) * 1000,
      startedAt,
    );
    builder.journal.steadyStates.before = before;
    log(
      `  ${before.holds ? 'holds' : 'DOES NOT HOLD'}: ${before.probes.map((p) => `${p.name}: ${p.observed}${p.ok ? '' : ' ✗'}`).join('; ')}`,
    );

    if (!before.holds) {
      status = stop.signal.aborted ? 'interrupted' : 'failed';
      stopReason = stop.signal.aborted
        ? String(stop.signal.reason)
        : 'steady-state hypothesis did not hold before the method';
      for (const step of scenario.method)
        builder.skipped(stepName(step, target.zones), step.kind === 'expect' ? 'probe' : 'action', step);
    } else {
      if (scenario.stopConditions) {
        const { probes, consecutive: need = 3 } = scenario.stopConditions;
        let breaches = 0;
        unsubscribeStop = sampler.subscribe((obs) => {
          const verdict = evaluateAll(probes, obs, target.zones);
          breaches = verdict.ok ? 0 : breaches + 1;
          if (breaches >= need && !stop.signal.aborted) {
            const failed = verdict.results.filter((r) => !r.ok).map((r) => `${r.name} (${r.observed})`);
            addEvent({ kind: 'stop', label: `stop condition: ${failed.join(', ')}` });
            stop.abort(`stop condition: ${failed.join(', ')}`);
          }
        });
      }
      const background: Promise<unknown>[] = [];
      for (const [index, step] of scenario.method.entries()) {
        const name = stepName(step, target.zones);
        const type = step.kind === 'expect' ? 'probe' : 'action';
        if (stop.signal.aborted) {
          builder.skipped(name, type, step);
          continue;
        }
        log(`step ${index + 1}/${scenario.method.length}: ${name}`);
        let heldAtStart: boolean | undefined;
        const stepCtx: StepContext = { ...ctx, noteProbeStart: (held) => (heldAtStart = held) };
        const run = builder.activity('run', name, type, step, async () => {
          if (step.pauseBefore) await sleep(step.pauseBefore * 1000, stop.signal);
          const out = await runAction(stepCtx, step, index);
          if (step.pauseAfter) await sleep(step.pauseAfter * 1000, stop.signal);
          return out;
        });
        const settle = run.then((record) => {
          stepEnds.set(name, sampler.observations.length);
          if (heldAtStart !== undefined) record.heldAtStart = heldAtStart;
          if (record.status === 'failed') {
            log(`  failed: ${record.error}`);
            if (step.kind === 'expect') expectationsMet = false;
          }
        });
        if (step.background) background.push(settle);
        else await settle;
      }
      await Promise.all(background);
      unsubscribeStop();
      if (stop.signal.aborted) {
        status = options.signal?.aborted ? 'interrupted' : 'aborted';
        stopReason = String(stop.signal.reason);
      }
      if (builder.journal.run.some((r) => r.status === 'failed' && r.type === 'action')) expectationsMet = false;

      if (status !== 'interrupted') {
        log('steady-state hypothesis (after)');
        // The hypothesis-after is checked on a fresh signal: a stop condition ends the method, not the check.
        const after = await checkHypothesis(
          scenario,
          { ...ctx, signal: options.signal ?? new AbortController().signal },
          consecutive,
          (scenario.hypothesisAfterWithinSeconds ?? 60) * 1000,
          startedAt,
        );
        builder.journal.steadyStates.after = after;
        log(
          `  ${after.holds ? 'holds' : 'DOES NOT HOLD'}: ${after.probes.map((p) => `${p.name}: ${p.observed}${p.ok ? '' : ' ✗'}`).join('; ')}`,
        );
      }
    }
  } finally {
    unsubscribeStop();
    await rollbacks(scenario, ctx, builder, log);
    options.signal?.removeEventListener('abort', onOuterAbort);
  }

  let ledger: Ledger | null = null;
  let ledgerError: string | undefined;
  let drained = false;
  // A feed stops growing before the drain: the drain then has only its lead left to push.
  let dataset = options.dataset;
  if (options.feed) {
    try {
      dataset = await options.feed.finish();
    } catch (error) {
      ledgerError = `the dataset feed could not say what it uploaded: ${(error as Error).message}`;
    }
  }
  if (dataset && !options.signal?.aborted) {
    drained = await drain(scenario, ctx, log, options.signal);
    log('ledger: source ids vs sink rows');
    try {
      const contentFile = dataset.contentFile;
      ledger = await computeLedger({
        sourceIds: sourceIdsOf(dataset),
        ...(contentFile
          ? { sinkRows: target.readSinkRows(), expectedContent: contentFromFile(contentFile) }
          : { sinkIds: target.readSinkIds() }),
        locate: (ids) => target.locateInTopic(ids),
        deadLetters: target.deadLetters(),
        expectedDeadLettered: dataset.malformed,
        ...(dataset.skippedObjects !== undefined ? { expectedSkippedObjects: dataset.skippedObjects } : {}),
        ...ledgerFilters(dataset),
      });
      log(
        `  source ${ledger.source}, sink ${ledger.sinkRows}, lost ${ledger.lost}${ledger.lostWhere && ledger.lost > 0 ? ` (in S3 only ${ledger.lostWhere.s3}, in topic ${ledger.lostWhere.topic}, consumed ${ledger.lostWhere.consumed})` : ''}, duplicated ${ledger.duplicated}, unexpected ${ledger.unexpected}, corrupted ${ledger.corrupted}, stale ${ledger.stale}, dead-lettered ${ledger.deadLettered}/${ledger.expectedDeadLettered ?? '?'}`,
      );
    } catch (error) {
      ledgerError = (error as Error).message;
      log(`  could not read the ledger: ${ledgerError}`);
    }
  } else {
    ledgerError ??= dataset ? 'interrupted before the ledger' : 'no dataset given';
  }
  await sampler.stop();
  unsubscribeLive();

  builder.journal.replacements = countReplacements(events, scenario.maxReplacements);
  const churn = builder.journal.replacements;
  if (churn.total > 0) {
    const perGroup = Object.entries(churn.byGroup)
      .map(([g, r]) => `${g} ${r.count} (${r.members.join(', ')})`)
      .join('; ');
    log(
      `churn: replaced for failing health checks: ${perGroup}${churn.withinBound ? '' : ` — over the bound: ${churn.exceeded}`}`,
    );
  }
  const journal = builder.finish(status, stopReason);
  const before = journal.steadyStates.before;
  const after = journal.steadyStates.after;
  const hypothesisHeld = Boolean(before?.holds && after?.holds && expectationsMet && status === 'completed');
  const recovery = computeRecovery(sampler.observations, events, scenario.hypothesis, {
    consecutive,
    zones: target.zones,
    appGroups: ['consumers', 'producers'],
  });
  const series = toSeries(sampler.observations);
  await mkdir(options.out, { recursive: true });
  const result: ScenarioResult = {
    scenario: scenario.name,
    target: target.kind,
    runId: target.runId,
    hypothesisHeld,
    ledger,
    replacements: churn,
    ...(healthChecks ? { healthChecks } : {}),
    passed: hypothesisHeld && ledger?.exact === true && churn.withinBound,
    journal,
    events: [...events].sort((a, b) => a.t - b.t),
    series,
    recovery,
    latency: latencyReport(sampler.observations, events, recovery),
    drained,
    ...(ledgerError !== undefined ? { ledgerError } : {}),
    samplerErrors: sampler.errors,
    reportJson: '',
    reportHtml: '',
    wallSeconds: Math.round((Date.now() - startedAt) / 100) / 10,
  };
  const paths = await writeReport(result, options.out, {
    hypothesis: scenario.hypothesis.map(probeName),
    zones: [...target.zones],
  });
  result.reportJson = paths.json;
  result.reportHtml = paths.html;
  return result;
}

/** The dataset's valid ids: given, or streamed from its ids file. */
function sourceIdsOf(d: DatasetRef): Iterable<string> | AsyncIterable<string> {
  if (d.ids) return d.ids;
  if (d.validIdsFile) return idsFromFile(d.validIdsFile);
  throw new Error('the dataset names no source ids: give validIdsFile or ids');
}

/** Ledger filters that keep one dataset's rows and dead letters apart from others in the same pipeline. */
export function ledgerFilters(
  d: DatasetRef,
): Pick<Parameters<typeof computeLedger>[0], 'sinkFilter' | 'deadLetterFilter'> {
  const out: Pick<Parameters<typeof computeLedger>[0], 'sinkFilter' | 'deadLetterFilter'> = {};
  const idPrefix = d.idPrefix;
  const keyPrefix = d.objectKeyPrefix;
  if (idPrefix) out.sinkFilter = (id) => id.startsWith(idPrefix);
  if (keyPrefix) out.deadLetterFilter = (dl) => dl.source === undefined || dl.source.startsWith(keyPrefix);
  return out;
}

async function checkHypothesis(
  scenario: Scenario,
  ctx: StepContext,
  consecutive: number,
  withinMs: number,
  startedAt: number,
): Promise<HypothesisRecord> {
  const { ok, last, waitedMs } = await waitForProbes(ctx, scenario.hypothesis, consecutive, withinMs);
  const now = Date.now();
  return {
    holds: ok,
    time: new Date(now).toISOString(),
    t: now - startedAt,
    waitedSeconds: Math.round(waitedMs / 100) / 10,
    probes:
      last?.results ??
      scenario.hypothesis.map((p) => ({ name: probeName(p), probe: p, ok: false, observed: 'no observation' })),
  };
}

async function rollbacks(
  scenario: Scenario,
  ctx: StepContext,
  builder: JournalBuilder,
  log: (line: string) => void,
): Promise<void> {
  // Rollbacks run on a signal of their own: they must run even when the method was stopped.
  const rollbackCtx: StepContext = { ...ctx, signal: new AbortController().signal };
  for (const action of scenario.rollbacks ?? []) {
    const name = describeAction(action, ctx.target.zones);
    log(`rollback: ${name}`);
    const record = await builder.activity('rollbacks', name, 'action', action, () =>
      runAction(rollbackCtx, action, -2),
    );
    if (record.status === 'failed') log(`  failed: ${record.error}`);
  }
  for (const zone of [...ctx.zonesOut]) {
    log(`rollback: zone ${zone} back (safety)`);
    await builder.activity('rollbacks', `zone ${zone} back (safety)`, 'action', { kind: 'safetyRestore', zone }, () =>
      runAction(rollbackCtx, { kind: 'zoneRestore', zone }, -2),
    );
  }
}

/**
 * Quiet time that ends a drain once the producers report the whole dataset produced: longer than
 * a lag read can take (two 2 s timeouts), so the fresh read that ends it began inside the quiet.
 */
const PRODUCED_QUIET_MS = 5000;

/**
 * Let the producers finish the dataset and the consumers catch up: set the drain rate, then wait
 * until lag is 0 and nothing was produced or consumed for `quietSeconds` (5 s once the producers
 * report every object produced and the lag was read fresh). Gives up when nothing moved for `stallSeconds`, or after
 * `timeoutSeconds` in any case.
 */
async function drain(
  scenario: Scenario,
  ctx: StepContext,
  log: (line: string) => void,
  signal?: AbortSignal,
): Promise<boolean> {
  const timeoutMs = (scenario.drain?.timeoutSeconds ?? 600) * 1000;
  const stallMs = (scenario.drain?.stallSeconds ?? 60) * 1000;
  const quietMs = (scenario.drain?.quietSeconds ?? 20) * 1000;
  const rate = scenario.drain?.recordsPerSecond ?? 0;
  log(
    `drain: load ${rate === 0 ? 'unlimited' : `${rate}/s`} until lag 0 and quiet for ${quietMs / 1000}s (gives up after ${stallMs / 1000}s without progress)`,
  );
  await ctx.target.setLoad(rate).catch(() => undefined);
  ctx.event({ kind: 'load', label: `drain ${rate === 0 ? 'unlimited' : `${rate}/s`}`, recordsPerSecond: rate });
  const started = Date.now();
  let quietSince: number | undefined;
  let lastProgress = Date.now();
  let lastLag: number | undefined;
  const poll = Math.min(1000, scenario.sampleIntervalMs ?? 1000);
  while (Date.now() - started < timeoutMs && !signal?.aborted) {
    await sleep(poll);
    const last = ctx.sampler.observations.at(-1);
    if (!last) continue;
    const m = last.metrics;
    // An unmeasured figure is neither movement nor quiet: a silent scrape does not drain anything.
    const known = measured(m, 'producedPerSecond') && measured(m, 'consumedPerSecond') && measured(m, 'lag');
    const moving = m.producedPerSecond > 0 || m.consumedPerSecond > 0 || (lastLag !== undefined && m.lag !== lastLag);
    if (measured(m, 'lag')) lastLag = m.lag;
    if (moving) lastProgress = Date.now();
    const quiet = known && m.lag === 0 && m.producedPerSecond === 0 && m.consumedPerSecond === 0;
    if (!quiet) quietSince = undefined;
    else quietSince ??= Date.now();
    // With every object produced (done checkpoints, acks=all) and a fresh lag of 0, everything is
    // written: a stall cannot hide rows, so the long quiet is not needed. A stale lag can (seen:
    // a 0 read before the last rows were produced, reused while a rebalance held the consumers).
    const settled = m.datasetProduced === true && m.lagStale !== true;
    const needed = settled ? Math.min(quietMs, PRODUCED_QUIET_MS) : quietMs;
    if (quietSince !== undefined && Date.now() - quietSince >= needed) {
      const why = needed < quietMs ? 'every object produced, lag 0 read fresh' : `quiet for ${quietMs / 1000}s`;
      log(`  drained after ${((Date.now() - started) / 1000).toFixed(1)}s (${why})`);
      return true;
    }
    if (!quiet && Date.now() - lastProgress > stallMs) {
      log(`  no progress for ${stallMs / 1000}s (lag ${m.lag}); reading the ledger anyway`);
      return false;
    }
  }
  log('  did not drain in time; reading the ledger anyway');
  return false;
}

/**
 * What is wrong with a scenario's method before it runs, in one line; undefined when nothing is.
 * A `changeSince` must name an earlier step (by its label) and go with `requireChange`.
 */
export function methodProblem(scenario: Scenario, zones: readonly string[]): string | undefined {
  const labels: string[] = [];
  for (const [index, step] of scenario.method.entries()) {
    if (step.kind === 'expect' && step.changeSince !== undefined) {
      const where = `step ${index + 1} (${stepName(step, zones)})`;
      if (!step.requireChange)
        return `${where} has changeSince but not requireChange: add requireChange: true, or drop changeSince`;
      if (!labels.includes(step.changeSince))
        return `${where} has changeSince "${step.changeSince}", which is no earlier step's label: use the label of a step before it`;
    }
    labels.push(stepName(step, zones));
  }
  return undefined;
}

/** A step's name in the journal, and what `changeSince` refers to it by: its label, or its description. */
function stepName(step: Scenario['method'][number], zones: readonly string[]): string {
  return step.label ?? describeAction(step, zones);
}
