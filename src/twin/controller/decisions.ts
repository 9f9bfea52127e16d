/**
 * The group controller's decisions as pure functions: what an Auto Scaling group would do given
 * its capacity, its members and its metrics. The runtime (group.ts) feeds them and carries out
 * what they return; the unit tests pin them down.
 */
import type { ScalingMetric, StepScalingPolicy, TargetTrackingPolicy } from '../../spec/index.ts';

/** Clamp a desired capacity to [min, max]. */
export function clampDesired(desired: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, Math.round(desired)));
}

/**
 * Zones to launch `count` members into, one by one into the available zone with the fewest
 * members (ties: the lowest zone index), as an Auto Scaling group balances its zones.
 * `countsByZone[i]` is the members zone i has now; unavailable zones get no launches.
 * Returns fewer than `count` entries when no zone is available.
 */
export function pickLaunchZones(
  countsByZone: readonly number[],
  available: readonly boolean[],
  count: number,
): number[] {
  const counts = [...countsByZone];
  const picks: number[] = [];
  for (let n = 0; n < count; n += 1) {
    let best = -1;
    for (let z = 0; z < counts.length; z += 1) {
      if (!available[z]) continue;
      if (best === -1 || counts[z]! < counts[best]!) best = z;
    }
    if (best === -1) break;
    picks.push(best);
    counts[best]! += 1;
  }
  return picks;
}

/**
 * AZRebalance: when the available zones' member counts differ by more than one, move one member
 * from the fullest available zone (ties: highest index) to the emptiest (ties: lowest index).
 * Undefined when balanced. Members in unavailable zones are left where they are.
 */
export function rebalanceMove(
  countsByZone: readonly number[],
  available: readonly boolean[],
): { from: number; to: number } | undefined {
  let from = -1;
  let to = -1;
  for (let z = 0; z < countsByZone.length; z += 1) {
    if (!available[z]) continue;
    if (from === -1 || countsByZone[z]! >= countsByZone[from]!) from = z;
    if (to === -1 || countsByZone[z]! < countsByZone[to]!) to = z;
  }
  if (from === -1 || countsByZone[from]! - countsByZone[to]! <= 1) return undefined;
  return { from, to };
}

/** What scale-in needs to know about a member. */
export interface ScaleInCandidate {
  id: string;
  zoneIndex: number;
  /** Launch time, ms since the epoch. */
  launchedAtMs: number;
}

/**
 * Members to terminate to remove `count`: each time from the zone with the most members
 * (ties: the highest zone index), newest first within it — the Auto Scaling default
 * termination policy (balance zones, then newest instance as our stand-in for "newest launch
 * template / closest to the billing hour").
 */
export function pickScaleIn(members: readonly ScaleInCandidate[], count: number): string[] {
  const remaining = [...members];
  const picks: string[] = [];
  for (let n = 0; n < count && remaining.length > 0; n += 1) {
    const byZone = new Map<number, ScaleInCandidate[]>();
    for (const m of remaining) byZone.set(m.zoneIndex, [...(byZone.get(m.zoneIndex) ?? []), m]);
    let zone = -1;
    let most = -1;
    for (const [z, list] of byZone) {
      if (list.length > most || (list.length === most && z > zone)) {
        zone = z;
        most = list.length;
      }
    }
    const list = byZone.get(zone)!;
    const newest = list.reduce((a, b) =>
      b.launchedAtMs > a.launchedAtMs || (b.launchedAtMs === a.launchedAtMs && b.id > a.id) ? b : a,
    );
    picks.push(newest.id);
    remaining.splice(remaining.indexOf(newest), 1);
  }
  return picks;
}

/** A member's health as the controller sees it. */
export interface HealthInput {
  id: string;
  /** The process is gone (exited or killed). */
  dead: boolean;
  /** The member is stopped on purpose (its zone is frozen). */
  frozen: boolean;
  /** Launch time, ms. */
  launchedAtMs: number;
  /** Its health checks failed `unhealthyThreshold` times in a row (and have not recovered). */
  unhealthy: boolean;
}

