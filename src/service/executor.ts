/**
 * The executor the service runs queued runs with: the run's spec deployed as a local twin
 * through terraform, the scenario's dataset generated and loaded, the scenario run, its report
 * written under the run's own directory, the run recorded in the store, the twin destroyed.
 * A cancelled run stops its method, runs its rollbacks and is destroyed like any other.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deployedRun, runShipped, type ScenarioDefinition } from '../harness/scenarios/index.ts';
import { sweepTerraformRunDirs } from '../harness/terraform/sweep.ts';
import { terraformRunsRoot } from '../support/paths.ts';
import type { RunStore } from '../store/index.ts';
import type { RunExecutor } from './queue.ts';

/** Options of the twin executor. */
export interface TwinExecutorOptions {
  store: RunStore;
  /** Reports go to `<reportsRoot>/<run id>/`. */
  reportsRoot: string;
  /** Scenario definitions by name (shipped plus any the server was given). */
  scenarios: readonly ScenarioDefinition[];
  /** Redacts a line before it leaves the process. */
  redact: (line: string) => string;
  /** Binary that applies the twin's stack. @default terraform */
  binary?: 'terraform' | 'tofu';
}

/** The run's report directory. */
export function runReportDir(reportsRoot: string, runId: string): string {
  return join(reportsRoot, runId);
}

/** An executor that runs each queued run on a local twin in the slot it is given. */
export function twinExecutor(options: TwinExecutorOptions): RunExecutor {
  return async (run, { slot, signal, live }) => {
    const log = (line: string): void => live.line(options.redact(line));
    const def = options.scenarios.find((s) => s.name === run.scenario);
    if (!def) return { status: 'error', error: `scenario "${run.scenario}" is not known to this server` };
    if (!run.spec) return { status: 'error', error: 'the queued run has no spec' };
    if (run.target !== 'local') return { status: 'error', error: 'this server runs the local target only' };
    const { LocalTarget } = await import('../harness/targets/local.ts');
    const target = new LocalTarget({
      spec: run.spec,
      runId: run.id,
      slot,
      // The server handles SIGTERM/SIGINT itself (finish the run in flight, then exit); the runner's
      // own handlers would destroy the twin mid-run and end the process.
      terraform: { echo: false, binary: options.binary ?? 'terraform', handleSignals: false },
      log,
    });
    const workDir = await mkdtemp(join(tmpdir(), 'tt-service-'));
    try {
      const result = await deployedRun(target, async (t) => {
        if (signal.aborted) throw new Error('cancelled before the scenario started');
        return runShipped(def, {
          target: t,
          spec: run.spec!,
          out: runReportDir(options.reportsRoot, run.id),
          workDir,
          log,
          signal,
          store: options.store,
          onSample: (p) => live.sample(p),
          onEvent: (e) => live.event(e),
          ...(run.seed !== undefined ? { seed: run.seed } : {}),
          ...(run.experiment ? { experiment: run.experiment } : {}),
        });
      });
      log(`teardown done; ${result.passed ? 'passed' : 'failed'}`);
      if (signal.aborted) return { status: 'interrupted', error: String(signal.reason ?? 'aborted') };
      return { status: result.passed ? 'passed' : 'failed' };
    } catch (error) {
      const message = options.redact((error as Error).message.split('\n')[0] ?? 'unknown error');
      log(`run failed: ${message}`);
      return { status: signal.aborted ? 'interrupted' : 'error', error: message };
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  };
}

/**
 * Destroy what a run left when the server running it was killed: its terraform run dir (whose
 * destroy runs the twin's `local down`), then remove the dir.
 * @param runsRoot where terraform run dirs live (default `<cache>/tf-runs`)
 */
export async function cleanupInterruptedRun(runId: string, runsRoot = terraformRunsRoot()): Promise<string> {
  const entries = await sweepTerraformRunDirs({
    runDirs: [join(runsRoot, runId)],
    echo: false,
    log: () => undefined,
  });
  const e = entries[0];
  if (!e) return 'nothing to destroy';
  if (e.action === 'skipped-unreadable') return 'no terraform state left (nothing was deployed)';
  if (e.action === 'failed') throw new Error(e.detail ?? 'destroy failed');
  return `terraform state ${e.action}`;
}
