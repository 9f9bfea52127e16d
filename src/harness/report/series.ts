/** The compact per-sample series a report stores and draws (observations minus member lists). */
import type { GroupName } from '../../spec/index.ts';
import type { MeasuredFigure } from '../../model/target.ts';
import type { Observation } from '../engine/types.ts';

/** A group's size at one sample. */
export interface GroupPoint {
  desired: number;
  inService: number;
  /** Members in service per zone. */
  byZone: Record<string, number>;
}

/** One sample on the report's timeline. */
export interface SeriesPoint {
  /** Seconds since the run started. */
  t: number;
  produced: number;
  consumed: number;
  lag: number;
  errors: number;
  deadLettered: number;
  cpu: Partial<Record<GroupName, number>>;
  groups: Partial<Record<GroupName, GroupPoint>>;
  /** Figures this sample could not measure: their numbers are placeholders, drawn as gaps. */
  unknown?: MeasuredFigure[];
}

/** Compact a run's observations into report series. */
export function toSeries(observations: readonly Observation[]): SeriesPoint[] {
  return observations.map((o) => {
    const groups: Partial<Record<GroupName, GroupPoint>> = {};
    for (const [name, state] of Object.entries(o.groups) as [
      GroupName,
      NonNullable<Observation['groups'][GroupName]>,
    ][]) {
      groups[name] = {
        desired: state.desired,
        inService: state.members.filter((m) => m.lifecycle === 'InService').length,
        byZone: { ...state.inServiceByZone },
      };
    }
    return {
      t: Math.round(o.t / 100) / 10,
      produced: o.metrics.producedPerSecond,
      consumed: o.metrics.consumedPerSecond,
      lag: o.metrics.lag,
      errors: o.metrics.errorsPerSecond,
      deadLettered: o.metrics.deadLettered,
      cpu: { ...o.metrics.cpuByGroup },
      groups,
      ...(o.metrics.unknown?.length ? { unknown: [...o.metrics.unknown] } : {}),
    };
  });
}