/** Why a member is to be replaced. */
export interface Replacement {
  id: string;
  cause: 'dead' | 'unhealthy';
}

/**
 * Members to replace: dead ones at once; app members whose health checks made them unhealthy
 * (the target group's unhealthy threshold) once they are past their grace period (launch +
 * grace, as an Auto Scaling group with ELB health checks) — frozen app members fail their checks
 * like any other, as behind a cut network on AWS. Stateful members (`statefulGroup`) are
 * replaced only when their process is gone (the EC2 status check): a slow or frozen broker or
 * node keeps its identity and waits.
 */
export function membersToReplace(
  members: readonly HealthInput[],
  nowMs: number,
  graceMs: number,
  statefulGroup: boolean,
): Replacement[] {
  const out: Replacement[] = [];
  for (const m of members) {
    if (m.dead) {
      out.push({ id: m.id, cause: 'dead' });
      continue;
    }
    if (statefulGroup || !m.unhealthy) continue;
    if (nowMs < m.launchedAtMs + graceMs) continue;
    out.push({ id: m.id, cause: 'unhealthy' });
  }
  return out;
}

/** One member's reading of a scaling metric. */
export interface MemberSample {
  id: string;
  /** Launch time, ms. */
  launchedAtMs: number;
  /** In service (ready and healthy). */
  inService: boolean;
  /** The metric value it reports (CPU percent, or its consumer lag in records); undefined if unknown. */
  value?: number;
}

/**
 * The group's value of a scaling metric, leaving out members still warming up (launched less
 * than `warmupMs` ago) and members not in service:
 * - `cpu`: average CPU percent of the counted members;
 * - `consumerLag`: total lag reported by the counted members divided by the members in service
 *   (backlog per instance). Undefined when no member counts.
 */
export function groupMetric(
  metric: ScalingMetric,
  samples: readonly MemberSample[],
  nowMs: number,
  warmupMs: number,
): number | undefined {
  const counted = samples.filter((s) => s.inService && s.value !== undefined && nowMs - s.launchedAtMs >= warmupMs);
  if (counted.length === 0) return undefined;
  const total = counted.reduce((sum, s) => sum + s.value!, 0);
  if (metric === 'cpu') return total / counted.length;
  const inService = samples.filter((s) => s.inService).length;
  return total / Math.max(1, inService);
}

/** Breach history of an alarm: one entry per evaluation period, newest last. */
export type PeriodSeries = readonly (number | undefined)[];

/** Evaluation periods before target tracking scales out / in (as the alarms AWS creates for it). */
export const TARGET_TRACKING_PERIODS = { out: 3, in: 15 } as const;

/** A proposed change of desired capacity and why. */
export interface ScalingProposal {
  desired: number;
  cause: string;
  direction: 'out' | 'in';
}

/**
 * Target tracking: when the last 3 periods are all above target, scale out to
 * ceil(capacity × metric / target); when the last 15 periods are all below 90 % of target (and
 * scale-in is allowed), scale in to ceil(capacity × metric / target), at least one less.
 * Result clamped to [min, max]; undefined when nothing changes.
 */
export function targetTrackingProposal(
  policy: TargetTrackingPolicy,
  series: PeriodSeries,
  capacity: number,
  min: number,
  max: number,
): ScalingProposal | undefined {
  const last = (n: number): number[] | undefined => {
    if (series.length < n) return undefined;
    const tail = series.slice(-n);
    return tail.every((v) => v !== undefined) ? (tail as number[]) : undefined;
  };
  const outWindow = last(TARGET_TRACKING_PERIODS.out);
  if (outWindow?.every((v) => v > policy.target)) {
    const value = outWindow[outWindow.length - 1]!;
    const desired = clampDesired(
      Math.max(capacity + 1, Math.ceil((Math.max(capacity, 1) * value) / policy.target)),
      min,
      max,
    );
    if (desired > capacity) {
      return {
        desired,
        direction: 'out',
        cause: `target tracking ${policy.metric} ${fmt(value)} > ${policy.target} for ${TARGET_TRACKING_PERIODS.out} periods`,
      };
    }
  }
  if (policy.disableScaleIn) return undefined;
  const inWindow = last(TARGET_TRACKING_PERIODS.in);
  if (inWindow?.every((v) => v < policy.target * 0.9)) {
    const value = inWindow[inWindow.length - 1]!;
    const desired = clampDesired(Math.min(capacity - 1, Math.ceil((capacity * value) / policy.target)), min, max);
    if (desired < capacity) {
      return {
        desired,
        direction: 'in',
        cause: `target tracking ${policy.metric} ${fmt(value)} < ${policy.target} for ${TARGET_TRACKING_PERIODS.in} periods`,
      };
    }
  }
  return undefined;
}

