/**
 * The twin's group controller under zone faults, with stand-in members (no processes): an AZ
 * power interruption kills a zone's members; stateful ones wait for the zone and come back with
 * the same identity (id, address, data dir) when it is restored; app members are relaunched in
 * the powered zones only; health-check replacements are logged as such.
 */
import { describe, expect, it } from 'vitest';
import type { ScalingActivity } from '../../src/model/target.ts';
import { Group } from '../../src/twin/controller/group.ts';
import { HealthRecord } from '../../src/twin/controller/health.ts';
import type { Member } from '../../src/twin/daemon/supervisor.ts';
import type { MemberIdentity } from '../../src/twin/members/types.ts';

const ZONES = ['z-a', 'z-b', 'z-c'];

function identity(id: string, zoneIndex: number, role: MemberIdentity['role']): MemberIdentity {
  return {
    id,
    group: role as MemberIdentity['group'],
    role,
    zone: ZONES[zoneIndex]!,
    zoneIndex,
    address: `127.0.${zoneIndex + 1}.1`,
    dataDir: `/data/${id}`,
    logFile: `/logs/${id}.log`,
  };
}

/** A stand-in member: what the controller reads of a Member, and a way to kill it. */
function fakeMember(id: MemberIdentity, launchedAtMs = 0): Member {
  const m = {
    identity: id,
    id: id.id,
    launchedAtMs,
    lifecycle: 'InService',
    frozen: false,
    terminating: false,
    exit: undefined as undefined | { code: number | null; signal: NodeJS.Signals | null; atMs: number },
    health: new HealthRecord({ unhealthyThreshold: 2, healthyThreshold: 5 }),
    stressPids: new Set<number>(),
    get dead() {
      return this.exit !== undefined;
    },
    signal: () => undefined,
    stop: async () => undefined,
    waitForExit: async () => true,
    state: () => ({}),
  };
  return m as unknown as Member;
}

function kill(m: Member): void {
  (m as unknown as { exit: unknown }).exit = { code: null, signal: 'SIGKILL', atMs: 0 };
}

function setup(kind: 'stateful' | 'app') {
  const up = [true, true, true];
  const activities: ScalingActivity[] = [];
  const launched: MemberIdentity[] = [];
  let seq = 0;
  const hooks = {
    launchStateful: (i: MemberIdentity) => {
      launched.push(i);
      return fakeMember(i, 1);
    },
    launchApp: (_g: string, z: number) => {
      const i = identity(`consumers-${++seq}`, z, 'consumers');
      launched.push(i);
      return fakeMember(i, 1);
    },
    zoneAvailable: (z: number) => up[z]!,
    activity: (a: ScalingActivity) => activities.push(a),
  };
  const timings = { graceMs: 20_000, cooldownMs: 0, warmupMs: 0, periodMs: 1000 };
  const group =
    kind === 'stateful'
      ? new Group(
          {
            name: 'kafka',
            zones: ZONES,
            min: 3,
            max: 3,
            desired: 3,
            timings,
            identities: [0, 1, 2].map((z) => identity(`kafka-${z + 1}`, z, 'kafka')),
          },
          hooks,
        )
      : new Group({ name: 'consumers', zones: ZONES, min: 1, max: 4, desired: 3, timings }, hooks);
  return { group, up, activities, launched };
}

describe('group controller under zone faults', () => {
  it('a powered-off zone: the stateful member waits and comes back with its identity on restore', () => {
    const { group, up, activities, launched } = setup('stateful');
    group.launchAllStateful();
    launched.length = 0;
    up[2] = false;
    kill(group.members.get('kafka-3')!);
    group.reconcile(100_000);
    group.reconcile(101_000);
    expect(launched).toEqual([]);
    expect(activities.map((a) => a.cause)).toContain(
      'member kafka-3 waits for zone z-c to come back before it is relaunched',
    );
    expect(activities.find((a) => a.replaced)?.replaced).toEqual({ member: 'kafka-3', reason: 'lost' });
    up[2] = true;
    group.reconcile(102_000);
    expect(launched.map((i) => [i.id, i.address, i.dataDir])).toEqual([['kafka-3', '127.0.3.1', '/data/kafka-3']]);
  });

  it('app members of a powered-off zone are relaunched in the powered zones only', () => {
    const { group, up, launched } = setup('app');
    group.paused = false;
    group.reconcile(0); // three launches, one per zone
    expect(launched.map((i) => i.zoneIndex)).toEqual([0, 1, 2]);
    launched.length = 0;
    up[2] = false;
    kill(group.members.get('consumers-3')!);
    group.reconcile(100_000);
    expect(launched).toHaveLength(1);
    expect(launched[0]!.zoneIndex).not.toBe(2);
  });

  it('a member past its grace that turned unhealthy is replaced, and the activity says so and why', () => {
    const { group, activities } = setup('app');
    group.reconcile(0);
    const m = group.members.get('consumers-2')!;
    m.health.record({ ok: true, ms: 5 });
    m.health.record({ ok: false, ms: 5000, why: 'timed out after 5.0 s' });
    m.health.record({ ok: false, ms: 5000, why: 'timed out after 5.0 s' });
    group.reconcile(10_000); // within the 20 s grace: kept
    expect(group.members.has('consumers-2')).toBe(true);
    group.reconcile(30_000);
    expect(group.members.has('consumers-2')).toBe(false);
    const a = activities.find((x) => x.replaced?.member === 'consumers-2')!;
    expect(a.replaced).toEqual({ member: 'consumers-2', reason: 'unhealthy' });
    expect(a.cause).toContain('failed 2 health checks in a row');
    expect(a.cause).toContain('timed out after 5.0 s');
  });
});
