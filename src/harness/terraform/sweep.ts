/**
 * Finds run dirs whose destroy never completed (process killed, machine rebooted, or kept for
 * debugging) and finishes them: destroy with the recorded binary and environment, then remove
 * the run dir. Runs owned by a live process are left alone.
 */
import { readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { terraformRunsRoot } from '../../support/paths.ts';
import { isRunActiveHere, TerraformRun } from './run.ts';
import { ownerAlive, readRunRecord, type RunStatus } from './run-record.ts';

/** Options of {@link sweepTerraformRunDirs}. */
export interface SweepOptions {
  /** Only report what would be done. @default false */
  dryRun?: boolean;
  /** Where run dirs live. @default `<cache>/tf-runs` */
  runsRoot?: string;
  /** Sweep only these run dirs (e.g. `terratower nuke --run-dir DIR`) instead of every one under `runsRoot`. */
  runDirs?: readonly string[];
  /** Echo terraform's output to stderr. @default true */
  echo?: boolean;
  /**
   * Also sweep runs whose owner process is alive (`terratower nuke --all`). Runs in use by this
   * very process are still left alone. @default false
   */
  includeLive?: boolean;
  /** Progress sink. @default a line on stderr */
  log?: (line: string) => void;
}

/** What the sweep did with one run dir. */
export type SweepAction =
  | 'destroyed'
  | 'would-destroy'
  | 'removed'
  | 'would-remove'
  | 'skipped-live-owner'
  | 'skipped-unreadable'
  | 'failed';

/** One run dir's outcome. */
export interface SweepEntry {
  /** Run id ('' when unreadable). */
  runId: string;
  /** Absolute run dir. */
  runDir: string;
  /** Status recorded in run.json ('unknown' without one). */
  status: RunStatus | 'unknown';
  /** What was (or would be) done. */
  action: SweepAction;
  /** Details: owner pid, failure message. */
  detail?: string;
}

const defaultLog = (line: string): void => {
  process.stderr.write(`[terratower sweep] ${line}\n`);
};

async function listRunDirs(root: string): Promise<string[]> {
  try {
    const entries = await readdir(root, { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory())
      .map((e) => join(root, e.name))
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/**
 * Destroys and removes every run dir whose destroy never completed (status other than
 * `destroyed`, owner process gone). A run dir already destroyed but retained is removed. Never
 * throws for one run dir's failure: it is reported as `failed` and the sweep goes on.
 */
export async function sweepTerraformRunDirs(options: SweepOptions = {}): Promise<SweepEntry[]> {
  const log = options.log ?? defaultLog;
  const dirs = options.runDirs
    ? options.runDirs.map((d) => resolve(d))
    : await listRunDirs(options.runsRoot ?? terraformRunsRoot());
  const entries: SweepEntry[] = [];
  for (const runDir of dirs) {
    const record = await readRunRecord(runDir);
    if (!record) {
      entries.push({
        runId: '',
        runDir,
        status: 'unknown',
        action: 'skipped-unreadable',
        detail: 'no readable run.json',
      });
      log(`${runDir}: no readable run.json, left alone`);
      continue;
    }
    const base = { runId: record.runId, runDir, status: record.status };
    const ownedHere = record.ownerPid === process.pid;
    if (ownedHere ? isRunActiveHere(runDir) : !options.includeLive && ownerAlive(record)) {
      entries.push({ ...base, action: 'skipped-live-owner', detail: `owned by live process ${record.ownerPid}` });
      log(`${record.runId}: owned by live process ${record.ownerPid}, left alone`);
      continue;
    }
    if (record.status === 'destroyed') {
      if (!options.dryRun) await rm(runDir, { recursive: true, force: true });
      entries.push({ ...base, action: options.dryRun ? 'would-remove' : 'removed' });
      continue;
    }
    if (options.dryRun) {
      entries.push({ ...base, action: 'would-destroy', detail: record.destroyCommand });
      log(`${record.runId} (${record.status}): would destroy with ${record.binary}`);
      continue;
    }
    try {
      log(`${record.runId} (${record.status}): destroying with ${record.binary} …`);
      const run = await TerraformRun.attach(runDir, { echo: options.echo ?? true, handleSignals: true });
      await run.finish();
      await rm(runDir, { recursive: true, force: true });
      entries.push({ ...base, action: 'destroyed' });
      log(`${record.runId}: destroyed`);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      entries.push({ ...base, action: 'failed', detail });
      log(`${record.runId}: destroy failed: ${detail.split('\n')[0]}`);
    }
  }
  return entries;
}

/** What a nuke sweeper is given (structurally `NukeContext` of src/twin/nuke.ts). */
export interface SweeperContext {
  /** Also remove what live processes own. */
  all: boolean;
  /** Only report. */
  dryRun: boolean;
}

/**
 * The sweep in the shape `terratower nuke` registers (`registerSweeper(terraformRunDirSweeper)`):
 * returns one line per run dir destroyed (or that would be); throws, naming them, when some
 * could not be destroyed (their run dirs stay, with their logs, for the next attempt).
 */
export const terraformRunDirSweeper = {
  name: 'terraform run dirs',
  async sweep(ctx: SweeperContext): Promise<string[]> {
    const entries = await sweepTerraformRunDirs({
      dryRun: ctx.dryRun,
      includeLive: ctx.all,
      echo: false,
      log: () => undefined,
    });
    const done = entries
      .filter(
        (e) =>
          e.action === 'destroyed' ||
          e.action === 'would-destroy' ||
          e.action === 'removed' ||
          e.action === 'would-remove',
      )
      .map((e) => `${e.action.replace('would-', 'would ')} ${e.runId} (${e.status}) ${e.runDir}`);
    const failed = entries.filter((e) => e.action === 'failed');
    if (failed.length > 0) {
      const lines = failed.map((e) => `${e.runId}: ${(e.detail ?? '').split('\n')[0]}`);
      throw new Error(
        `${failed.length} terraform run(s) could not be destroyed: ${lines.join('; ')}${done.length ? `; done: ${done.join('; ')}` : ''}`,
      );
    }
    return done;
  },
};
