import { describe, expect, it } from 'vitest';
import { evaluateAll, evaluateProbe, firstHoldingRun, probeName } from '../../src/harness/engine/probes.ts';
import type { Observation } from '../../src/harness/engine/types.ts';
import type { GroupName } from '../../src/spec/index.ts';
import type { GroupState, MemberState } from '../../src/model/target.ts';

const zones = ['z-a', 'z-b', 'z-c'];

function group(name: GroupName, desired: number, perZone: number[], extra: MemberState[] = []): GroupState {
  const members: MemberState[] = [];
  perZone.forEach((n, z) => {
    for (let i = 0; i < n; i++)
      members.push({ id: `${name}-${z}-${i}`, zone: zones[z]!, lifecycle: 'InService', address: '', launchedAt: '' });
  });
  members.push(...extra);
  const inServiceByZone: Record<string, number> = {};
  perZone.forEach((n, z) => (inServiceByZone[zones[z]!] = n));
  return { group: name, min: 1, max: 9, desired, members, inServiceByZone };
}

function obs(t: number, over: Partial<Observation['metrics']> = {}, groups?: Observation['groups']): Observation {
  return {
    t,
    metrics: {
      time: '',
      producedPerSecond: 100,
      consumedPerSecond: 100,
      lag: 10,
      errorsPerSecond: 0,
      deadLettered: 0,
      cpuByGroup: {},
      ...over,
    },
    groups: groups ?? {
      producers: group('producers', 1, [1, 0, 0]),
      consumers: group('consumers', 2, [1, 1, 0]),
      kafka: group('kafka', 3, [1, 1, 1]),
      cassandra: group('cassandra', 3, [1, 1, 1]),
    },
  };
}

describe('probe tolerances', () => {
  it('lag: at most max holds, above fails', () => {
    expect(evaluateProbe({ kind: 'lag', max: 10 }, obs(0, { lag: 10 })).ok).toBe(true);
    expect(evaluateProbe({ kind: 'lag', max: 10 }, obs(0, { lag: 11 })).ok).toBe(false);
  });

  it('error rate and throughput, both sides', () => {
    expect(evaluateProbe({ kind: 'errorRate', max: 0.5 }, obs(0, { errorsPerSecond: 0.6 })).ok).toBe(false);
    expect(evaluateProbe({ kind: 'errorRate', max: 0.5 }, obs(0, { errorsPerSecond: 0.5 })).ok).toBe(true);
    expect(evaluateProbe({ kind: 'throughput', min: 50 }, obs(0, { consumedPerSecond: 49 })).ok).toBe(false);
    expect(
      evaluateProbe(
        { kind: 'throughput', min: 50, side: 'produced' },
        obs(0, { consumedPerSecond: 0, producedPerSecond: 50 }),
      ).ok,
    ).toBe(true);
  });

  it('atDesired counts only members in service and names each group', () => {
    const ok = evaluateProbe({ kind: 'atDesired' }, obs(0));
    expect(ok.ok).toBe(true);
    expect(ok.observed).toBe('producers 1/1, consumers 2/2, kafka 3/3, cassandra 3/3');
    const pending = obs(0);
    pending.groups.kafka = group(
      'kafka',
      3,
      [1, 1, 0],
      [{ id: 'kafka-3', zone: 'z-c', lifecycle: 'Pending', address: '', launchedAt: '' }],
    );
    const bad = evaluateProbe({ kind: 'atDesired', groups: ['kafka'] }, pending);
    expect(bad.ok).toBe(false);
    expect(bad.observed).toBe('kafka 2/3');
  });

  it('a probe about a group the observation lacks fails', () => {
    const o = obs(0);
    delete o.groups.cassandra;
    expect(evaluateProbe({ kind: 'atDesired' }, o).ok).toBe(false);
    expect(evaluateProbe({ kind: 'groupSize', group: 'cassandra', min: 1 }, o).ok).toBe(false);
  });

  it('groupSize bounds are inclusive', () => {
    expect(evaluateProbe({ kind: 'groupSize', group: 'consumers', min: 2, max: 2 }, obs(0)).ok).toBe(true);
    expect(evaluateProbe({ kind: 'groupSize', group: 'consumers', min: 3 }, obs(0)).ok).toBe(false);
  });

  it('zoneSpread checks every zone of the target unless told which', () => {
    expect(evaluateProbe({ kind: 'zoneSpread', group: 'kafka', min: 1 }, obs(0), zones).ok).toBe(true);
    const r = evaluateProbe({ kind: 'zoneSpread', group: 'consumers', min: 1 }, obs(0), zones);
    expect(r.ok).toBe(false);
    expect(r.observed).toBe('z-a:1 z-b:1 z-c:0');
    expect(
      evaluateProbe({ kind: 'zoneSpread', group: 'consumers', min: 1, zones: ['z-a', 'z-b'] }, obs(0), zones).ok,
    ).toBe(true);
  });

  it('names carry the tolerance', () => {
    expect(probeName({ kind: 'lag', max: 5000 })).toBe('lag ≤ 5000 records');
    expect(probeName({ kind: 'groupSize', group: 'consumers', min: 2, max: 4 })).toBe(
      'consumers in service ≥ 2 and ≤ 4',
    );
  });

  it('evaluateAll holds only when every probe holds', () => {
    const all = evaluateAll(
      [
        { kind: 'lag', max: 100 },
        { kind: 'throughput', min: 200 },
      ],
      obs(0),
    );
    expect(all.ok).toBe(false);
    expect(all.results.map((r) => r.ok)).toEqual([true, false]);
  });

  it('firstHoldingRun finds the first run of N consecutive holding observations', () => {
    const lags = [50, 5, 5, 50, 5, 5, 5, 5];
    const series = lags.map((lag, i) => obs(i * 1000, { lag }));
    expect(firstHoldingRun(series, [{ kind: 'lag', max: 10 }], 3)).toBe(4);
    expect(firstHoldingRun(series, [{ kind: 'lag', max: 10 }], 2)).toBe(1);
    expect(firstHoldingRun(series, [{ kind: 'lag', max: 10 }], 5)).toBe(-1);
    expect(firstHoldingRun(series, [{ kind: 'lag', max: 10 }], 1, [], 3)).toBe(4);
  });
});

