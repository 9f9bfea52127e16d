/**
 * The runtime of one group with Auto Scaling group semantics: keeps desired capacity, balances
 * zones, replaces dead and unhealthy members, and applies the spec's scaling policies. The
 * decisions are the pure functions of decisions.ts; this class holds state and carries them out
 * through hooks the twin provides (launch, terminate, zone availability, activity log).
 */
import type { GroupState, ScalingActivity } from '../../model/target.ts';
import type { GroupName, ScalingMetric, ScalingSpec } from '../../spec/index.ts';
import type { Member } from '../daemon/supervisor.ts';
import { describeExit } from '../daemon/supervisor.ts';
import type { MemberIdentity } from '../members/types.ts';
import {
  choosePolicyProposal,
  cooldownAllows,
  groupMetric,
  membersToReplace,
  pickLaunchZones,
  pickScaleIn,
  rebalanceMove,
  stepScalingProposal,
  targetTrackingProposal,
  type CooldownState,
  type MemberSample,
} from './decisions.ts';

/** Timings of a group (ms): policies divided by the time scale, the health-check grace in real time. */
export interface GroupTimings {
  /** Health-check grace after launch (real time: a boot takes what it takes). */
  graceMs: number;
  /** Scaling cooldown. */
  cooldownMs: number;
  /** Instance warm-up. */
  warmupMs: number;
  /** One alarm evaluation period (60 s scaled). */
  periodMs: number;
}

/** One alarm evaluation period at a time scale, ms: 60 s scaled, never under half a second. */
export function evaluationPeriodMs(timeScale: number): number {
  return Math.max(500, 60_000 / Math.max(timeScale, 1e-9));
}

/** What the group needs from the twin. */
export interface GroupHooks {
  /** Start a stateful member with its fixed identity. */
  launchStateful(identity: MemberIdentity): Member;
  /** Start an app member in a zone; undefined when the zone has no free address. */
  launchApp(group: GroupName, zoneIndex: number): Member | undefined;
  /** Whether members may be launched into the zone now. */
  zoneAvailable(zoneIndex: number): boolean;
  /** Record a scaling activity. */
  activity(activity: ScalingActivity): void;
}

/** Settings of a group. */
export interface GroupOptions {
  name: GroupName;
  zones: readonly string[];
  min: number;
  max: number;
  desired: number;
  timings: GroupTimings;
  /** Stateful groups have fixed identities (same id, address and data across replacements). */
  identities?: readonly MemberIdentity[];
  scaling?: ScalingSpec;
}

/** A group of members and its controller. */
export class Group {
  readonly name: GroupName;
  min: number;
  max: number;
  desired: number;
  readonly stateful: boolean;
  /** Live incarnations by member id (not terminating). */
  readonly members = new Map<string, Member>();
  /** Members being terminated, until they exit. */
  readonly terminating = new Set<Member>();
  /** Paused: no launches or replacements (during boot of stateful groups and during teardown). */
  paused = false;
  private readonly cooldown: CooldownState = {};
  private readonly series = new Map<string, (number | undefined)[]>();
  private readonly waitingForZone = new Set<string>();
  private rebalancing = false;

  constructor(
    private readonly options: GroupOptions,
    private readonly hooks: GroupHooks,
  ) {
    this.name = options.name;
    this.min = options.min;
    this.max = options.max;
    this.desired = options.desired;
    this.stateful = options.identities !== undefined;
  }

  get timings(): GroupTimings {
    return this.options.timings;
  }

  /** Every process of the group still running, live or terminating. */
  allMembers(): Member[] {
    return [...this.members.values(), ...this.terminating];
  }

  private log(cause: string, from = this.desired, to = this.desired, replaced?: ScalingActivity['replaced']): void {
    this.hooks.activity({
      time: new Date().toISOString(),
      group: this.name,
      cause,
      from,
      to,
      ...(replaced ? { replaced } : {}),
    });
  }

