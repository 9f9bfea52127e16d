import { describe, expect, it } from 'vitest';
import { APP_BOOT_FLOOR_SECONDS, appHealthChecks, HealthRecord } from '../../src/twin/controller/health.ts';
import {
  choosePolicyProposal,
  clampDesired,
  cooldownAllows,
  groupMetric,
  membersToReplace,
  pickLaunchZones,
  pickScaleIn,
  rebalanceMove,
  stepScalingProposal,
  targetTrackingProposal,
} from '../../src/twin/controller/decisions.ts';
import { evaluationPeriodMs } from '../../src/twin/controller/group.ts';
import { CpuMeter } from '../../src/twin/controller/metrics.ts';
import { appLaunchPlan } from '../../src/twin/members/app.ts';
import { withDefaults } from '../../src/spec/index.ts';
import { parsePrometheus, sumOf } from '../../src/support/prometheus-text.ts';
import type { StepScalingPolicy } from '../../src/spec/index.ts';

describe('zone balance', () => {
  it('launches into the zone with the fewest members, lowest index on ties', () => {
    expect(pickLaunchZones([0, 0, 0], [true, true, true], 5)).toEqual([0, 1, 2, 0, 1]);
    expect(pickLaunchZones([2, 0, 1], [true, true, true], 2)).toEqual([1, 1]);
  });
  it('skips unavailable zones and stops when none is left', () => {
    expect(pickLaunchZones([0, 0, 0], [true, false, true], 3)).toEqual([0, 2, 0]);
    expect(pickLaunchZones([0, 0], [false, false], 2)).toEqual([]);
  });
  it('scales in from the zone with the most members, newest first', () => {
    const members = [
      { id: 'a', zoneIndex: 0, launchedAtMs: 1 },
      { id: 'b', zoneIndex: 0, launchedAtMs: 5 },
      { id: 'c', zoneIndex: 1, launchedAtMs: 9 },
      { id: 'd', zoneIndex: 0, launchedAtMs: 3 },
    ];
    expect(pickScaleIn(members, 1)).toEqual(['b']);
    expect(pickScaleIn(members, 2)).toEqual(['b', 'd']);
    // After two removals zone 0 and 1 both have one: tie goes to the higher index.
    expect(pickScaleIn(members, 3)).toEqual(['b', 'd', 'c']);
    expect(pickScaleIn(members, 9)).toHaveLength(4);
  });
});

describe('AZ rebalance', () => {
  it('moves one member from the fullest to the emptiest available zone when they differ by more than one', () => {
    expect(rebalanceMove([3, 1, 0], [true, true, true])).toEqual({ from: 0, to: 2 });
    expect(rebalanceMove([2, 1, 1], [true, true, true])).toBeUndefined();
    expect(rebalanceMove([2, 2, 0], [true, true, true])).toEqual({ from: 1, to: 2 });
    // A zone that is down is neither source nor target.
    expect(rebalanceMove([3, 1, 0], [true, true, false])).toEqual({ from: 0, to: 1 });
    expect(rebalanceMove([2, 1, 0], [true, true, false])).toBeUndefined();
  });
});

describe('min/max clamps', () => {
  it('clamps desired capacity', () => {
    expect(clampDesired(9, 1, 6)).toBe(6);
    expect(clampDesired(0, 1, 6)).toBe(1);
    expect(clampDesired(3, 1, 6)).toBe(3);
  });
  it('target tracking never proposes past max or below min', () => {
    const p = targetTrackingProposal({ metric: 'cpu', target: 50 }, [100, 100, 400], 2, 1, 4);
    expect(p?.desired).toBe(4);
    const q = targetTrackingProposal({ metric: 'cpu', target: 50 }, Array(15).fill(1), 2, 2, 4);
    expect(q).toBeUndefined();
  });
});

describe('target tracking', () => {
  const tt = { metric: 'consumerLag' as const, target: 1000 };
  it('scales out in proportion after 3 periods above target', () => {
    const p = targetTrackingProposal(tt, [3000, 3000, 3000], 2, 1, 10);
    expect(p).toMatchObject({ desired: 6, direction: 'out' });
    expect(p?.cause).toMatch(/consumerLag 3000 > 1000/);
  });
  it('adds at least one member', () => {
    expect(targetTrackingProposal(tt, [1001, 1001, 1001], 4, 1, 10)?.desired).toBe(5);
  });
  it('waits until the breach has lasted 3 periods', () => {
    expect(targetTrackingProposal(tt, [500, 3000, 3000], 2, 1, 10)).toBeUndefined();
    expect(targetTrackingProposal(tt, [3000, 3000], 2, 1, 10)).toBeUndefined();
    expect(targetTrackingProposal(tt, [3000, undefined, 3000], 2, 1, 10)).toBeUndefined();
  });
  it('scales in after 15 periods below 90 % of target, unless disabled', () => {
    const low = Array(15).fill(200);
    expect(targetTrackingProposal(tt, low, 4, 1, 10)).toMatchObject({ desired: 1, direction: 'in' });
    expect(targetTrackingProposal(tt, Array(15).fill(800), 4, 1, 10)).toMatchObject({ desired: 3 });
    expect(targetTrackingProposal(tt, Array(14).fill(200), 4, 1, 10)).toBeUndefined();
    expect(targetTrackingProposal({ ...tt, disableScaleIn: true }, low, 4, 1, 10)).toBeUndefined();
    expect(targetTrackingProposal(tt, Array(15).fill(950), 4, 1, 10)).toBeUndefined();
  });
});

