/** Run ids: tagged on every resource; `terratower nuke` sweeps by them. */
import { SpecError } from '../../spec/validate.ts';
import { DEFAULT_RUN_ID } from '../constructs/identity.ts';

export { DEFAULT_RUN_ID };

const RUN_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** Check a run id (1–40 lowercase letters, digits, hyphens). @throws SpecError with path `runId` */
export function checkRunId(runId: string): string {
  if (!RUN_ID.test(runId)) {
    throw new SpecError([
      {
        path: 'runId',
        message: `"${runId}" must be 1–40 lowercase letters, digits and hyphens, starting with a letter or digit: e.g. "local-dev" or a timestamp like "20261123t0730"`,
      },
    ]);
  }
  return runId;
}
