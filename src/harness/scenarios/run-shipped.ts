/** Run shipped scenarios the way the CLI, the demo and the integration tests do. */
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { mergeSpec, validateSpec, type PipelineSpec } from '../../spec/index.ts';
import { prepareScenarioDataset } from '../dataset/prepare.ts';
import { runScenario, type ScenarioResult } from '../engine/run.ts';
import type { Target } from '../../model/target.ts';
import type { ScenarioDefinition } from './definition.ts';

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
}

/** Generate and upload the scenario's dataset (under its own sub-prefix), run it, write its report. */
export async function runShipped(def: ScenarioDefinition, o: ShippedRunOptions): Promise<ScenarioResult> {
  const tag = `${def.name}-${randomBytes(3).toString('hex')}`;
  const dir = join(o.workDir, tag);
  await mkdir(dir, { recursive: true });
  try {
    // Hold the producers at the baseline before they see the data (they start unlimited).
    await o.target.setLoad(def.baselineLoad);
    o.log?.(`${def.name}: dataset of ${def.dataset.rows} rows → ${o.spec.dataset.prefix}${tag}/`);
    const dataset = await prepareScenarioDataset(o.target, {
      rows: def.dataset.rows,
      tag,
      dir,
      prefix: o.spec.dataset.prefix,
      ...(def.dataset.objects !== undefined ? { objects: def.dataset.objects } : {}),
      ...(def.dataset.malformedFraction !== undefined ? { malformedFraction: def.dataset.malformedFraction } : {}),
      ...(def.dataset.updateFraction !== undefined ? { updateFraction: def.dataset.updateFraction } : {}),
    });
    return await runScenario(def, {
      target: o.target,
      out: o.out,
      dataset,
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      ...(o.log ? { log: o.log } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
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
