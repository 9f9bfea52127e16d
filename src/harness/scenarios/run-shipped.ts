/** Run shipped scenarios the way the CLI, the demo and the integration tests do. */
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { mergeSpec, validateSpec, type PipelineSpec } from '../../spec/index.ts';
import { DatasetFeed } from '../dataset/feed.ts';
import { prepareScenarioDataset } from '../dataset/prepare.ts';
import { runScenario, type RunOptions, type ScenarioResult } from '../engine/run.ts';
import type { Target } from '../../model/target.ts';
import { STREAM_CHUNK_SECONDS, type ScenarioDefinition } from './definition.ts';
import type { ExperimentTag } from '../../store/index.ts';
import { errorRecordOf, recordRun, runRecordOf, type StoreChoice } from '../record.ts';

/** The spec to deploy for some scenarios: their spec fields merged over `base`, validated. */
export function scenarioSpec(base: PipelineSpec, ...defs: readonly ScenarioDefinition[]): PipelineSpec {
  let spec = base;
  for (const def of defs) spec = mergeSpec(spec, def.spec ?? {});
  return validateSpec(spec);
}

/** Options of one shipped run. */
export interface ShippedRunOptions {
  /** A deployed target. */
  target: Target;
  /** The deployed spec (for the dataset prefix). */
  spec: PipelineSpec;
  /** Where report.json and report.html go. */
  out: string;
  /** Scratch directory for the generated dataset (removed afterwards). */
  workDir: string;
  /** Override the scenario's seed. */
  seed?: number;
  /** Progress lines. */
  log?: (line: string) => void;
  /** Interrupt. */
  signal?: AbortSignal;
  /**
   * The run store the run is recorded in: a store, `null` for none, or (default) the default
   * store (`$TERRATOWER_STORE`, else `<cache>/store/runs.db`; `TERRATOWER_STORE=off` turns it off).
   */
  store?: StoreChoice;
  /** The experiment this run belongs to (recorded with it). */
  experiment?: ExperimentTag;
  /**
   * The dataset's tag: its generator seed and S3 sub-prefix (letters, digits, hyphens, ≤ 32; a
   * fed dataset's chunks add `-<n>` to it). Runs given one tag get the same records: all of them
   * with `wholeDataset`, else the same records in the same order, as many as each run uses.
   * @default `<scenario>-<random hex>`
   */
  datasetTag?: string;
  /**
   * Upload the scenario's whole dataset before the run, even when the scenario is fed as the load
   * needs it: runs given one tag then get the same rows, not as many as each happened to use
   * (experiments compare variants on it). @default the scenario's `dataset.upfront`
   */
  wholeDataset?: boolean;
  /** Live samples and events (see `RunOptions`). */
  onSample?: RunOptions['onSample'];
  onEvent?: RunOptions['onEvent'];
}

/**
 * Generate and upload the scenario's dataset (under its own sub-prefix), run it, write its
 * report, and record the run in the run store (`o.store`). A run that throws is recorded as an
 * error (or interrupted) before the error goes on.
 */
export async function runShipped(def: ScenarioDefinition, o: ShippedRunOptions): Promise<ScenarioResult> {
  const startedAt = new Date();
  let result: ScenarioResult;
  try {
    result = await runShippedUnrecorded(def, o);
  } catch (error) {
    await recordRun(
      errorRecordOf({
        runId: o.target.runId,
        scenario: def.name,
        target: o.target.kind,
        spec: o.spec,
        startedAt,
        error: (error as Error).message,
        interrupted: o.signal?.aborted === true,
        ...(o.experiment ? { experiment: o.experiment } : {}),
      }),
      o.store,
      o.log,
    );
    throw error;
  }
  await recordRun(
    runRecordOf(result, { spec: o.spec, ...(o.experiment ? { experiment: o.experiment } : {}) }),
    o.store,
    o.log,
  );
  return result;
}

async function runShippedUnrecorded(def: ScenarioDefinition, o: ShippedRunOptions): Promise<ScenarioResult> {
  const tag = o.datasetTag ?? `${def.name}-${randomBytes(3).toString('hex')}`;
  const dir = join(o.workDir, tag);
  await mkdir(dir, { recursive: true });
  let feed: DatasetFeed | undefined;
  try {
    // Hold the producers at the baseline before they see the data (they start unlimited).
    await o.target.setLoad(def.baselineLoad);
    let data: Pick<RunOptions, 'dataset' | 'feed'>;
    if (def.dataset.upfront || o.wholeDataset) {
      o.log?.(`${def.name}: dataset of ${def.dataset.rows} rows → ${o.spec.dataset.prefix}${tag}/`);
      data = {
        dataset: await prepareScenarioDataset(o.target, {
          rows: def.dataset.rows,
          tag,
          dir,
          prefix: o.spec.dataset.prefix,
          ...(def.dataset.objects !== undefined ? { objects: def.dataset.objects } : {}),
          ...(def.dataset.malformedFraction !== undefined ? { malformedFraction: def.dataset.malformedFraction } : {}),
          ...(def.dataset.updateFraction !== undefined ? { updateFraction: def.dataset.updateFraction } : {}),
        }),
      };
    } else {
      const chunkRows = Math.ceil((def.baselineLoad * STREAM_CHUNK_SECONDS) / 100) * 100;
      o.log?.(
        `${def.name}: dataset fed as the load needs it, chunks of ${chunkRows} rows, at most ${def.dataset.rows} → ${o.spec.dataset.prefix}${tag}/`,
      );
      feed = new DatasetFeed({
        target: o.target,
        tag,
        dir,
        prefix: o.spec.dataset.prefix,
        maxRows: def.dataset.rows,
        chunkRows,
        ...(def.dataset.malformedFraction !== undefined ? { malformedFraction: def.dataset.malformedFraction } : {}),
        ...(o.log ? { log: o.log } : {}),
      });
      await feed.start(def.baselineLoad);
      data = { feed };
    }
    const result = await runScenario(def, {
      target: o.target,
      out: o.out,
      ...data,
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      ...(o.log ? { log: o.log } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.onSample ? { onSample: o.onSample } : {}),
      ...(o.onEvent ? { onEvent: o.onEvent } : {}),
    });
    if (!result.passed) await keepMemberLogs(o);
    return result;
  } catch (error) {
    await keepMemberLogs(o);
    throw error;
  } finally {
    // Stops its timer when the run ended before its drain (an error, an interrupt).
    await feed?.finish().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

/** A failed run keeps the members' logs in `<out>/logs` (teardown removes them from the target). */
async function keepMemberLogs(o: ShippedRunOptions): Promise<void> {
  if (!o.target.keepLogs) return;
  const dir = join(o.out, 'logs');
  const copied = await o.target.keepLogs(dir).catch(() => 0);
  if (copied > 0) o.log?.(`kept ${copied} member logs in ${dir}`);
}

/** Deploy `target`, run `fn`, and tear the target down whatever happens. */
export async function deployedRun<T>(target: Target, fn: (target: Target) => Promise<T>): Promise<T> {
  try {
    await target.deploy();
    return await fn(target);
  } finally {
    await target.teardown();
  }
}
