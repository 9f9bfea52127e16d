/**
 * Recovery figures, computed from a run's observations and events after the fact (pure, so they
 * are unit-tested on synthetic timelines):
 *
 * - **time to detect**: fault → the platform's first reaction, i.e. the first scaling activity of
 *   an affected group (a replacement launched, capacity changed). `null` if it never reacted.
 * - **time to recover**: fault → the first observation from which the steady-state hypothesis
 *   and "affected groups at desired capacity" hold on `consecutive` observations in a row,
 *   counted from the first observation after the fault where they did not hold (the impact).
 *   0 when no impact was observed; `null` if it never recovered before the next fault or the end
 *   (`nextFaultFirst` says which: a next fault that comes first leaves the figure unmeasured,
 *   which is not the same as a pipeline that never recovered).
 * - **time to scale out / in**: load change → first scaling activity of an app group raising
 *   (after a load increase) or lowering (after a decrease) its desired capacity; and → the first
 *   observation where the group's members in service reach that new desired capacity.
 */
import type { GroupName } from '../../spec/index.ts';
import type { ScenarioEvent } from './events.ts';
import { evaluateAll, firstHoldingRun } from './probes.ts';
import type { Observation, Probe } from './types.ts';

/** Recovery of one fault. */
export interface FaultRecovery {
  /** The fault's label. */
  fault: string;
  /** Seconds from the run's start. */
  at: number;
  groups: GroupName[];
  zone?: string;
  /** Whether any probe failed after the fault. */
  impact: boolean;
  detectSeconds: number | null;
  recoverSeconds: number | null;
  /** Set when `recoverSeconds` is null because the next fault came before recovery could be seen. */
  nextFaultFirst?: true;
}

/** Scaling after one load change. */
export interface ScalingFigure {
  /** The load event's label. */
  trigger: string;
  /** Seconds from the run's start. */
  at: number;
  group: GroupName;
  direction: 'out' | 'in';
  /** Load change → first desired-capacity change in that direction. */
  decideSeconds: number | null;
  /** Load change → members in service reach the new desired capacity. */
  settledSeconds: number | null;
  /** Desired capacity before and at the end of the move. */
  from: number | null;
  to: number | null;
}

/** Every figure of a run. */
export interface RecoveryFigures {
  faults: FaultRecovery[];
  scaling: ScalingFigure[];
}

const ALL: GroupName[] = ['producers', 'consumers', 'kafka', 'cassandra'];

function round1(ms: number): number {
  return Math.round(ms / 100) / 10;
}

function inService(obs: Observation, group: GroupName): number | undefined {
  return obs.groups[group]?.members.filter((m) => m.lifecycle === 'InService').length;
}

/** A fault's time to recover as text: `16.2 s`, `—` (never), or `— (next fault came first)`. */
export function recoverText(f: FaultRecovery): string {
  if (f.recoverSeconds !== null) return `${f.recoverSeconds.toFixed(1)} s`;
  return f.nextFaultFirst ? '— (next fault came first)' : '—';
}

/** Compute every recovery figure of a run. */
export function computeRecovery(
  observations: readonly Observation[],
  events: readonly ScenarioEvent[],
  hypothesis: readonly Probe[],
  options: { consecutive?: number; zones?: readonly string[]; appGroups?: GroupName[] } = {},
): RecoveryFigures {
  const consecutive = options.consecutive ?? 3;
  const zones = options.zones ?? [];
  const faults = events.filter((e) => e.kind === 'fault').sort((a, b) => a.t - b.t);
  const scalingEvents = events.filter((e) => e.kind === 'scaling').sort((a, b) => a.t - b.t);
  const end = observations.length > 0 ? observations[observations.length - 1]!.t : 0;

  const faultFigures = faults.map((fault, k): FaultRecovery => {
    const groups = fault.group ? [fault.group] : ALL;
    const windowEnd = faults[k + 1]?.t ?? Number.POSITIVE_INFINITY;
    const firstReaction = scalingEvents.find(
      (e) => e.t >= fault.t && e.t < windowEnd && e.group && groups.includes(e.group),
    );
    const probes: Probe[] = [...hypothesis, { kind: 'atDesired', groups }];
    const startIndex = observations.findIndex((o) => o.t >= fault.t);
    let impactIndex = -1;
    if (startIndex >= 0) {
      for (let i = startIndex; i < observations.length && observations[i]!.t < windowEnd; i++) {
        if (!evaluateAll(probes, observations[i]!, zones).ok) {
          impactIndex = i;
          break;
        }
      }
    }
    let recoverSeconds: number | null = null;
    if (startIndex >= 0 && impactIndex < 0) recoverSeconds = 0;
    if (impactIndex >= 0) {
      const upTo = observations.filter((o) => o.t < windowEnd);
      const back = firstHoldingRun(upTo, probes, consecutive, zones, impactIndex);
      if (back >= 0) recoverSeconds = round1(observations[back]!.t - fault.t);
    }
    const figure: FaultRecovery = {
      fault: fault.label,
      at: round1(fault.t),
      groups,
      impact: impactIndex >= 0,
      detectSeconds: firstReaction ? round1(firstReaction.t - fault.t) : null,
      recoverSeconds,
    };
    if (fault.zone) figure.zone = fault.zone;
    if (recoverSeconds === null && impactIndex >= 0 && k + 1 < faults.length) figure.nextFaultFirst = true;
    return figure;
  });

  // Load changes of the method (the drain after it is not a load change the pipeline should scale for).
  const loads = events
    .filter((e) => e.kind === 'load' && e.recordsPerSecond !== undefined && !e.label.startsWith('drain'))
    .sort((a, b) => a.t - b.t);
  const scaling: ScalingFigure[] = [];
  loads.forEach((load, k) => {
    const previous = k > 0 ? loads[k - 1]!.recordsPerSecond! : undefined;
    if (previous === undefined || load.recordsPerSecond === previous) return;
    const direction: 'out' | 'in' = load.recordsPerSecond! > previous ? 'out' : 'in';
    const windowEnd = loads[k + 1]?.t ?? end + 1;
    for (const group of options.appGroups ?? (['consumers'] as GroupName[])) {
      const moves = scalingEvents.filter(
        (e) =>
          e.group === group &&
          e.t >= load.t &&
          e.t < windowEnd &&
          e.from !== undefined &&
          e.to !== undefined &&
          (direction === 'out' ? e.to > e.from : e.to < e.from),
      );
      const first = moves[0];
      const last = moves[moves.length - 1];
      // Groups other than the first listed are only reported when they moved.
      if (!first && group !== (options.appGroups ?? ['consumers'])[0]) continue;
      let settledSeconds: number | null = null;
      if (last?.to !== undefined) {
        const settled = observations.find((o) => o.t >= last.t && o.t < windowEnd && inService(o, group) === last.to);
        if (settled) settledSeconds = round1(settled.t - load.t);
      }
      scaling.push({
        trigger: load.label,
        at: round1(load.t),
        group,
        direction,
        decideSeconds: first ? round1(first.t - load.t) : null,
        settledSeconds,
        from: first?.from ?? null,
        to: last?.to ?? null,
      });
    }
  });

  return { faults: faultFigures, scaling };
}