describe('probes say what they measure', () => {
  it('desired capacity and members in service are separate probes; all() needs every part', () => {
    const consumers = group(
      'consumers',
      4,
      [1, 1, 0],
      [{ id: 'c-new', zone: 'z-c', lifecycle: 'Pending', address: '', launchedAt: '' }],
    );
    const o = obs(0, {}, { consumers });
    expect(evaluateProbe({ kind: 'groupSize', group: 'consumers', max: 2 }, o)).toMatchObject({
      ok: true,
      observed: '2 in service (desired 4)',
    });
    expect(evaluateProbe({ kind: 'desired', group: 'consumers', max: 2 }, o)).toMatchObject({
      ok: false,
      observed: 'desired 4 (2 in service)',
    });
    const scaledOut = {
      kind: 'all' as const,
      probes: [
        { kind: 'desired' as const, group: 'consumers' as const, min: 3 },
        { kind: 'atDesired' as const, groups: ['consumers' as const] },
      ],
    };
    expect(evaluateProbe(scaledOut, o).ok).toBe(false);
    expect(probeName(scaledOut)).toBe('consumers desired capacity ≥ 3 and consumers at desired capacity');
    const four = obs(1, {}, { consumers: group('consumers', 4, [2, 1, 1]) });
    expect(evaluateProbe(scaledOut, four).ok).toBe(true);
  });

  it('unknown is not zero: a figure the reading could not measure never makes a probe hold', () => {
    const silent = obs(0, { producedPerSecond: 0, lag: 0, unknown: ['producedPerSecond', 'lag'] });
    expect(evaluateProbe({ kind: 'lag', max: 100 }, silent)).toMatchObject({
      ok: false,
      unknown: true,
      observed: 'lag unknown',
    });
    expect(evaluateProbe({ kind: 'throughput', side: 'produced', min: 0 }, silent)).toMatchObject({
      ok: false,
      unknown: true,
    });
    // The consumed side was measured.
    expect(evaluateProbe({ kind: 'throughput', min: 1 }, silent).ok).toBe(true);
    // A missing group state is unknown too.
    expect(evaluateProbe({ kind: 'groupSize', group: 'kafka', max: 5 }, obs(0, {}, {}))).toMatchObject({
      ok: false,
      unknown: true,
    });
    expect(evaluateProbe({ kind: 'desired', group: 'kafka', max: 5 }, obs(0, {}, {}))).toMatchObject({
      ok: false,
      unknown: true,
    });
    // An all() with an unknown part is unknown and fails.
    expect(
      evaluateProbe(
        {
          kind: 'all',
          probes: [
            { kind: 'lag', max: 100 },
            { kind: 'errorRate', max: 5 },
          ],
        },
        silent,
      ),
    ).toMatchObject({ ok: false, unknown: true });
  });
});

