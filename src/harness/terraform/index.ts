/**
 * The terraform lifecycle of the harness: installer, runner (`TerraformRun`), the
 * `withDeployedStack` helper, typed output readers and the sweep of unfinished run dirs.
 */
export * from '../../support/install/terraform.ts';
export * from './options.ts';
export * from './retry.ts';
export * from './outputs.ts';
export { runCommand, type CommandResult, type CommandSpec } from './exec.ts';
export * from './run-record.ts';
export * from './run.ts';
export * from './lifecycle.ts';
export * from './sweep.ts';
export * from './plugin-dir.ts';
export { onTerminationSignal, registeredCleanups } from './signals.ts';
export { terraformRunsRoot } from '../../support/paths.ts';