/**
 * Step scaling: the alarm is in ALARM when the last `evaluationPeriods` periods all breach the
 * threshold in the policy's direction; the step whose [lowerBound, upperBound) holds
 * (metric − threshold) gives the change. Result clamped to [min, max]; undefined when the alarm
 * is OK or no step matches or nothing changes.
 */
export function stepScalingProposal(
  policy: StepScalingPolicy,
  series: PeriodSeries,
  capacity: number,
  min: number,
  max: number,
): ScalingProposal | undefined {
  if (series.length < policy.evaluationPeriods || policy.evaluationPeriods < 1) return undefined;
  const window = series.slice(-policy.evaluationPeriods);
  if (window.some((v) => v === undefined)) return undefined;
  const breaching = (v: number): boolean =>
    policy.comparison === 'above' ? v > policy.threshold : v < policy.threshold;
  if (!(window as number[]).every(breaching)) return undefined;
  const value = window[window.length - 1]!;
  const delta = value - policy.threshold;
  const step = policy.steps.find(
    (s) =>
      (s.lowerBound === undefined || delta >= s.lowerBound) && (s.upperBound === undefined || delta < s.upperBound),
  );
  if (!step || step.change === 0) return undefined;
  const desired = clampDesired(capacity + step.change, min, max);
  if (desired === capacity) return undefined;
  return {
    desired,
    direction: desired > capacity ? 'out' : 'in',
    cause: `step scaling ${policy.name}: ${policy.metric} ${fmt(value)} ${policy.comparison === 'above' ? '>' : '<'} ${policy.threshold} for ${policy.evaluationPeriods} periods, change ${step.change > 0 ? '+' : ''}${step.change}`,
  };
}

/** When the group last scaled, ms since the epoch. */
export interface CooldownState {
  lastScaleOutMs?: number;
  lastScaleInMs?: number;
}

/**
 * Whether a proposal may run now. Scale-out waits for the cooldown after the last scale-out;
 * scale-in waits for the cooldown after any scaling activity, and is not allowed while a member
 * is still warming up (it would be judged on metrics that do not include it yet).
 */
export function cooldownAllows(
  direction: 'out' | 'in',
  state: CooldownState,
  nowMs: number,
  cooldownMs: number,
  anyMemberWarmingUp: boolean,
): boolean {
  if (direction === 'out') return state.lastScaleOutMs === undefined || nowMs - state.lastScaleOutMs >= cooldownMs;
  if (anyMemberWarmingUp) return false;
  const last = Math.max(state.lastScaleOutMs ?? -Infinity, state.lastScaleInMs ?? -Infinity);
  return !Number.isFinite(last) || nowMs - last >= cooldownMs;
}

/**
 * Pick the proposal to run among all policies: scale-out wins over scale-in, and among
 * scale-outs the largest, among scale-ins the smallest reduction (AWS: the policy giving the
 * largest capacity wins).
 */
export function choosePolicyProposal(proposals: readonly (ScalingProposal | undefined)[]): ScalingProposal | undefined {
  const real = proposals.filter((p): p is ScalingProposal => p !== undefined);
  if (real.length === 0) return undefined;
  const outs = real.filter((p) => p.direction === 'out');
  const pool = outs.length > 0 ? outs : real;
  return pool.reduce((a, b) => (b.desired > a.desired ? b : a));
}

function fmt(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
