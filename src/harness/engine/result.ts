/** What one scenario run produced: the verdict and everything the report shows. */
import type { Ledger } from '../ledger/ledger.ts';
import type { HealthCheckSettings } from '../../model/target.ts';
import type { GroupName } from '../../spec/index.ts';
import type { LatencyReport } from '../report/latency.ts';
import type { SeriesPoint } from '../report/series.ts';
import type { ScenarioEvent } from './events.ts';
import type { Journal, ReplacementRecord } from './journal.ts';
import type { RecoveryFigures } from './recovery.ts';

/** What a run found. */
export interface ScenarioResult {
  scenario: string;
  target: 'local' | 'aws';
  runId: string;
  /** Hypothesis held before and after, and every expectation of the method was met. */
  hypothesisHeld: boolean;
  /** `null` when skipped (no dataset given) or unreadable (see `ledgerError`). */
  ledger: Ledger | null;
  /** Why there is no ledger. */
  ledgerError?: string;
  /**
   * Members replaced for failing health checks, per group, against the scenario's bound
   * (`maxReplacements`); the same record as `journal.replacements`.
   */
  replacements: ReplacementRecord;
  /** The health checks the target ran on each app group (absent when the target cannot say). */
  healthChecks?: Partial<Record<GroupName, HealthCheckSettings>>;
  /** Hypothesis held, the ledger is exact and the churn stayed within its bound: what the CLI's exit code says. */
  passed: boolean;
  journal: Journal;
  events: ScenarioEvent[];
  series: SeriesPoint[];
  recovery: RecoveryFigures;
  /** End-to-end latency: per-second series and baseline / fault / recovery windows (null: the consumers exported none). */
  latency?: LatencyReport | null;
  /** Whether the pipeline drained (lag 0, quiet) before the ledger was read. */
  drained: boolean;
  /** Ticks on which the target could not be read. */
  samplerErrors: { t: number; message: string }[];
  reportJson: string;
  reportHtml: string;
  wallSeconds: number;
}
