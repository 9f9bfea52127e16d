/**
 * The sampler: reads metrics and every group's state at a fixed period (≤ 1 s) and polls scaling
 * activities, while the method runs. Waiters (expect steps, stop conditions) are told of each
 * new observation.
 */
import type { GroupName } from '../../spec/index.ts';
import { ALL_GROUPS, type GroupState, type ScalingActivity, type Target } from '../../model/target.ts';
import type { ScenarioEvent } from './events.ts';
import type { Observation } from './types.ts';

/** Options of a sampler. */
export interface SamplerOptions {
  /** Sampling period, ms; clamped to [100, 1000]. */
  intervalMs: number;
  /** Epoch ms the run started (t = 0 on the timeline). */
  startedAt: number;
  /** Record an event (scaling activities go here). */
  onEvent: (event: ScenarioEvent) => void;
  /** Called for every observation, after it is stored. */
  onObservation?: (obs: Observation) => void;
}

/** Reads the target periodically into `observations`. */
export class Sampler {
  /** Every observation, oldest first. */
  readonly observations: Observation[] = [];
  /** Sampling failures (target unreachable for a tick), with when. */
  readonly errors: { t: number; message: string }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private activityTimer: NodeJS.Timeout | undefined;
  private running = false;
  private inFlight: Promise<void> | undefined;
  private activitiesInFlight: Promise<void> | undefined;
  private readonly seenActivities = new Set<string>();
  private activitiesSince: Date;
  private readonly listeners = new Set<(obs: Observation) => void>();

  constructor(
    private readonly target: Target,
    private readonly options: SamplerOptions,
  ) {
    this.activitiesSince = new Date(options.startedAt);
  }

  /**
   * Start sampling; the first observation is taken at once. Scaling activities are polled on
   * their own loop (every 2 s) so that a slow activity read never delays a metrics sample.
   */
  start(): void {
    if (this.running) return;
    this.running = true;
    const interval = Math.min(1000, Math.max(100, this.options.intervalMs));
    this.loop(
      interval,
      () => this.sampleOnce(),
      (p) => (this.inFlight = p),
      (t) => (this.timer = t),
    );
    this.loop(
      2000,
      () => this.pollActivitiesSafely(),
      (p) => (this.activitiesInFlight = p),
      (t) => (this.activityTimer = t),
    );
  }

  /** Run `work` every `periodMs` (counted from each start; never two at once) until stopped. */
  private loop(
    periodMs: number,
    work: () => Promise<void>,
    setInFlight: (p: Promise<void> | undefined) => void,
    setTimer: (t: NodeJS.Timeout) => void,
  ): void {
    const tick = (): void => {
      if (!this.running) return;
      const began = Date.now();
      setInFlight(
        work().finally(() => {
          setInFlight(undefined);
          if (this.running) setTimer(setTimeout(tick, Math.max(0, periodMs - (Date.now() - began))));
        }),
      );
    };
    tick();
  }

  /** Stop sampling and wait for a sample in flight. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    if (this.activityTimer) clearTimeout(this.activityTimer);
    await Promise.all([this.inFlight, this.activitiesInFlight]);
    await this.pollActivities().catch(() => undefined);
  }

  /** Subscribe to new observations; returns the unsubscribe function. */
  subscribe(listener: (obs: Observation) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Take one observation now (also used outside the periodic loop). */
  async observe(): Promise<Observation> {
    const [metrics, ...states] = await Promise.all([
      this.target.metrics(),
      ...ALL_GROUPS.map((g) => this.target.groupState(g)),
    ]);
    const groups: Partial<Record<GroupName, GroupState>> = {};
    ALL_GROUPS.forEach((g, i) => (groups[g] = states[i]));
    return { t: Date.now() - this.options.startedAt, metrics, groups };
  }

  private async sampleOnce(): Promise<void> {
    try {
      const obs = await this.observe();
      this.observations.push(obs);
      this.options.onObservation?.(obs);
      for (const listener of this.listeners) listener(obs);
    } catch (error) {
      this.errors.push({ t: Date.now() - this.options.startedAt, message: (error as Error).message });
    }
  }

  private async pollActivitiesSafely(): Promise<void> {
    await this.pollActivities().catch((error: Error) => {
      this.errors.push({ t: Date.now() - this.options.startedAt, message: `scaling activities: ${error.message}` });
    });
  }

  private async pollActivities(): Promise<void> {
    const activities = await this.target.scalingActivities(this.activitiesSince);
    for (const a of activities) this.recordActivity(a);
  }

  private recordActivity(a: ScalingActivity): void {
    const key = `${a.time}|${a.group}|${a.cause}|${a.from}|${a.to}`;
    if (this.seenActivities.has(key)) return;
    this.seenActivities.add(key);
    const at = Date.parse(a.time);
    const unhealthy = a.replaced?.reason === 'unhealthy';
    // The target's own record of a fault it injected or ended is on the timeline, but as a note:
    // it is no scaling activity, and must never count as the platform's reaction.
    if (a.fault) {
      this.options.onEvent({
        t: at - this.options.startedAt,
        time: a.time,
        kind: 'note',
        group: a.group,
        label: `${a.group}: ${a.cause}`,
        from: a.from,
        to: a.to,
      });
      return;
    }
    this.options.onEvent({
      t: at - this.options.startedAt,
      time: a.time,
      kind: 'scaling',
      group: a.group,
      label:
        a.from !== a.to
          ? `${a.group} ${a.from}→${a.to}`
          : unhealthy
            ? `${a.replaced?.member} replaced: failed health checks`
            : `${a.group}: ${a.cause}`,
      from: a.from,
      to: a.to,
      ...(a.replaced ? { replaced: { ...a.replaced } } : {}),
    });
  }
}
