/**
 * The run journal, shaped like Chaos Toolkit's: the steady-state hypothesis before and after,
 * every activity of the method with its start, end and outcome, every rollback.
 */
import type { GroupName } from '../../spec/index.ts';
import type { ProbeResult, RollbackAction, StepAction } from './types.ts';

/** Outcome of one activity. */
export type ActivityStatus = 'succeeded' | 'failed' | 'skipped';

/** One step or rollback as it ran. */
export interface ActivityRecord {
  /** Label: the step's own, or derived from its action. */
  name: string;
  /** Actions change the system; probes (expect steps) only check it. */
  type: 'action' | 'probe';
  action: StepAction | RollbackAction | { kind: 'safetyRestore'; zone: string };
  status: ActivityStatus;
  /** ISO 8601 start and end. */
  start: string;
  end: string;
  /** Ms since the run started. */
  t0: number;
  t1: number;
  /** What it did or saw, in words. */
  output?: string;
  /** Why it failed. */
  error?: string;
  /**
   * Expect steps: whether the probe already held on the last observation before the step
   * started (a hold that shows no change, unless the step required one).
   */
  heldAtStart?: boolean;
}

/** Members of one group replaced for failing health checks during the run. */
export interface GroupReplacements {
  /** How many replacements. */
  count: number;
  /** The replaced members, in order. */
  members: string[];
  /** Seconds since the run started of each replacement. */
  at: number[];
}

/** Churn: health-check replacements per group, and whether they stayed within the scenario's bound. */
export interface ReplacementRecord {
  byGroup: Partial<Record<GroupName, GroupReplacements>>;
  total: number;
  /** The scenario's bound, as written; absent when unbounded. */
  bound?: number | Partial<Record<GroupName, number>>;
  /** Within the bound (true when unbounded). */
  withinBound: boolean;
  /** Which bound was exceeded, in words. */
  exceeded?: string;
}

/** One check of the steady-state hypothesis. */
export interface HypothesisRecord {
  /** Whether every probe held on the required consecutive observations in time. */
  holds: boolean;
  /** ISO 8601 when the verdict was reached. */
  time: string;
  /** Ms since the run started. */
  t: number;
  /** Seconds spent waiting for it to hold. */
  waitedSeconds: number;
  /** The probes' results on the last observation looked at. */
  probes: ProbeResult[];
}

/** How the run ended, as Chaos Toolkit names it. */
export type RunStatus =
  /** The method ran to its end (the hypothesis after may still have deviated). */
  | 'completed'
  /** The hypothesis did not hold before the method: nothing was injected. */
  | 'failed'
  /** A step failed, a stop condition fired or an error was thrown: the method stopped early. */
  | 'aborted'
  /** The run was interrupted (SIGINT/SIGTERM or an abort signal). */
  | 'interrupted';

/** The whole journal. */
export interface Journal {
  scenario: string;
  description: string;
  target: 'local' | 'aws';
  runId: string;
  seed: number;
  start: string;
  end: string;
  durationSeconds: number;
  status: RunStatus;
  /** The hypothesis-after did not hold. */
  deviated: boolean;
  steadyStates: { before: HypothesisRecord | null; after: HypothesisRecord | null };
  run: ActivityRecord[];
  rollbacks: ActivityRecord[];
  /** Why the method stopped early, if it did. */
  stopReason?: string;
  /** Members replaced for failing health checks (churn), per group. */
  replacements: ReplacementRecord;
}

/**
 * Count health-check replacements per group from a run's events and check them against the
 * scenario's bound (`Scenario.maxReplacements`).
 */
export function countReplacements(
  events: readonly { t: number; group?: GroupName; replaced?: { member: string; reason: string } }[],
  bound?: number | Partial<Record<GroupName, number>>,
): ReplacementRecord {
  const byGroup: Partial<Record<GroupName, GroupReplacements>> = {};
  let total = 0;
  for (const e of [...events].sort((a, b) => a.t - b.t)) {
    if (!e.group || e.replaced?.reason !== 'unhealthy') continue;
    const g = (byGroup[e.group] ??= { count: 0, members: [], at: [] });
    g.count += 1;
    g.members.push(e.replaced.member);
    g.at.push(Math.round(e.t / 100) / 10);
    total += 1;
  }
  const out: ReplacementRecord = { byGroup, total, withinBound: true };
  if (bound === undefined) return out;
  out.bound = bound;
  const over: string[] = [];
  if (typeof bound === 'number') {
    if (total > bound) over.push(`${total} replaced for failing health checks, at most ${bound} allowed`);
  } else {
    for (const [group, max] of Object.entries(bound) as [GroupName, number][]) {
      const n = byGroup[group]?.count ?? 0;
      if (n > max) over.push(`${group}: ${n} replaced for failing health checks, at most ${max} allowed`);
    }
  }
  if (over.length > 0) {
    out.withinBound = false;
    out.exceeded = over.join('; ');
  }
  return out;
}

/** Builds a journal as the run goes. */
export class JournalBuilder {
  readonly journal: Journal;

  constructor(
    init: Pick<Journal, 'scenario' | 'description' | 'target' | 'runId' | 'seed'>,
    private readonly startedAt: number,
  ) {
    const start = new Date(startedAt).toISOString();
    this.journal = {
      ...init,
      start,
      end: start,
      durationSeconds: 0,
      status: 'completed',
      deviated: false,
      steadyStates: { before: null, after: null },
      run: [],
      rollbacks: [],
      replacements: { byGroup: {}, total: 0, withinBound: true },
    };
  }

  /** Run `fn` as an activity and record it (into `run` or `rollbacks`). Never throws: a failure is recorded. */
  async activity(
    where: 'run' | 'rollbacks',
    name: string,
    type: ActivityRecord['type'],
    action: ActivityRecord['action'],
    fn: () => Promise<string | undefined>,
  ): Promise<ActivityRecord> {
    const t0 = Date.now();
    const record: ActivityRecord = {
      name,
      type,
      action,
      status: 'succeeded',
      start: new Date(t0).toISOString(),
      end: '',
      t0: t0 - this.startedAt,
      t1: 0,
    };
    try {
      const output = await fn();
      if (output) record.output = output;
    } catch (error) {
      record.status = 'failed';
      record.error = (error as Error).message;
    }
    const t1 = Date.now();
    record.end = new Date(t1).toISOString();
    record.t1 = t1 - this.startedAt;
    this.journal[where].push(record);
    return record;
  }

  /** Record a step that was not run (the method stopped before it). */
  skipped(name: string, type: ActivityRecord['type'], action: ActivityRecord['action']): void {
    const now = Date.now();
    const iso = new Date(now).toISOString();
    this.journal.run.push({
      name,
      type,
      action,
      status: 'skipped',
      start: iso,
      end: iso,
      t0: now - this.startedAt,
      t1: now - this.startedAt,
    });
  }

  /** Close the journal: status and end time. */
  finish(status: RunStatus, stopReason?: string): Journal {
    const end = Date.now();
    this.journal.end = new Date(end).toISOString();
    this.journal.durationSeconds = Math.round((end - this.startedAt) / 100) / 10;
    this.journal.status = status;
    this.journal.deviated = this.journal.steadyStates.after !== null && !this.journal.steadyStates.after.holds;
    if (stopReason) this.journal.stopReason = stopReason;
    return this.journal;
  }
}
