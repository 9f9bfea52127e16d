/** A shipped scenario: the scenario itself plus the pipeline and the dataset it is sized for. */
import type { PipelineSpecInput } from '../../spec/index.ts';
import type { Probe, Scenario } from '../engine/types.ts';

/** A scenario as terratower ships it. */
export interface ScenarioDefinition extends Scenario {
  /** Spec fields the scenario needs, merged over the user's spec (or the default). */
  spec?: PipelineSpecInput;
  /** Dataset generated for one run: sized so the load lasts through the hypothesis-after. */
  dataset: { rows: number; objects?: number; malformedFraction?: number; updateFraction?: number };
}

/** The steady state every shipped scenario checks before and after its method. */
export function steadyState(o: { maxLag: number; minThroughput: number; maxErrors?: number }): Probe[] {
  return [
    { kind: 'lag', max: o.maxLag },
    { kind: 'throughput', min: o.minThroughput },
    { kind: 'errorRate', max: o.maxErrors ?? 5 },
    { kind: 'atDesired' },
  ];
}

/** Rows a scenario needs: baseline load over its length plus the extra load of its spikes, with a margin. */
export function rowsFor(baseline: number, seconds: number, extra = 0): number {
  return Math.round(((baseline * seconds + extra) * 1.15) / 100) * 100;
}
