/** Timestamped events of a run: faults, restores, load changes, scaling activities, stops. */
import type { GroupName } from '../../spec/index.ts';

/** What kind of thing happened. */
export type EventKind = 'fault' | 'restore' | 'load' | 'scaling' | 'stop' | 'note';

/** One event, placed on the run's timeline. */
export interface ScenarioEvent {
  /** Milliseconds since the run started. */
  t: number;
  /** ISO 8601. */
  time: string;
  kind: EventKind;
  /** Short label drawn on the charts: "kill kafka-1", "zone b out", "load 750/s". */
  label: string;
  group?: GroupName;
  zone?: string;
  /** Load events: the new total rate. */
  recordsPerSecond?: number;
  /** Scaling events: desired before and after. */
  from?: number;
  to?: number;
  /** Members a fault took. */
  members?: string[];
  /** Scaling events that replace a member: which one and why. */
  replaced?: { member: string; reason: 'unhealthy' | 'lost' };
}
