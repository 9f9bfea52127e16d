/** Run ids: tagged on every resource; `terratower nuke` sweeps by them (the rule lives in src/spec/run-id.ts). */
export { checkRunId, DEFAULT_RUN_ID } from '../../spec/run-id.ts';
