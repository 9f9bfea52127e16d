/**
 * What the run store keeps. One `RunRecord` per run (a shipped scenario run from the CLI or a
 * test, or one repetition of one variant of an experiment), one `ExperimentRecord` per
 * experiment. Both backends (SQLite, S3) store exactly these shapes; `schemaVersion` says which
 * format a record was written in, and `upgradeRunRecord` (./migrations.ts) brings older ones up.
 *
 * The store sits below the harness, so the harness's own types (journal, series, ledger,
 * recovery figures) are kept here as JSON (`RunDetail`, typed `unknown`); the experiment layer
 * reads them back with their harness types (`src/experiment/records.ts`).
 */
import type { PipelineSpec } from '../spec/index.ts';

/** Format version of records written by this code. Bump it with a migration in ./migrations.ts. */
export const RUN_RECORD_VERSION = 1;

/**
 * Where a run is: `queued` and `running` are for schedulers (the service's queue); a finished
 * run is `passed` or `failed` (its verdict), `error` (it could not run: deploy failed, …),
 * `interrupted` (SIGINT/SIGTERM, a server killed mid-run) or `cancelled` (asked to stop).
 */
export type StoredRunStatus = 'queued' | 'running' | 'passed' | 'failed' | 'error' | 'interrupted' | 'cancelled';

/** Every status, in lifecycle order. */
export const RUN_STATUSES: readonly StoredRunStatus[] = [
  'queued',
  'running',
  'passed',
  'failed',
  'error',
  'interrupted',
  'cancelled',
];

/** The machine a run ran on: what makes two runs comparable (or not). */
export interface MachineFacts {
  hostname: string;
  platform: string;
  arch: string;
  /** Logical CPUs. */
  cores: number;
  /** CPU model name. */
  cpuModel: string;
  /** Total memory, MiB. */
  memoryMiB: number;
  /** Available memory when the run started, MiB. */
  availableMemoryMiB: number;
  /** 1, 5 and 15 minute load averages when the run started. */
  loadAverage: [number, number, number];
  /** `process.version`. */
  node: string;
  /** `java -version`'s first line, or null when there is no java. */
  java: string | null;
}

/** Where a run's code and parts came from. */
export interface Provenance {
  /** `git rev-parse HEAD` of the terratower checkout, or null outside a checkout. */
  gitRevision: string | null;
  /** The checkout had uncommitted changes. */
  gitDirty: boolean | null;
  /** terratower's package version. */
  terratower: string;
  /** Pinned component versions (packer/versions.env: KAFKA_VERSION, CASSANDRA_VERSION, …) and tools (terraform). */
  versions: Record<string, string>;
  machine: MachineFacts;
}

/** The experiment a run belongs to. */
export interface ExperimentTag {
  /** The experiment's id (`exp-…`). */
  id: string;
  /** The experiment file's `name`. */
  name: string;
  /** Variant name (`control`, `rf2`, …). */
  variant: string;
  /** 1-based repetition of this variant. */
  repetition: number;
  /** How the experiment ran its variants. */
  mode: 'interleaved' | 'parallel';
  /** In parallel mode: which group this run was (faults are injected into the experimental group). */
  arm?: 'control' | 'experimental';
  /** Address slot of the twin (local target). */
  slot?: number;
}

/**
 * The per-run figures statistics, gates and comparisons work on, by metric name (see
 * `FIGURES`). `null`: the run had no such figure (no fault to recover from, no ledger, …).
 */
export type RunFigures = Partial<Record<FigureName, number | null>>;

/** Names of the per-run figures. */
export type FigureName =
  | 'detect'
  | 'recover'
  | 'scaleOutDecide'
  | 'scaleOutSettle'
  | 'maxLag'
  | 'throughputDuringFault'
  | 'lost'
  | 'duplicated'
  | 'latencyP99'
  | 'wall'
  | 'passed';

/** What a figure means and which way is better. */
export interface FigureInfo {
  name: FigureName;
  /** Short label for tables. */
  label: string;
  unit: string;
  /** Which direction is an improvement. */
  better: 'lower' | 'higher';
  /** One sentence: how it is measured. */
  description: string;
}

/** Every figure, in the order reports show them. One definition, used by the harness, statistics, gates and reports. */
export const FIGURES: readonly FigureInfo[] = [
  {
    name: 'detect',
    label: 'time to detect',
    unit: 's',
    better: 'lower',
    description: 'fault → first scaling activity of an affected group (worst fault of the run)',
  },
  {
    name: 'recover',
    label: 'time to recover',
    unit: 's',
    better: 'lower',
    description: 'fault → hypothesis and affected groups at desired hold again (worst fault of the run)',
  },
  {
    name: 'scaleOutDecide',
    label: 'scale-out decide',
    unit: 's',
    better: 'lower',
    description: 'load increase → first desired-capacity increase of the consumers',
  },
  {
    name: 'scaleOutSettle',
    label: 'scale-out settle',
    unit: 's',
    better: 'lower',
    description: 'load increase → consumers in service reach the new desired capacity',
  },
  {
    name: 'maxLag',
    label: 'max lag',
    unit: 'records',
    better: 'lower',
    description: 'highest consumer lag sampled during the method (the drain after it excluded)',
  },
  {
    name: 'throughputDuringFault',
    label: 'throughput during fault',
    unit: 'records/s',
    better: 'higher',
    description: 'mean consumed rate from the first fault until it recovered (at most 60 s; until the drain)',
  },
  {
    name: 'lost',
    label: 'lost',
    unit: 'records',
    better: 'lower',
    description: 'valid source records missing from Cassandra (ledger)',
  },
  {
    name: 'duplicated',
    label: 'duplicated',
    unit: 'records',
    better: 'lower',
    description: 'records delivered more than once where visible (ledger)',
  },
  {
    name: 'latencyP99',
    label: 'latency p99',
    unit: 'ms',
    better: 'lower',
    description: 'end-to-end record latency, 99th percentile over the method (baseline to recovery, not the drain)',
  },
  { name: 'wall', label: 'wall time', unit: 's', better: 'lower', description: 'scenario wall time' },
  { name: 'passed', label: 'passed', unit: '0/1', better: 'higher', description: '1 when the run passed' },
];

