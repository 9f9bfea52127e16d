/** Generate a dataset for one scenario run, upload it to a target, and describe it for the ledger. */
import { join } from 'node:path';
import { generateDataset } from './generate.ts';
import { recordId } from './rows.ts';
import type { DatasetRef } from '../engine/run.ts';
import type { Target } from '../../model/target.ts';

/** What to generate. */
export interface ScenarioDatasetOptions {
  /** Rows in total (valid + malformed). */
  rows: number;
  /** Objects the rows are split into. @default 4 */
  objects?: number;
  /** Fraction of malformed rows. @default 0.005 */
  malformedFraction?: number;
  /** Tag: the generator's seed and the S3 sub-prefix; letters, digits, hyphens. Unique per run in one pipeline. */
  tag: string;
  /** Directory to write into (the caller removes it). */
  dir: string;
  /** The spec's dataset prefix (where the producers list). */
  prefix: string;
  /** Fraction of records that get later versions (see GenerateOptions.updateFraction). @default 0 */
  updateFraction?: number;
}

/**
 * Generate the dataset into `dir`, upload it under `<prefix><tag>/`, and return the ledger's view
 * of it: its valid ids, its malformed count, and filters that tell its rows and dead letters from
 * those of other datasets in the same pipeline.
 */
export async function prepareScenarioDataset(
  target: Target,
  o: ScenarioDatasetOptions,
): Promise<DatasetRef & { rows: number }> {
  const manifest = await generateDataset({
    rows: o.rows,
    objects: o.objects ?? 4,
    malformedFraction: o.malformedFraction ?? 0.005,
    seed: o.tag,
    outDir: o.dir,
    ...(o.updateFraction ? { updateFraction: o.updateFraction } : {}),
  });
  await target.uploadDataset(o.dir, `${o.tag}/`);
  return {
    validIdsFile: join(o.dir, manifest.validIdsFile),
    malformed: manifest.malformedCount,
    ...(manifest.contentFile ? { contentFile: join(o.dir, manifest.contentFile) } : {}),
    ...datasetScope(o.tag, o.prefix),
    rows: manifest.rows,
  };
}

/**
 * The ledger's filters for the dataset tagged `tag` under `prefix`: its rows are the sink rows
 * whose ids start with `OP-<tag>-`, its dead letters those from objects under `<prefix><tag>/`.
 * Other datasets in the same pipeline stay out.
 */
export function datasetScope(tag: string, prefix: string): Required<Pick<DatasetRef, 'idPrefix' | 'objectKeyPrefix'>> {
  return { idPrefix: recordId(tag, 0).replace(/0$/, ''), objectKeyPrefix: `${prefix}${tag}/` };
}