describe('a throughput averaged over a window', () => {
  const probe = { kind: 'throughput', side: 'produced', min: 45, overSeconds: 10 } as const;
  // A producer that sends in batches: 300 records every third second, nothing in between.
  const bursts = Array.from({ length: 12 }, (_, i) => obs(i * 1000, { producedPerSecond: i % 3 === 0 ? 300 : 0 }));

  it('holds on batched sends that single readings would call a stall', () => {
    const last = bursts.at(-1)!;
    expect(evaluateProbe({ kind: 'throughput', side: 'produced', min: 45 }, last).ok).toBe(false);
    const r = evaluateProbe(probe, last, zones, bursts);
    expect(r.ok).toBe(true);
    expect(r.observed).toBe('90.0');
    expect(probeName(probe)).toBe('produced ≥ 45 records/s over 10s');
  });

  it('does not hold until the history spans the window: readings from before the step cannot carry it', () => {
    const short = bursts.slice(0, 6);
    const r = evaluateProbe(probe, short.at(-1)!, zones, short);
    expect(r.ok).toBe(false);
    expect(r.observed).toBe('window 5s of 10s');
  });

  it('fails on a stall inside the window, and is unknown when a reading in it is', () => {
    const stalled = bursts.map((o, i) => (i > 2 ? obs(o.t, { producedPerSecond: 0 }) : o));
    expect(evaluateProbe(probe, stalled.at(-1)!, zones, stalled).ok).toBe(false);
    const gap = bursts.map((o, i) => (i === 8 ? obs(o.t, { unknown: ['producedPerSecond'] }) : o));
    const r = evaluateProbe(probe, gap.at(-1)!, zones, gap);
    expect(r.ok).toBe(false);
    expect(r.unknown).toBe(true);
  });

  it('weights each reading by the interval it was measured over', () => {
    // 100/s read every second, except that one scrape came 0.1 s after the last with one
    // batch's 60 acks in it (600/s over 0.1 s): 10 s of 100/s plus 60 records, not a 145/s mean.
    const uneven = [
      ...Array.from({ length: 6 }, (_, i) => obs(i * 1000, { producedPerSecond: 100 })),
      obs(5100, { producedPerSecond: 600 }),
      ...Array.from({ length: 6 }, (_, i) => obs(6000 + i * 1000, { producedPerSecond: i === 0 ? 0 : 100 })),
    ];
    const r = evaluateProbe({ ...probe, min: 100 }, uneven.at(-1)!, zones, uneven);
    // Window (1 s, 11 s]: 100/s for 9.9 s of readings, 600/s for 0.1 s, 0/s for 0.9 s.
    expect(r.observed).toBe(((100 * 9 + 600 * 0.1 + 0 * 0.9) / 10).toFixed(1));
    expect(r.ok).toBe(false);
  });

  it('without a history it is the single reading', () => {
    expect(evaluateProbe(probe, obs(0, { producedPerSecond: 50 })).ok).toBe(true);
    expect(evaluateProbe(probe, obs(0, { producedPerSecond: 0 })).ok).toBe(false);
  });
});
