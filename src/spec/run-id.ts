/**
 * Run ids: every process, run dir, terraform run and cloud resource of a run carries one, and
 * `terratower nuke` and the AWS sweep find leftovers by it. One rule everywhere, the strictest
 * any user of the id needs: S3 bucket names and IAM names take lowercase letters, digits and
 * hyphens only, and the id must leave room for the prefixes they add.
 */
import { randomBytes } from 'node:crypto';
import { SpecError } from './validate.ts';

/** 1–40 lowercase letters, digits and hyphens, starting with a letter or digit. */
export const RUN_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** Run id used when none is given. */
export const DEFAULT_RUN_ID = 'manual';

/** Whether `runId` is a valid run id. */
export function isRunId(runId: string): boolean {
  return RUN_ID_PATTERN.test(runId);
}

/**
 * Check a run id. `path` names where it came from in the message (`runId`, `--run-id`).
 * @throws SpecError whose message names the problem and an example of a valid id
 */
export function checkRunId(runId: string, path = 'runId'): string {
  if (!isRunId(runId)) {
    throw new SpecError([
      {
        path,
        message: `"${runId}" must be 1–40 lowercase letters, digits and hyphens, starting with a letter or digit: e.g. "local-dev" or "tt-20261123-0730"`,
      },
    ]);
  }
  return runId;
}

/** A fresh run id: `<prefix>-<yyyymmdd>-<hhmmss>-<6 random hex>` (lowercase, ≤ 40 characters). */
export function newRunId(prefix = 'tt'): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-').toLowerCase();
  return `${prefix}-${stamp}-${randomBytes(3).toString('hex')}`;
}
