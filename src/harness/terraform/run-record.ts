/**
 * `run.json`: the record a run keeps in its run dir, so that a run whose destroy never completed
 * (process killed, machine rebooted, `keep`) can be found and finished later.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TerraformKind } from '../../support/install/terraform.ts';
import { pidAlive, processStartTicks } from '../../support/process.ts';

/** Where a run is in its lifecycle. */
export type RunStatus =
  | 'created'
  | 'applying'
  | 'applied'
  | 'apply-failed'
  | 'destroying'
  | 'destroyed'
  | 'destroy-failed'
  | 'kept';

/** One command the run executed. */
export interface RunHistoryEntry {
  /** `init`, `apply`, `destroy`, … */
  command: string;
  /** 1-based attempt of this command. */
  attempt: number;
  /** ISO 8601. */
  startedAt: string;
  /** Wall time, ms. */
  durationMs: number;
  /** Exit code; null when it died from a signal. */
  exitCode: number | null;
  /** Stopped at its time limit. */
  timedOut: boolean;
  /** Stopped through an abort (signal of the test process). */
  aborted: boolean;
  /** Process id (and process group id) it ran as. */
  pid: number | null;
}

/** Content of `run.json`. */
export interface RunRecord {
  /** Record format. */
  format: 1;
  /** Run id (the run dir's name). */
  runId: string;
  /** Absolute run dir. */
  runDir: string;
  /** terraform or tofu. */
  binary: TerraformKind;
  /** Absolute path of the binary used (destroy later with the same one). */
  binaryPath: string;
  /** Its version. */
  binaryVersion: string;
  /** Lifecycle status. */
  status: RunStatus;
  /** Process that owns the run; a sweep leaves runs of live owners alone. */
  ownerPid: number;
  /** Start time of the owner (Linux clock ticks since boot), to tell a reused pid apart. */
  ownerStartTicks: number | null;
  /** Extra environment the commands ran with (needed to destroy later). */
  env: Record<string, string>;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601. */
  updatedAt: string;
  /** The command that destroys this run's stack later. */
  destroyCommand: string;
  /** Commands run so far. */
  history: RunHistoryEntry[];
  /** Last failure, in words. */
  lastError: string | null;
}

/** File name of the record inside a run dir. */
export const RUN_RECORD_FILE = 'run.json';

/** True when the process that wrote `record` is still running (same pid, same start time). */
export function ownerAlive(record: Pick<RunRecord, 'ownerPid' | 'ownerStartTicks'>): boolean {
  if (!pidAlive(record.ownerPid)) return false;
  if (record.ownerStartTicks === null) return true;
  return processStartTicks(record.ownerPid) === record.ownerStartTicks;
}

/** Writes the record atomically (temp file + rename), readable only by the owner (it may hold env values). */
export async function writeRunRecord(record: RunRecord): Promise<void> {
  const path = join(record.runDir, RUN_RECORD_FILE);
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, path);
}

/** Reads a run dir's record; undefined when there is none or it cannot be parsed. */
export async function readRunRecord(runDir: string): Promise<RunRecord | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(join(runDir, RUN_RECORD_FILE), 'utf8'));
    if (!parsed || typeof parsed !== 'object') return undefined;
    const record = parsed as Partial<RunRecord>;
    if (record.format !== 1 || typeof record.runId !== 'string' || typeof record.binaryPath !== 'string')
      return undefined;
    return record as RunRecord;
  } catch {
    return undefined;
  }
}
