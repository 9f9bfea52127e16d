/** What one scenario run produced: the verdict and everything the report shows. */
import type { Ledger } from '../ledger/ledger.ts';
import type { LatencyReport } from '../report/latency.ts';
import type { SeriesPoint } from '../report/series.ts';
import type { ScenarioEvent } from './events.ts';
import type { Journal } from './journal.ts';
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
  /** Hypothesis held and the ledger is exact: what the CLI's exit code says. */
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
