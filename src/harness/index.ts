/**
 * The harness's public API: targets, the scenario engine, the shipped scenarios, the ledger and
 * the report. (The terraform runner is `./terraform/index.ts`; the AWS target, which loads the
 * AWS SDK, is `./aws-target.ts`, the package's `terratower/aws-target`.)
 */
export * from '../model/target.ts';
export * from './engine/index.ts';
export { computeLedger, idsFromFile, type Ledger, type LedgerInput } from './ledger/ledger.ts';
export { writeReport, reportData } from './report/write.ts';
export { renderHtml } from './report/html.ts';
export type { ReportData } from './report/model.ts';
export { selectMembers, percentToCount } from './select.ts';
export { prepareScenarioDataset, type ScenarioDatasetOptions } from './dataset/prepare.ts';
export { DatasetFeed, FEED_LEAD_SECONDS, type DatasetFeedOptions, type FedDataset } from './dataset/feed.ts';
export {
  SCENARIOS,
  scenarioByName,
  runShipped,
  deployedRun,
  scenarioSpec,
  type ScenarioDefinition,
  type ShippedRunOptions,
} from './scenarios/index.ts';
export { LocalTarget, type LocalTargetOptions } from './targets/local.ts';
