/**
 * Verdicts on replayed histories (test/support/simulated-target.ts replaying them, under fake timers: minutes of
 * scenario in well under a second each).
 *
 * The churn replay is what a loaded machine did to traffic-spike: desired capacity went 2 → 4,
 * and the two new consumers kept failing their health checks past their grace and being replaced
 * (consumers-3 … consumers-N), so 2–3 of 4 were in service while the backlog lasted; desired
 * came back to 2 only long after the spike. The shipped traffic-spike must fail on it; on a
 * genuine scale out and back in it must pass.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runScenario, type ScenarioResult } from '../../src/harness/engine/run.ts';
import type { Scenario, Step } from '../../src/harness/engine/types.ts';
import { trafficSpike } from '../../src/harness/scenarios/traffic-spike.ts';
import { zoneOutage } from '../../src/harness/scenarios/zone-outage.ts';
import {
  inService,
  type History,
  type ReplayClock,
  type ReplayFrame,
  type ReplayMember,
  SimulatedTarget,
} from '../support/simulated-target.ts';

const BASELINE = trafficSpike.baselineLoad;
/** Records/s one consumer writes on the loaded machine. */
const PER_CONSUMER = 300;

const dirs: string[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** Run `scenario` against `history` under fake timers. */
async function replay(
  scenario: Scenario,
  history: History,
): Promise<{ result: ScenarioResult; target: SimulatedTarget }> {
  const out = await mkdtemp(join(tmpdir(), 'tt-replay-'));
  dirs.push(out);
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  const target = new SimulatedTarget({ history });
  let done = false;
  const run = runScenario(scenario, { target, out }).finally(() => {
    done = true;
  });
  while (!done) {
    await vi.advanceTimersByTimeAsync(250);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const result = await run;
  vi.useRealTimers();
  return { result, target };
}

/**
 * A consumer group under traffic-spike. `newMember(age, loaded, seq)` says the lifecycle of a
 * member launched after the spike began, `age` seconds after its launch, and whether it is
 * replaced now; `desiredAt(clock, base)` gives desired capacity.
 */
function consumerHistory(o: {
  newMember: (age: number, launchedLoaded: boolean, seq: number) => ReplayMember['lifecycle'] | 'replace';
  desired: (clock: ReplayClock, spikeAt: number | undefined, spikeEnd: number | undefined) => number;
}): History {
  let lag = 150;
  let lastT = 0;
  let seq = 2;
  const members: { id: string; launchedAt: number; seq: number; loaded: boolean; old: boolean }[] = [
    { id: 'consumers-1', launchedAt: -100, seq: 1, loaded: false, old: true },
    { id: 'consumers-2', launchedAt: -100, seq: 2, loaded: false, old: true },
  ];
  let desiredNow = 2;
  return (clock): ReplayFrame => {
    const dt = Math.max(0, clock.t - lastT);
    lastT = clock.t;
    const spikeAt = clock.loads.find((l) => l.rate > BASELINE)?.t;
    const spikeEnd =
      spikeAt === undefined ? undefined : clock.loads.find((l) => l.t > spikeAt && l.rate <= BASELINE)?.t;
    const loaded = lag > 1000;
    const desired = o.desired(clock, spikeAt, spikeEnd);
    // Scale in: the newest members go first.
    while (desired < desiredNow && members.length > desired) members.pop();
    desiredNow = desired;
    const lifecycles = new Map<string, ReplayMember['lifecycle']>();
    for (const m of [...members]) {
      if (m.old) {
        lifecycles.set(m.id, 'InService');
        continue;
      }
      const state = o.newMember(clock.t - m.launchedAt, m.loaded, m.seq);
      if (state === 'replace') members.splice(members.indexOf(m), 1);
      else lifecycles.set(m.id, state);
    }
    while (members.length < desired) {
      seq += 1;
      const m = { id: `consumers-${seq}`, launchedAt: clock.t, seq, loaded, old: false };
      members.push(m);
      lifecycles.set(m.id, 'Pending');
    }
    const serving = [...lifecycles.values()].filter((l) => l === 'InService').length;
    const produced = clock.load;
    const consumed = Math.min(produced + lag / Math.max(dt, 1), serving * PER_CONSUMER);
    lag = Math.max(0, lag + (produced - consumed) * dt);
    const fixed = (prefix: string, n: number) => ({ desired: n, members: inService(prefix, n) });
    return {
      groups: {
        producers: fixed('producers', 2),
        kafka: fixed('kafka', 3),
        cassandra: fixed('cassandra', 3),
        consumers: {
          desired,
          members: members.map((m) => ({ id: m.id, lifecycle: lifecycles.get(m.id) ?? 'Pending' })),
        },
      },
      metrics: { produced, consumed: Math.round(consumed), lag: Math.round(lag) },
    };
  };
}

/**
 * The churn of the issue: on the loaded machine a new consumer never passes its health checks
 * for long — it is pending through its grace, every other one answers a check or two (in service
 * for 3 s), then it fails and is replaced 23 s after launch. Once the backlog is gone the machine
 * is quiet and new members come up in 12 s. Desired capacity stays 4 until 250 s after the spike.
 */
const churn = (): History =>
  consumerHistory({
    newMember: (age, launchedLoaded, seq) => {
      if (!launchedLoaded) return age < 12 ? 'Pending' : 'InService';
      if (age < 18) return 'Pending';
      if (age < 21) return seq % 2 === 1 ? 'InService' : 'Unhealthy';
      if (age < 23) return 'Unhealthy';
      return 'replace';
    },
    desired: (clock, spikeAt, spikeEnd) =>
      spikeAt === undefined || clock.t < spikeAt + 8 ? 2 : spikeEnd !== undefined && clock.t > spikeEnd + 250 ? 2 : 4,
  });

/**
 * A genuine scale out and in: desired 2 → 4 eight seconds into the spike, both new members in
 * service 15 s after launch; 60 s after the spike desired falls back to 2 and the newest go.
 */
const genuine = (): History =>
  consumerHistory({
    newMember: (age) => (age < 15 ? 'Pending' : 'InService'),
    desired: (clock, spikeAt, spikeEnd) =>
      spikeAt === undefined || clock.t < spikeAt + 8 ? 2 : spikeEnd !== undefined && clock.t > spikeEnd + 60 ? 2 : 4,
  });

/**
 * The flap CI saw: a genuine scale out, then 60 s after the spike desired falls to 2, the members
 * follow, and 6 s later the group scales straight out to 4 again (the consumer group's rebalance
 * stalled it, and the backlog read as lag).
 */
const flap = (): History =>
  consumerHistory({
    newMember: (age) => (age < 15 ? 'Pending' : 'InService'),
    desired: (clock, spikeAt, spikeEnd) => {
      if (spikeAt === undefined || clock.t < spikeAt + 8) return 2;
      if (spikeEnd === undefined || clock.t <= spikeEnd + 60) return 4;
      return clock.t <= spikeEnd + 66 ? 2 : 4;
    },
  });

/** traffic-spike's method as it was shipped when the issue was filed: in-service counts only. */
const OLD_METHOD: Step[] = [
  { kind: 'setLoad', multiplier: 5, label: 'spike: load ×5' },
  {
    kind: 'expect',
    probe: { kind: 'groupSize', group: 'consumers', min: 3 },
    withinSeconds: 50,
    label: 'consumers scale out',
  },
  { kind: 'wait', seconds: 20 },
  { kind: 'setLoad', multiplier: 1, label: 'spike over: load ×1' },
  {
    kind: 'expect',
    probe: { kind: 'lag', max: 3000 },
    withinSeconds: 90,
    consecutive: 3,
    label: 'lag back under 3000',
  },
  {
    kind: 'expect',
    probe: { kind: 'groupSize', group: 'consumers', max: 2 },
    withinSeconds: 120,
    label: 'consumers scale back in',
  },
];

function failedSteps(r: ScenarioResult): string[] {
  return r.journal.run.filter((a) => a.status === 'failed').map((a) => a.name);
}

describe('traffic-spike on replayed histories', () => {
  it('the definition of the issue passed the churn replay (the unearned PASS), and the journal now says why', async () => {
    const { result } = await replay({ ...trafficSpike, method: OLD_METHOD }, churn());
    // The replay reproduces what the issue saw: every old expectation "held".
    expect(failedSteps(result)).toEqual([]);
    const scaleIn = result.journal.run.find((a) => a.name === 'consumers scale back in')!;
    expect(scaleIn.status).toBe('succeeded');
    // …but it already held before its step started: the journal says so.
    expect(scaleIn.heldAtStart).toBe(true);
    expect(scaleIn.output).toContain('already held before the step started');
    // Churn is counted: new consumers replaced over and over.
    expect(result.replacements.byGroup.consumers?.count ?? 0).toBeGreaterThanOrEqual(3);
  });

  it('the shipped definition FAILS on the churn replay', async () => {
    const { result } = await replay(trafficSpike, churn());
    expect(result.hypothesisHeld && result.replacements.withinBound).toBe(false);
    const failed = failedSteps(result);
    expect(failed.some((n) => /scale out/.test(n))).toBe(true);
    expect(failed.some((n) => /scale in/.test(n))).toBe(true);
    expect(result.replacements.withinBound).toBe(false);
  });

  it('the shipped definition FAILS when the scale-in flaps straight back out', async () => {
    const { result } = await replay(trafficSpike, flap());
    const follow = result.journal.run.find((a) => a.name === 'consumers scale in: members follow')!;
    expect(follow.status).toBe('failed');
    expect(follow.error).toMatch(/not for 15s/);
  });

  it('the shipped definition passes a genuine scale out and back in', async () => {
    const { result } = await replay(trafficSpike, genuine());
    expect(failedSteps(result)).toEqual([]);
    expect(result.hypothesisHeld).toBe(true);
    expect(result.replacements.total).toBe(0);
    expect(result.replacements.withinBound).toBe(true);
  });
});

/**
 * zone-outage: the second zone frozen; production stalls `stallSeconds` after the freeze, then
 * runs at the baseline; the consumer of the frozen zone fails its checks and is replaced 12 s
 * after the freeze; the zone's stateful members are frozen until the restore.
 */
const zoneStall =
  (stallSeconds: number, dip?: { at: number; seconds: number }): History =>
  (clock) => {
    const out = clock.zoneEvents.find((e) => e.what !== 'restore');
    const back = clock.zoneEvents.find((e) => e.what === 'restore');
    const frozen = out !== undefined && back === undefined;
    const since = out ? clock.t - out.t : -1;
    const stalled = out !== undefined && since >= 0 && since < stallSeconds;
    const dipped = dip !== undefined && since >= dip.at && since < dip.at + dip.seconds;
    const produced = stalled || dipped ? 0 : clock.load;
    const stateful = (prefix: string): { desired: number; members: ReplayMember[] } => ({
      desired: 3,
      members: inService(prefix, 3).map((m) => (m.id.endsWith('-2') && frozen ? { ...m, lifecycle: 'Frozen' } : m)),
    });
    const consumers: ReplayMember[] =
      out && since >= 12
        ? [
            { id: 'consumers-1', lifecycle: 'InService' },
            { id: 'consumers-3', lifecycle: since >= 20 ? 'InService' : 'Pending', zone: 'z-c' },
          ]
        : [
            { id: 'consumers-1', lifecycle: 'InService' },
            { id: 'consumers-2', lifecycle: frozen && since >= 10 ? 'Unhealthy' : frozen ? 'Frozen' : 'InService' },
          ];
    return {
      groups: {
        producers: { desired: 1, members: inService('producers', 1) },
        consumers: { desired: 2, members: consumers },
        kafka: stateful('kafka'),
        cassandra: stateful('cassandra'),
      },
      metrics: { produced, consumed: produced, lag: 100 },
    };
  };

describe('zone-outage on replayed histories', () => {
  const back = 'producers back at ≥ 30 % of baseline within 45 s of the outage';
  const keep = 'producers keep ≥ 30 % of baseline while the zone is out';

  it('fails when production stands still through the outage', async () => {
    const { result } = await replay(zoneOutage, zoneStall(70));
    expect(failedSteps(result)).toEqual([back, keep]);
  });

  it('fails when production comes back but stalls again while the zone is still out', async () => {
    const { result } = await replay(zoneOutage, zoneStall(12, { at: 40, seconds: 12 }));
    expect(failedSteps(result)).toEqual([keep]);
  });

  it("passes Kafka's own 12 s without acknowledgements, a short dip, and the zone consumer as the one replacement", async () => {
    const { result } = await replay(zoneOutage, zoneStall(12, { at: 40, seconds: 3 }));
    expect(failedSteps(result)).toEqual([]);
    // A windowed probe averages only what its step saw: it cannot have held before the step.
    const recovery = result.journal.run.find((a) => a.name === back)!;
    expect(recovery.output).not.toContain('already held');
    expect(result.hypothesisHeld).toBe(true);
    expect(result.replacements.byGroup.consumers?.members).toEqual(['consumers-2']);
    expect(result.replacements.withinBound).toBe(true);
  });
});
