/** What `report.json` holds and `report.html` shows. */
import type { Ledger } from '../ledger/ledger.ts';
import type { HealthCheckSettings } from '../../model/target.ts';
import type { GroupName } from '../../spec/index.ts';
import type { ScenarioEvent } from '../engine/events.ts';
import type { Journal } from '../engine/journal.ts';
import type { RecoveryFigures } from '../engine/recovery.ts';
import type { LatencyReport } from './latency.ts';
import type { SeriesPoint } from './series.ts';

/** The report's data: everything needed to redraw the HTML from the JSON. */
export interface ReportData {
  /** Format version of report.json. */
  version: 1;
  generatedAt: string;
  scenario: string;
  description: string;
  target: 'local' | 'aws';
  runId: string;
  passed: boolean;
  hypothesisHeld: boolean;
  /** The hypothesis probes' names with tolerances. */
  hypothesis: string[];
  zones: string[];
  journal: Journal;
  ledger: Ledger | null;
  /** Why there is no ledger. */
  ledgerError?: string;
  recovery: RecoveryFigures;
  /** End-to-end latency (absent in reports of earlier versions). */
  latency?: LatencyReport | null;
  events: ScenarioEvent[];
  series: SeriesPoint[];
  drained: boolean;
  samplerErrors: { t: number; message: string }[];
  wallSeconds: number;
  /** The health checks the target ran on each app group (absent when it could not say). */
  healthChecks?: Partial<Record<GroupName, HealthCheckSettings>>;
}
