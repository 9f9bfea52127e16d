/** The scenario engine: types, the run helper, and the pure parts (probes, schedule, recovery). */
export * from './types.ts';
export type { ScenarioEvent, EventKind } from './events.ts';
export type { Journal, ActivityRecord, HypothesisRecord, RunStatus } from './journal.ts';
export { evaluateProbe, evaluateAll, probeName, firstHoldingRun } from './probes.ts';
export { seededRandom, terminationSchedule } from './random.ts';
export {
  computeRecovery,
  recoverText,
  type RecoveryFigures,
  type FaultRecovery,
  type ScalingFigure,
} from './recovery.ts';
export {
  methodProblem,
  runScenario,
  type DatasetRef,
  type DatasetSource,
  type RunOptions,
  type ScenarioResult,
} from './run.ts';
