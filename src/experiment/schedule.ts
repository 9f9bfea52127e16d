/**
 * How an experiment's runs are ordered and placed.
 *
 * - **interleaved**: one run at a time, variants alternating within each repetition
 *   (A B A B … for two variants, A B C A B C … for three), so slow drift of a shared machine
 *   (other jobs, a warming disk cache) hits every variant alike instead of one variant's block.
 * - **parallel**: control and experimental at the same time, each in its own deployment: on the
 *   twin two twins in two address slots; on AWS the two copies of one `ExperimentStack`. The
 *   scenario's faults go to the experimental group only (or to both with `faults: both`); the
 *   control group gets the same load and the same checks without the faults.
 *
 * Whether two twins fit is decided from the specs' footprint (an estimate, below) and the
 * machine's cores and available memory; when they do not, the experiment runs interleaved and
 * its report says why.
 */
import type { PipelineSpec } from '../spec/index.ts';
import type { MachineFacts } from '../store/index.ts';
import type { Step } from '../harness/engine/types.ts';
import type { ScenarioDefinition } from '../harness/scenarios/index.ts';
import type { Experiment, ExperimentMode, Variant } from './file.ts';

/** One planned run. */
export interface PlannedRun {
  /** 0-based position in the whole experiment. */
  index: number;
  scenario: ScenarioDefinition;
  variant: Variant;
  /** 1-based. */
  repetition: number;
  /** Parallel mode: which group. */
  arm?: 'control' | 'experimental';
  /** Whether this run gets the scenario's faults. */
  faults: boolean;
  /** Twin address slot. */
  slot: number;
  /** The dataset tag: the same for every run of one scenario and repetition, so variants see the same records. */
  datasetTag: string;
}

/** Runs that execute at the same time (one in interleaved mode, two in parallel mode). */
export type Round = PlannedRun[];

/** The decided mode and why. */
export interface ModeDecision {
  mode: ExperimentMode;
  reason: string;
}

/** Rough resources one twin of a spec needs. */
export interface Footprint {
  memoryMiB: number;
  cores: number;
}

/**
 * Estimated footprint of a twin (MACHINE-FACTS: a broker at -Xmx512m ≈ 0.7 GiB, a Cassandra
 * node ≈ 0.8 GiB RSS, the default 3 + 3 twin ≈ 4 GiB and most of two cores under load). Cores:
 * half a core per JVM member, a tenth per app member at its max. An estimate to decide with,
 * not a measurement.
 */
export function twinFootprint(spec: PipelineSpec): Footprint {
  const apps = spec.producers.max + spec.consumers.max;
  return {
    memoryMiB: spec.kafka.brokers * 700 + spec.cassandra.nodes * 850 + apps * 120 + 250,
    cores: Math.round((0.5 * (spec.kafka.brokers + spec.cassandra.nodes) + 0.1 * apps) * 10) / 10,
  };
}

/** Decide how to run: the file's mode, the target, and (for parallel on the twin) whether two twins fit. */
export function decideMode(e: Experiment, machine: Pick<MachineFacts, 'cores' | 'availableMemoryMiB'>): ModeDecision {
  if (e.mode === 'interleaved') return { mode: 'interleaved', reason: 'interleaved, as the experiment file asks' };
  if (e.variants.length !== 2)
    return {
      mode: 'interleaved',
      reason: `interleaved: parallel runs two variants, this experiment has ${e.variants.length}`,
    };
  if (e.target === 'aws')
    // The plan (control + experimental at once, faults on the experimental copy) is the same as on
    // the twin; what is missing is a target per copy of one applied ExperimentStack.
    return {
      mode: 'interleaved',
      reason:
        "interleaved instead of parallel: on AWS the two groups would be ExperimentStack's two copies, but AwsTarget cannot yet attach to one copy of that stack",
    };
  const need = e.scenarios.map((s) => {
    const a = twinFootprint(e.variants[0]!.specs[s.name]!);
    const b = twinFootprint(e.variants[1]!.specs[s.name]!);
    return { memoryMiB: a.memoryMiB + b.memoryMiB, cores: a.cores + b.cores };
  });
  const memoryMiB = Math.max(...need.map((n) => n.memoryMiB));
  const cores = Math.max(...need.map((n) => n.cores));
  const fits = cores <= machine.cores && memoryMiB * 1.2 <= machine.availableMemoryMiB;
  const facts = `two twins of these specs need about ${cores} cores and ${(memoryMiB / 1024).toFixed(1)} GiB; this machine has ${machine.cores} cores and ${(machine.availableMemoryMiB / 1024).toFixed(1)} GiB available`;
  if (fits) return { mode: 'parallel', reason: `parallel: two twins in two address slots (${facts})` };
  return {
    mode: 'interleaved',
    reason: `interleaved instead of parallel: ${facts} (a smaller spec — fewer brokers and Cassandra nodes — fits)`,
  };
}

/** Step kinds that inject a fault (what the control group does not get). */
export const FAULT_STEPS: readonly Step['kind'][] = [
  'kill',
  'killZone',
  'zoneOutage',
  'latency',
  'zoneRestore',
  'randomTermination',
  'stressCpu',
];

/** The scenario without its faults: the control group's run in parallel mode. */
export function withoutFaults(def: ScenarioDefinition): ScenarioDefinition {
  return {
    ...def,
    description: `${def.description} (control group: the same load and checks, no faults)`,
    method: def.method.filter((s) => !FAULT_STEPS.includes(s.kind)),
  };
}

/**
 * The rounds of an experiment. Interleaved: for each repetition, for each scenario, each variant
 * in the file's order. Parallel: for each repetition and scenario, one round of the two variants
 * (first = control, second = experimental) in slots `slot` and `slot + 1`.
 */
export function planRounds(e: Experiment, mode: ExperimentMode, options: { slot?: number } = {}): Round[] {
  const slot = options.slot ?? 0;
  const rounds: Round[] = [];
  let index = 0;
  for (let repetition = 1; repetition <= e.repetitions; repetition++) {
    for (const scenario of e.scenarios) {
      const datasetTag = `${scenario.name.slice(0, 24)}-r${repetition}`;
      if (mode === 'interleaved') {
        for (const variant of e.variants)
          rounds.push([{ index: index++, scenario, variant, repetition, faults: true, slot, datasetTag }]);
      } else {
        const [control, experimental] = e.variants as [Variant, Variant];
        rounds.push([
          {
            index: index++,
            scenario,
            variant: control,
            repetition,
            arm: 'control',
            faults: e.faults === 'both',
            slot,
            datasetTag,
          },
          {
            index: index++,
            scenario,
            variant: experimental,
            repetition,
            arm: 'experimental',
            faults: true,
            slot: slot + 1,
            datasetTag,
          },
        ]);
      }
    }
  }
  return rounds;
}

/** Seconds left, from the mean duration of the rounds done so far; undefined before the first. */
export function etaSeconds(doneRoundSeconds: readonly number[], roundsLeft: number): number | undefined {
  if (doneRoundSeconds.length === 0) return undefined;
  const mean = doneRoundSeconds.reduce((a, b) => a + b, 0) / doneRoundSeconds.length;
  return Math.round(mean * roundsLeft);
}
