/**
 * Experiments: files (validated like the spec), scheduling (interleaved or parallel), the
 * runner, statistics, comparisons and their report, gates, and CI outputs.
 */
export {
  validateExperiment,
  loadExperimentFile,
  parseExperimentText,
  experimentDefinition,
  ExperimentError,
  MAX_REPETITIONS,
  type Experiment,
  type ExperimentIssue,
  type ExperimentMode,
  type FaultPlacement,
  type Variant,
  type ValidateExperimentOptions,
} from './file.ts';
export {
  planRounds,
  decideMode,
  twinFootprint,
  withoutFaults,
  etaSeconds,
  FAULT_STEPS,
  type PlannedRun,
  type Round,
  type ModeDecision,
  type Footprint,
} from './schedule.ts';
export {
  runExperiment,
  newExperimentId,
  phaseOf,
  type ExperimentOutcome,
  type ExperimentProgress,
  type ExperimentRunOptions,
  type TargetFactory,
} from './run.ts';
export {
  bootstrapMedian,
  bootstrapDifference,
  compareMetrics,
  verdictOf,
  MIN_RUNS_FOR_CLAIM,
  type BootstrapOptions,
  type Estimate,
  type Difference,
  type MetricComparison,
  type Samples,
} from './stats.ts';
export {
  buildComparison,
  defaultGroupOf,
  seriesOf,
  eventsOf,
  ledgerOf,
  type Comparison,
  type ComparisonOptions,
  type ComparedGroup,
  type FairnessFact,
} from './compare.ts';
export { renderComparisonHtml, writeComparison } from './report.ts';
export { parseGate, evaluateGates, statOf, GateError, type Gate, type GateResult, type GateStat } from './gate.ts';
export { junitXml, markdownSummary, appendStepSummary } from './ci-output.ts';
export { githubWorkflow, INFRA_PATHS, type WorkflowOptions } from './github-workflow.ts';
