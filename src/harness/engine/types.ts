/**
 * The scenario format: Chaos Toolkit's experiment shape (steady-state hypothesis → method →
 * rollbacks → journal) with AWS FIS's action vocabulary (terminate instances, disrupt
 * connectivity, AZ power interruption, stop conditions). Plain data: a scenario is written once
 * and runs on every `Target`.
 */
import type { GroupName } from '../../spec/index.ts';
import type { GroupState, MetricsSample, ZoneLatency, ZoneOutageMode } from '../../model/target.ts';

/** Consumer lag (records, summed over the group) at most `max`. */
export interface LagProbe {
  kind: 'lag';
  max: number;
}

/** Errors per second (both fleets) at most `max`. */
export interface ErrorRateProbe {
  kind: 'errorRate';
  max: number;
}

/** Records per second at least `min`, measured at the consumers (default) or the producers. */
export interface ThroughputProbe {
  kind: 'throughput';
  min: number;
  /** Which side of Kafka. @default 'consumed' */
  side?: 'produced' | 'consumed';
  /**
   * Average the rate over the last this many seconds of observations instead of one reading: a
   * producer sends in batches, so one second can be empty while the rate holds. In an expect step
   * only observations taken since the step started count, and the probe does not hold until they
   * span the whole window (readings from before a fault cannot carry it). Without a history (the
   * hypothesis) the single reading is used. @default 0 (the single reading)
   */
  overSeconds?: number;
}

/**
 * Every listed group (default: all) has as many members in service as its desired capacity.
 * Members in service means lifecycle `InService`: pending, unhealthy and frozen members do not count.
 */
export interface AtDesiredProbe {
  kind: 'atDesired';
  groups?: GroupName[];
}

/**
 * A group's members in service (lifecycle `InService`) within [min, max]. Says nothing about the
 * group's desired capacity: a group whose new members keep failing health checks can be "≤ 2 in
 * service" with desired 4. Use `desired` for what the group aims for, and `atDesired` for the
 * members following it.
 */
export interface GroupSizeProbe {
  kind: 'groupSize';
  group: GroupName;
  min?: number;
  max?: number;
}

/** A group's desired capacity (what the group aims for, not what runs) within [min, max]. */
export interface DesiredProbe {
  kind: 'desired';
  group: GroupName;
  min?: number;
  max?: number;
}

/** Every listed probe holds on the same observation ("desired ≥ 3 and consumers at desired"). */
export interface AllProbe {
  kind: 'all';
  probes: Probe[];
  /** Name shown in the journal and report. @default the probes' names joined with "and" */
  name?: string;
}

/** Members in service in every listed zone (default: all zones of the target) at least `min`. */
export interface ZoneSpreadProbe {
  kind: 'zoneSpread';
  group: GroupName;
  min: number;
  zones?: string[];
}

/** A check with a tolerance, evaluated on one observation. */
export type Probe =
  | LagProbe
  | ErrorRateProbe
  | ThroughputProbe
  | AtDesiredProbe
  | GroupSizeProbe
  | DesiredProbe
  | ZoneSpreadProbe
  | AllProbe;

/** What probes are evaluated on: one metric reading and every group's state at (about) the same time. */
export interface Observation {
  /** Milliseconds since the scenario started. */
  t: number;
  metrics: MetricsSample;
  groups: Partial<Record<GroupName, GroupState>>;
}

/** One probe's verdict on one observation. */
export interface ProbeResult {
  /** Human-readable name: "lag ≤ 5000". */
  name: string;
  probe: Probe;
  ok: boolean;
  /** The value compared, in words ("1234", "consumers 2/3"). */
  observed: string;
  /** The observation could not show the value (a scrape that got nothing, a group state missing). */
  unknown?: boolean;
}

/** Where a zone is named: by name, or by index into the target's zones (0 = first). */
export type ZoneRef = string | number;

/** Set the producers' total rate: absolute, or a multiple of the scenario's baseline load. */
export interface SetLoadStep {
  kind: 'setLoad';
  recordsPerSecond?: number;
  /** Multiple of `Scenario.baselineLoad`. */
  multiplier?: number;
}

/** Do nothing for a while (the sampler keeps sampling). */
export interface WaitStep {
  kind: 'wait';
  seconds: number;
}

/** Terminate `count` or `percent` of a group's members in service (FIS terminate-instances). */
export interface KillStep {
  kind: 'kill';
  group: GroupName;
  count?: number;
  percent?: number;
}

/** Terminate every member of the listed groups in one zone. */
export interface KillZoneStep {
  kind: 'killZone';
  zone: ZoneRef;
  /** @default every group */
  groups?: GroupName[];
}

/** Take a zone out (FIS disrupt-connectivity = `disrupt`, AZ power interruption = `power`). */
export interface ZoneOutageStep {
  kind: 'zoneOutage';
  zone: ZoneRef;
  mode: ZoneOutageMode;
}

/**
 * Delay and loss between a zone and the other zones, both directions, for `seconds` (FIS's
 * network latency and packet loss actions; `tc netem` on the zone's links). The step returns once
 * the fault is in place and the fault ends on its own; `zoneRestore` ends it early.
 */
export interface LatencyStep extends ZoneLatency {
  kind: 'latency';
  zone: ZoneRef;
}

/** Bring a zone back. */
export interface ZoneRestoreStep {
  kind: 'zoneRestore';
  zone: ZoneRef;
}