  /** Change desired capacity (SetDesiredCapacity): must lie within [min, max]. */
  setDesired(desired: number, cause: string): void {
    if (this.stateful)
      throw new Error(`${this.name} is a stateful cluster of fixed size ${this.desired}; change the spec to resize it`);
    if (!Number.isInteger(desired) || desired < this.min || desired > this.max) {
      throw new Error(`${this.name}: desired capacity ${desired} is outside [min ${this.min}, max ${this.max}]`);
    }
    if (desired === this.desired) return;
    const from = this.desired;
    this.desired = desired;
    this.log(cause, from, desired);
  }

  /** Start every stateful member (boot). */
  launchAllStateful(): void {
    for (const identity of this.options.identities ?? []) {
      if (!this.members.has(identity.id)) this.members.set(identity.id, this.hooks.launchStateful(identity));
    }
  }

  /** Take a member out on purpose (scale-in, fault, replacement of an unhealthy one). */
  terminate(member: Member, sig: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): void {
    this.members.delete(member.id);
    this.terminating.add(member);
    member.terminating = true;
    member.lifecycle = 'Terminating';
    let done: Promise<unknown>;
    if (sig === 'SIGKILL') {
      member.signal('SIGKILL');
      done = member.waitForExit(5000);
    } else {
      done = member.stop(graceMs);
    }
    void done.then(() => this.terminating.delete(member));
  }

  /** One control step: replace dead/unhealthy members, then converge on desired capacity. */
  reconcile(nowMs: number): void {
    if (this.paused) return;
    const live = [...this.members.values()];
    const replacements = membersToReplace(
      live.map((m) => ({
        id: m.id,
        dead: m.dead,
        frozen: m.frozen,
        launchedAtMs: m.launchedAtMs,
        unhealthy: m.health.unhealthy,
      })),
      nowMs,
      this.timings.graceMs,
      this.stateful,
    );
    for (const r of replacements) {
      const member = this.members.get(r.id)!;
      this.members.delete(r.id);
      if (r.cause === 'unhealthy') {
        this.terminate(member, 'SIGKILL');
        this.log(
          `member ${member.id} (${member.identity.zone}) failed ${member.health.failures} health checks in a row past its grace period (${member.health.describe()}): terminated, to be replaced`,
          this.desired,
          this.desired,
          { member: member.id, reason: 'unhealthy' },
        );
      } else if (this.stateful) {
        this.log(
          `member ${member.id} (${member.identity.zone}) ${describeExit(member.exit)}: replacing it with the same id, address and data`,
          this.desired,
          this.desired,
          { member: member.id, reason: 'lost' },
        );
      } else {
        this.log(
          `member ${member.id} (${member.identity.zone}) ${describeExit(member.exit)}: replacing it`,
          this.desired,
          this.desired,
          {
            member: member.id,
            reason: 'lost',
          },
        );
      }
    }
    if (this.stateful) this.reconcileStateful();
    else this.reconcileApp();
  }

  private reconcileStateful(): void {
    for (const identity of this.options.identities ?? []) {
      if (this.members.has(identity.id)) continue;
      if (!this.hooks.zoneAvailable(identity.zoneIndex)) {
        if (!this.waitingForZone.has(identity.id)) {
          this.waitingForZone.add(identity.id);
          this.log(`member ${identity.id} waits for zone ${identity.zone} to come back before it is relaunched`);
        }
        continue;
      }
      this.waitingForZone.delete(identity.id);
      this.members.set(identity.id, this.hooks.launchStateful(identity));
      this.log(`launching ${identity.id} in ${identity.zone} (same id, address and data dir)`);
    }
  }

