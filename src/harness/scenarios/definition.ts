/** A shipped scenario: the scenario itself plus the pipeline and the dataset it is sized for. */
import type { PipelineSpecInput } from '../../spec/index.ts';
import type { Probe, Scenario } from '../engine/types.ts';

/** A scenario as terratower ships it. */
export interface ScenarioDefinition extends Scenario {
  /** Spec fields the scenario needs, merged over the user's spec (or the default). */
  spec?: PipelineSpecInput;
  /**
   * Dataset generated for one run: `rows` is sized so the load lasts through the hypothesis-after
   * of the slowest run. By default it is fed to the bucket in chunks of `STREAM_CHUNK_SECONDS` of
   * the baseline as the load needs them (`DatasetFeed`), so a quicker run drains only what it
   * used and a small lead; `upfront` uploads every row before the run instead, in `objects`
   * objects (a dataset whose versions of one id are spread over objects needs it).
   */
  dataset: {
    rows: number;
    objects?: number;
    malformedFraction?: number;
    updateFraction?: number;
    upfront?: boolean;
  };
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

/**
 * Seconds of the baseline load in one chunk (one object) of a fed dataset. A producer pauses
 * between objects (a done checkpoint, the progress topic read again, the bucket listed), so
 * objects much smaller than this dent the rate a scenario asserts.
 */
export const STREAM_CHUNK_SECONDS = 10;

/** Rows a scenario needs: baseline load over its length plus the extra load of its spikes, with a margin. */
export function rowsFor(baseline: number, seconds: number, extra = 0): number {
  return Math.round(((baseline * seconds + extra) * 1.15) / 100) * 100;
}