describe('step scaling', () => {
  const policy: StepScalingPolicy = {
    name: 'lag-high',
    metric: 'consumerLag',
    threshold: 1000,
    comparison: 'above',
    evaluationPeriods: 2,
    steps: [
      { lowerBound: 0, upperBound: 5000, change: 1 },
      { lowerBound: 5000, change: 3 },
    ],
  };
  it('applies the step that holds the breach once the alarm fires', () => {
    expect(stepScalingProposal(policy, [2000, 2000], 2, 1, 10)).toMatchObject({ desired: 3, direction: 'out' });
    expect(stepScalingProposal(policy, [9000, 9000], 2, 1, 10)).toMatchObject({ desired: 5 });
    expect(stepScalingProposal(policy, [900, 9000], 2, 1, 10)).toBeUndefined();
    expect(stepScalingProposal(policy, [9000, 9000], 9, 1, 10)?.desired).toBe(10);
  });
  it('handles scale-in policies below a threshold', () => {
    const down: StepScalingPolicy = {
      ...policy,
      name: 'lag-low',
      threshold: 100,
      comparison: 'below',
      steps: [{ upperBound: 0, change: -1 }],
    };
    expect(stepScalingProposal(down, [10, 10], 3, 1, 10)).toMatchObject({ desired: 2, direction: 'in' });
    expect(stepScalingProposal(down, [10, 10], 1, 1, 10)).toBeUndefined();
  });
  it('prefers the largest scale-out over any scale-in', () => {
    const chosen = choosePolicyProposal([
      { desired: 1, direction: 'in', cause: 'x' },
      { desired: 4, direction: 'out', cause: 'y' },
      { desired: 6, direction: 'out', cause: 'z' },
      undefined,
    ]);
    expect(chosen?.cause).toBe('z');
    expect(choosePolicyProposal([undefined])).toBeUndefined();
  });
});

describe('cooldown and warm-up', () => {
  it('blocks scale-out until the cooldown after the last scale-out has passed', () => {
    expect(cooldownAllows('out', { lastScaleOutMs: 1000 }, 5000, 5000, false)).toBe(false);
    expect(cooldownAllows('out', { lastScaleOutMs: 1000 }, 6000, 5000, false)).toBe(true);
    expect(cooldownAllows('out', {}, 0, 5000, false)).toBe(true);
  });
  it('blocks scale-in after any activity and while members warm up', () => {
    expect(cooldownAllows('in', { lastScaleOutMs: 1000 }, 3000, 5000, false)).toBe(false);
    expect(cooldownAllows('in', { lastScaleInMs: 1000 }, 7000, 5000, false)).toBe(true);
    expect(cooldownAllows('in', {}, 7000, 5000, true)).toBe(false);
  });
  it('leaves members in warm-up and out of service out of the group metric', () => {
    const now = 100_000;
    const samples = [
      { id: 'a', launchedAtMs: 0, inService: true, value: 80 },
      { id: 'b', launchedAtMs: now - 1000, inService: true, value: 0 },
      { id: 'c', launchedAtMs: 0, inService: false, value: 100 },
      { id: 'd', launchedAtMs: 0, inService: true, value: 40 },
    ];
    expect(groupMetric('cpu', samples, now, 5000)).toBe(60);
    // Lag: the counted members' total over all members in service (3).
    expect(groupMetric('consumerLag', samples, now, 5000)).toBe(40);
    expect(groupMetric('cpu', samples, now, 10 * now)).toBeUndefined();
  });
});