  private reconcileApp(): void {
    const zones = this.options.zones;
    const live = [...this.members.values()];
    const count = live.length;
    const counts = zones.map((_, z) => live.filter((m) => m.identity.zoneIndex === z).length);
    const available = zones.map((_, z) => this.hooks.zoneAvailable(z));
    const settled = live.every((m) => m.lifecycle === 'InService');
    if (count < this.desired) {
      for (const z of pickLaunchZones(counts, available, this.desired - count)) {
        const member = this.hooks.launchApp(this.name, z);
        if (!member) continue;
        this.members.set(member.id, member);
        this.log(`launching ${member.id} in ${zones[z]} to reach desired capacity ${this.desired} (had ${count})`);
      }
    } else if (count > this.desired) {
      // After a rebalancing launch, wait until the new member is in service before taking one out.
      if (this.rebalancing && !settled) return;
      const ids = pickScaleIn(
        live.map((m) => ({ id: m.id, zoneIndex: m.identity.zoneIndex, launchedAtMs: m.launchedAtMs })),
        count - this.desired,
      );
      for (const id of ids) {
        const member = this.members.get(id)!;
        this.terminate(member, 'SIGTERM');
        this.log(
          this.rebalancing
            ? `AZ rebalance: terminating ${id} in ${member.identity.zone}`
            : `terminating ${id} in ${member.identity.zone} to reach desired capacity ${this.desired} (had ${count})`,
        );
      }
      this.rebalancing = false;
    } else if (settled && count < this.max + 1) {
      // AZRebalance: launch into the emptiest zone first, then (above) take one from the fullest.
      const move = rebalanceMove(counts, available);
      if (!move) return;
      const member = this.hooks.launchApp(this.name, move.to);
      if (!member) return;
      this.members.set(member.id, member);
      this.rebalancing = true;
      this.log(
        `AZ rebalance: launching ${member.id} in ${zones[move.to]} (${zones[move.from]} has ${counts[move.from]}, ${zones[move.to]} has ${counts[move.to]})`,
      );
    }
  }

  /** Whether any live member is still within its warm-up. */
  private warmingUp(nowMs: number): boolean {
    return [...this.members.values()].some((m) => nowMs - m.launchedAtMs < this.timings.warmupMs);
  }

  /**
   * One evaluation period: record the group's metric values and apply the scaling policies.
   * `samples(metric)` gives each member's reading of a metric.
   */
  evaluateScaling(nowMs: number, samples: (metric: ScalingMetric) => MemberSample[]): void {
    const scaling = this.options.scaling;
    if (this.stateful || this.paused || !scaling) return;
    const metrics = new Set<ScalingMetric>();
    if (scaling.targetTracking) metrics.add(scaling.targetTracking.metric);
    for (const p of scaling.stepScaling ?? []) metrics.add(p.metric);
    for (const metric of metrics) {
      const value = groupMetric(metric, samples(metric), nowMs, this.timings.warmupMs);
      const list = this.series.get(metric) ?? [];
      list.push(value);
      if (list.length > 64) list.shift();
      this.series.set(metric, list);
    }
    const capacity = this.desired;
    const proposals = [
      scaling.targetTracking
        ? targetTrackingProposal(
            scaling.targetTracking,
            this.series.get(scaling.targetTracking.metric) ?? [],
            capacity,
            this.min,
            this.max,
          )
        : undefined,
      ...(scaling.stepScaling ?? []).map((p) =>
        stepScalingProposal(p, this.series.get(p.metric) ?? [], capacity, this.min, this.max),
      ),
    ];
    const chosen = choosePolicyProposal(proposals);
    if (!chosen) return;
    if (!cooldownAllows(chosen.direction, this.cooldown, nowMs, this.timings.cooldownMs, this.warmingUp(nowMs))) return;
    if (chosen.direction === 'out') this.cooldown.lastScaleOutMs = nowMs;
    else this.cooldown.lastScaleInMs = nowMs;
    this.setDesired(chosen.desired, chosen.cause);
  }

  /** Latest group value of each scaling metric. */
  latestMetrics(): Partial<Record<ScalingMetric, number>> {
    const out: Partial<Record<ScalingMetric, number>> = {};
    for (const [metric, list] of this.series) {
      const last = list[list.length - 1];
      if (last !== undefined) out[metric as ScalingMetric] = last;
    }
    return out;
  }

  /** The group as DescribeAutoScalingGroups would report it. */
  state(): GroupState & { members: ReturnType<Member['state']>[] } {
    const members = [...this.members.values()].map((m) => m.state());
    const inServiceByZone: Record<string, number> = {};
    for (const zone of this.options.zones) inServiceByZone[zone] = 0;
    for (const m of this.members.values()) {
      if (m.lifecycle === 'InService' && !m.frozen && !m.dead)
        inServiceByZone[m.identity.zone] = (inServiceByZone[m.identity.zone] ?? 0) + 1;
    }
    return { group: this.name, min: this.min, max: this.max, desired: this.desired, members, inServiceByZone };
  }
}
