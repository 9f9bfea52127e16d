/** The files a twin run keeps in its run dir, and how to read them. */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PipelineSpec } from '../spec/index.ts';
import type { TwinNetwork } from '../spec/addresses.ts';
import { runDir, runsDir } from '../support/paths.ts';

/** run.json: what a run is, written by `local up` before and after it starts the daemon. */
export interface RunInfo {
  runId: string;
  slot: number;
  /** How the zones are networked (absent in runs from before namespaces: loopback). */
  network?: TwinNetwork;
  createdAt: string;
  spec: PipelineSpec;
  /** The daemon (absent until it is started). Its pgid equals its pid (it leads its own group). */
  daemon?: { pid: number; pgid: number };
  /** Pid whose exit makes the daemon tear the twin down, if any. */
  ownerPid?: number;
}

/** control.json: written by the daemon once its control API listens. */
export interface ControlInfo {
  url: string;
  pid: number;
}

/** boot-error.json: written by the daemon when boot fails. */
export interface BootError {
  message: string;
  logFile?: string;
}

export const RUN_FILE = 'run.json';
export const CONTROL_FILE = 'control.json';
export const BOOT_ERROR_FILE = 'boot-error.json';
export const DAEMON_LOG = 'daemon.log';

/** Write a JSON file atomically (write + rename). */
export function writeJson(path: string, value: unknown): void {
  writeFileSync(`${path}.tmp`, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** run.json of a run, if readable. */
export function readRunInfo(runId: string): RunInfo | undefined {
  return readJson<RunInfo>(join(runDir(runId), RUN_FILE));
}

/** Write run.json (creating the run dir). */
export function writeRunInfo(info: RunInfo): void {
  mkdirSync(runDir(info.runId), { recursive: true });
  writeJson(join(runDir(info.runId), RUN_FILE), info);
}

/** control.json of a run, if the daemon has written it. */
export function readControlInfo(runId: string): ControlInfo | undefined {
  return readJson<ControlInfo>(join(runDir(runId), CONTROL_FILE));
}

/** boot-error.json of a run, if boot failed. */
export function readBootError(runId: string): BootError | undefined {
  return readJson<BootError>(join(runDir(runId), BOOT_ERROR_FILE));
}

/** Ids of every run that has a run dir. */
export function listRunIds(): string[] {
  if (!existsSync(runsDir())) return [];
  return readdirSync(runsDir(), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name);
}

export { checkRunId, newRunId } from '../spec/run-id.ts';