describe('replacement', () => {
  const now = 100_000;
  it('replaces dead members at once and unhealthy ones after grace', () => {
    const r = membersToReplace(
      [
        { id: 'dead', dead: true, frozen: false, launchedAtMs: now - 10, unhealthy: false },
        { id: 'sick', dead: false, frozen: false, launchedAtMs: 0, unhealthy: true },
        { id: 'young', dead: false, frozen: false, launchedAtMs: now - 1000, unhealthy: true },
        { id: 'ok', dead: false, frozen: false, launchedAtMs: 0, unhealthy: false },
      ],
      now,
      2000,
      false,
    );
    expect(r).toEqual([
      { id: 'dead', cause: 'dead' },
      { id: 'sick', cause: 'unhealthy' },
    ]);
  });
  it('lets frozen stateful members wait but replaces frozen app members that fail checks', () => {
    const frozen = [{ id: 'f', dead: false, frozen: true, launchedAtMs: 0, unhealthy: true }];
    expect(membersToReplace(frozen, now, 2000, true)).toEqual([]);
    expect(membersToReplace(frozen, now, 2000, false)).toEqual([{ id: 'f', cause: 'unhealthy' }]);
  });
  it('replaces stateful members only when their process is gone, never for slow readiness', () => {
    const members = [
      { id: 'slow', dead: false, frozen: false, launchedAtMs: 0, unhealthy: true },
      { id: 'gone', dead: true, frozen: false, launchedAtMs: 0, unhealthy: false },
    ];
    expect(membersToReplace(members, now, 0, true)).toEqual([{ id: 'gone', cause: 'dead' }]);
  });
});

describe('health checks as an ELB target group runs them', () => {
  it('the time scale speeds up the interval, never the timeout or the grace', () => {
    const h = appHealthChecks(120, 60);
    expect(h).toMatchObject({ type: 'ELB', timeoutSeconds: 5, unhealthyThreshold: 2, healthyThreshold: 5 });
    expect(h.intervalSeconds).toBe(1); // 30 s / 60, floored at 1 s
    expect(h.graceSeconds).toBe(120); // real time, not 2 s
    expect(appHealthChecks(5, 1).graceSeconds).toBe(APP_BOOT_FLOOR_SECONDS);
    expect(appHealthChecks(120, 1).intervalSeconds).toBe(30);
  });
  it('unhealthy after the threshold of failures in a row; one slow answer is not enough', () => {
    const r = new HealthRecord({ unhealthyThreshold: 2, healthyThreshold: 3 });
    r.record({ ok: true, ms: 10 });
    r.record({ ok: false, ms: 5000, why: 'timed out after 5.0 s' });
    expect(r.unhealthy).toBe(false);
    r.record({ ok: true, ms: 4000 }); // busy catching up but answering within the timeout: healthy
    r.record({ ok: false, ms: 5000, why: 'timed out after 5.0 s' });
    expect(r.unhealthy).toBe(false);
    r.record({ ok: false, ms: 5000, why: 'timed out after 5.0 s' });
    expect(r.unhealthy).toBe(true);
    // Healthy again only after the healthy threshold of passes in a row.
    r.record({ ok: true, ms: 10 });
    r.record({ ok: true, ms: 10 });
    expect(r.unhealthy).toBe(true);
    r.record({ ok: true, ms: 10 });
    expect(r.unhealthy).toBe(false);
    expect(r.describe()).toContain('timed out after 5.0 s');
  });
  it("a new member's failures while it boots count, but its first pass makes it healthy", () => {
    const r = new HealthRecord({ unhealthyThreshold: 2, healthyThreshold: 5 });
    r.record({ ok: false, ms: 1, why: 'connection refused' });
    r.record({ ok: false, ms: 1, why: 'connection refused' });
    expect(r.unhealthy).toBe(true);
    r.record({ ok: true, ms: 30 });
    expect(r.unhealthy).toBe(false);
  });
});

describe('metrics', () => {
  it('parses Prometheus text, summing label sets', () => {
    const m = parsePrometheus(
      '# HELP x\n# TYPE terratower_consumer_lag_records gauge\nterratower_consumer_lag_records{partition="0"} 10\nterratower_consumer_lag_records{partition="1"} 5\nprocess_cpu_seconds_total 1.5\nbad line\n',
    );
    expect(sumOf(m, 'terratower_consumer_lag_records')).toBe(15);
    expect(sumOf(m, 'process_cpu_seconds_total')).toBe(1.5);
    expect(sumOf(m, 'absent')).toBeUndefined();
  });
  it('turns CPU seconds into percent of a core', () => {
    const meter = new CpuMeter();
    expect(meter.sample('a', 10, 1000)).toBeUndefined();
    expect(meter.sample('a', 10.5, 2000)).toBeCloseTo(50);
  });
  it('consumers read their lag once per evaluation period, so one reading never stands for several', () => {
    expect(evaluationPeriodMs(60)).toBe(1000);
    expect(evaluationPeriodMs(1)).toBe(60_000);
    expect(evaluationPeriodMs(600)).toBe(500);
    const plan = (timeScale: number, group: 'consumers' | 'producers') =>
      appLaunchPlan(group, { id: `${group}-1`, zone: 'a', address: '127.0.1.10' } as never, {
        spec: withDefaults({ local: { timeScale } }),
        slot: 0,
        s3Endpoint: 'http://127.0.0.1:1',
      });
    expect(plan(60, 'consumers').env.TT_LAG_POLL_MS).toBe('1000');
    expect(plan(7, 'consumers').env.TT_LAG_POLL_MS).toBe('8571');
    expect(plan(60, 'producers').env.TT_LAG_POLL_MS).toBeUndefined();
  });
});