/**
 * Chaos-Monkey style: kill one random member of `group` at random times, exponentially
 * distributed with mean `meanIntervalSeconds`, during `windowSeconds`. Seeded: the same seed
 * gives the same schedule and the same picks (given the same members).
 */
export interface RandomTerminationStep {
  kind: 'randomTermination';
  group: GroupName;
  meanIntervalSeconds: number;
  windowSeconds: number;
  /** Never take the group below this many members in service. @default 1 */
  keepAtLeast?: number;
}

/** Wait until `probe` holds, for at most `withinSeconds`; the step fails if it never does. */
export interface ExpectStep {
  kind: 'expect';
  probe: Probe;
  withinSeconds: number;
  /** The probe must hold on this many consecutive observations. @default 1 */
  consecutive?: number;
  /**
   * The step is about a change: a probe that already held when the step started proves nothing,
   * so it must first be seen NOT holding (at or after the start) before a hold counts. Whether
   * the probe held at the start is journalled either way.
   * @default false
   */
  requireChange?: boolean;
  /**
   * With `requireChange`: the label of an earlier step of the method from whose end the change
   * may be seen. The probe seen not holding on any observation since that step ended arms the
   * step, so a change that came before this step started (a group that scaled in while the
   * previous steps still ran) counts, and one that came before that step ended does not.
   * @default the change must be seen from this step's start
   */
  changeSince?: string;
  /**
   * Once the probe holds, it must go on holding on every observation for this many seconds (a
   * figure that must stay up through a fault, not just touch the line once). @default 0
   */
  holdSeconds?: number;
}

/** Set a group's desired capacity. */
export interface SetDesiredStep {
  kind: 'setDesired';
  group: GroupName;
  desired: number;
}

/** Burn CPU on a group's members. */
export interface StressCpuStep {
  kind: 'stressCpu';
  group: GroupName;
  seconds: number;
  workers?: number;
}

/** One action or check of the method. */
export type StepAction =
  | SetLoadStep
  | WaitStep
  | KillStep
  | KillZoneStep
  | ZoneOutageStep
  | LatencyStep
  | ZoneRestoreStep
  | RandomTerminationStep
  | ExpectStep
  | SetDesiredStep
  | StressCpuStep;

/** A step of the method: an action, with an optional label and pauses around it. */
export type Step = StepAction & {
  /** Shown in the journal and report. @default derived from the action */
  label?: string;
  /** Seconds to wait before the action. */
  pauseBefore?: number;
  /** Seconds to wait after the action. */
  pauseAfter?: number;
  /** Run in the background: the method goes on at once, the engine awaits it before the hypothesis-after. */
  background?: boolean;
};

/** Actions allowed as rollbacks: ones that put things back. */
export type RollbackAction = SetLoadStep | ZoneRestoreStep | SetDesiredStep;

/** How the engine waits for the pipeline to drain before the ledger. */
export interface DrainOptions {
  /** Give up when nothing moved (no record produced or consumed, lag unchanged) for this long. @default 60 */
  stallSeconds?: number;
  /** Give up after this long in any case. @default 600 */
  timeoutSeconds?: number;
  /**
   * Drained once lag is 0 and nothing was produced or consumed for this long (a loaded machine
   * stalls for seconds: keep it long). When the producers report every object of the dataset
   * produced and the lag of 0 was read fresh (not the previous read's), everything is written,
   * and 5 quiet seconds (or this, if shorter) do. @default 20
   */
  quietSeconds?: number;
  /** Load while draining, so the producers finish the dataset; 0 = as fast as they can. @default 0 */
  recordsPerSecond?: number;
}

/** A whole scenario. */
export interface Scenario {
  /** Short name: `traffic-spike`. */
  name: string;
  /** One paragraph: what it does and what it expects. */
  description: string;
  /** Records/s the producers run at outside the method's changes. */
  baselineLoad: number;
  /** Seconds of baseline load before the hypothesis is checked. @default 10 */
  warmupSeconds?: number;
  /** The steady-state hypothesis: checked before and after the method. */
  hypothesis: Probe[];
  /** Consecutive observations the hypothesis must hold on (before and after). @default 3 */
  hypothesisConsecutive?: number;
  /** Seconds the hypothesis-after may take to hold again. @default 60 */
  hypothesisAfterWithinSeconds?: number;
  /** Seconds the hypothesis-before may take to hold (the system settling after deploy). @default 120 */
  hypothesisBeforeWithinSeconds?: number;
  /** The method: steps run in order. */
  method: Step[];
  /** Always run after the method, whatever happened. Zones taken out are restored regardless. */
  rollbacks?: RollbackAction[];
  /**
   * FIS stop conditions: if any of these probes fails (on `consecutive` observations) while the
   * method runs, the method stops and the rollbacks run.
   */
  stopConditions?: { probes: Probe[]; consecutive?: number };
  /** Seed of random choices (random termination, which member a kill takes). @default 1 */
  seed?: number;
  /** Sampling period, ms (≤ 1000). @default 1000 */
  sampleIntervalMs?: number;
  /** Drain before the ledger. */
  drain?: DrainOptions;
  /**
   * Most members the run may see replaced for failing health checks: one number for every group
   * together, or a bound per group (groups not named: unbounded). A run over the bound fails its
   * verdict: churn is a fault the scenario did not inject. @default unbounded (counted and shown)
   */
  maxReplacements?: number | Partial<Record<GroupName, number>>;
}