/** A figure's info by name; undefined for unknown names. */
export function figureInfo(name: string): FigureInfo | undefined {
  return FIGURES.find((f) => f.name === name);
}

/**
 * The bulky part of a run, as JSON: the harness's journal, metric series, events, ledger and
 * recovery figures (types `Journal`, `SeriesPoint[]`, `ScenarioEvent[]`, `Ledger`,
 * `RecoveryFigures` in src/harness). Stored apart from the summary so listing stays cheap.
 */
export interface RunDetail {
  journal?: unknown;
  series?: unknown;
  events?: unknown;
  ledger?: unknown;
  recovery?: unknown;
  /** The hypothesis probes' names (for redrawing the report). */
  hypothesis?: unknown;
}

/** One run. */
export interface RunRecord {
  /** Format version the record was written in (`RUN_RECORD_VERSION`). */
  schemaVersion: number;
  /** The run id (the target's run id: `local-20261128-…`). Unique. */
  id: string;
  /** A shipped scenario run on its own, or one run of an experiment. */
  kind: 'scenario' | 'experiment';
  /** Scenario name. */
  scenario: string;
  target: 'local' | 'aws';
  status: StoredRunStatus;
  /** ISO 8601: when the record was created (queued or started). */
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  wallSeconds?: number;
  /** Seed of the scenario's random choices. */
  seed?: number;
  /** Set for experiment runs. */
  experiment?: ExperimentTag;
  /** The deployed spec. */
  spec?: PipelineSpec;
  provenance?: Provenance;
  /** Figures for statistics and gates. */
  figures: RunFigures;
  /** Absolute path of the run's report.html (on the machine that ran it). */
  reportHtml?: string;
  /** Absolute path of the run's report.json. */
  reportJson?: string;
  /** Why the run errored, if it did. */
  error?: string;
  /** Journal, series, events, ledger, recovery: present when read with `{ detail: true }`. */
  detail?: RunDetail;
}

/** A run without its detail: what listing returns. */
export type RunSummary = Omit<RunRecord, 'detail'>;

/** What `listRuns` filters on; every field optional, all given ones must match. */
export interface RunFilter {
  scenario?: string;
  target?: 'local' | 'aws';
  status?: StoredRunStatus | readonly StoredRunStatus[];
  kind?: 'scenario' | 'experiment';
  experimentId?: string;
  variant?: string;
  /** Only runs created at or after this ISO time. */
  since?: string;
  /** Newest first; at most this many. @default 100 */
  limit?: number;
  /** Skip this many (paging). @default 0 */
  offset?: number;
}

/** Fields a scheduler may change on a stored run. */
export type RunPatch = Partial<
  Pick<
    RunRecord,
    'status' | 'startedAt' | 'finishedAt' | 'wallSeconds' | 'error' | 'reportHtml' | 'reportJson' | 'figures'
  >
>;

/** Where an experiment is. */
export type ExperimentStatus = 'queued' | 'running' | 'completed' | 'error' | 'interrupted' | 'cancelled';

/** One experiment: its definition, how it ran, and its runs. */
export interface ExperimentRecord {
  /** Format version (`RUN_RECORD_VERSION`). */
  schemaVersion: number;
  /** `exp-<stamp>-<hex>`. */
  id: string;
  /** The file's `name`. */
  name: string;
  /** Path of the experiment file it came from, if any. */
  file?: string;
  createdAt: string;
  finishedAt?: string;
  status: ExperimentStatus;
  /** The validated experiment definition, as JSON. */
  definition: unknown;
  /** How the variants ran, and why. */
  mode: 'interleaved' | 'parallel';
  modeReason: string;
  /** Ids of the experiment's runs, in the order they ran. */
  runIds: string[];
  /** The comparison report (comparison.html), once written. */
  reportHtml?: string;
  error?: string;
}

/**
 * The run store. Both backends implement it; every method is async so callers need not care
 * which one they hold. Writes replace by id (`putRun` twice with one id keeps the second).
 */
export interface RunStore {
  /** Where it is, as `openStore` accepts it: a file path or `s3://bucket/prefix`. */
  readonly location: string;
  /** Insert or replace a run (summary, figures and detail). */
  putRun(run: RunRecord): Promise<void>;
  /** A run by id; with `detail: true` its journal, series, events, ledger and recovery too. */
  getRun(id: string, options?: { detail?: boolean }): Promise<RunRecord | undefined>;
  /** Runs matching `filter`, newest first, without detail. */
  listRuns(filter?: RunFilter): Promise<RunSummary[]>;
  /** Change a stored run's status and timing fields; returns the updated summary, undefined if there is no such run. */
  updateRun(id: string, patch: RunPatch): Promise<RunSummary | undefined>;
  /** Remove a run; false when there was none. */
  deleteRun(id: string): Promise<boolean>;
  /** Insert or replace an experiment. */
  putExperiment(experiment: ExperimentRecord): Promise<void>;
  getExperiment(id: string): Promise<ExperimentRecord | undefined>;
  /** Experiments, newest first. */
  listExperiments(options?: { limit?: number; offset?: number }): Promise<ExperimentRecord[]>;
  /** Release the database / client. */
  close(): Promise<void>;
}

/** Thrown by the store for problems the user can fix (a store newer than this code, a bad location). */
export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreError';
  }
}
