import { describe, expect, it } from 'vitest';
import type { ScenarioEvent } from '../../src/harness/engine/events.ts';
import { computeRecovery, recoverText } from '../../src/harness/engine/recovery.ts';
import type { Observation, Probe } from '../../src/harness/engine/types.ts';
import type { GroupState, MemberState } from '../../src/model/target.ts';
import type { GroupName } from '../../src/spec/index.ts';

function grp(name: GroupName, desired: number, inService: number): GroupState {
  const members: MemberState[] = Array.from({ length: inService }, (_, i) => ({
    id: `${name}-${i}`,
    zone: 'z',
    lifecycle: 'InService',
    address: '',
    launchedAt: '',
  }));
  return { group: name, min: 0, max: 9, desired, members, inServiceByZone: { z: inService } };
}

/** One synthetic observation per second from a table of (lag, kafka in service, consumers desired/in service). */
function timeline(rows: [lag: number, kafka: number, consumersDesired: number, consumersIn: number][]): Observation[] {
  return rows.map(([lag, kafka, cd, ci], i) => ({
    t: i * 1000,
    metrics: {
      time: '',
      producedPerSecond: 100,
      consumedPerSecond: 100,
      lag,
      errorsPerSecond: 0,
      deadLettered: 0,
      cpuByGroup: {},
    },
    groups: {
      producers: grp('producers', 1, 1),
      consumers: grp('consumers', cd, ci),
      kafka: grp('kafka', 3, kafka),
      cassandra: grp('cassandra', 3, 3),
    },
  }));
}

const ev = (t: number, e: Omit<ScenarioEvent, 't' | 'time'>): ScenarioEvent => ({
  ...e,
  t,
  time: new Date(t).toISOString(),
});
const hypothesis: Probe[] = [{ kind: 'lag', max: 100 }];

describe('recovery figures', () => {
  it('detect = first scaling activity of the group; recover = hypothesis + group at desired again, N in a row', () => {
    const obs = timeline([
      [10, 3, 2, 2], // 0
      [10, 3, 2, 2], // 1  kill at 1.5 s
      [10, 2, 2, 2], // 2  impact: kafka 2/3
      [500, 2, 2, 2], // 3
      [400, 2, 2, 2], // 4
      [90, 3, 2, 2], // 5  back
      [50, 3, 2, 2], // 6
      [40, 3, 2, 2], // 7
    ]);
    const events = [
      ev(1500, { kind: 'fault', label: 'kill kafka-1', group: 'kafka' }),
      ev(3200, { kind: 'scaling', label: 'kafka replace', group: 'kafka', from: 3, to: 3 }),
      ev(3300, { kind: 'scaling', label: 'consumers 2→3', group: 'consumers', from: 2, to: 3 }),
    ];
    const r = computeRecovery(obs, events, hypothesis, { consecutive: 3 });
    expect(r.faults).toHaveLength(1);
    expect(r.faults[0]).toMatchObject({
      fault: 'kill kafka-1',
      at: 1.5,
      impact: true,
      detectSeconds: 1.7,
      recoverSeconds: 3.5,
      groups: ['kafka'],
    });
  });

  it('no impact → recover 0; never back → null; windows end at the next fault', () => {
    const obs = timeline([
      [10, 3, 2, 2],
      [10, 3, 2, 2],
      [10, 3, 2, 2],
      [10, 3, 2, 2], // fault 1 at 0.5 s: no impact
      [10, 2, 2, 2],
      [10, 2, 2, 2],
      [10, 2, 2, 2],
      [10, 2, 2, 2], // fault 2 at 3.5 s: never recovers
    ]);
    const events = [
      ev(500, { kind: 'fault', label: 'first', group: 'consumers' }),
      ev(3500, { kind: 'fault', label: 'second', group: 'kafka' }),
    ];
    const r = computeRecovery(obs, events, hypothesis, { consecutive: 2 });
    expect(r.faults.map((f) => [f.impact, f.recoverSeconds, f.detectSeconds])).toEqual([
      [false, 0, null],
      [true, null, null],
    ]);
    // The last fault never recovered: that is "never", not "the next fault came first".
    expect(r.faults[1]!.nextFaultFirst).toBeUndefined();
    expect(recoverText(r.faults[1]!)).toBe('—');
  });

  it('a next fault before the N-in-a-row recovery leaves the figure unmeasured, and says so', () => {
    const obs = timeline([
      [10, 3, 2, 2], // 0
      [10, 3, 2, 1], // 1  consumer killed at 0.5 s: 1 of 2 in service
      [10, 3, 2, 2], // 2  back, once
      [10, 2, 2, 2], // 3  broker killed at 2.5 s: the consumer figure's window ends
      [10, 3, 2, 2], // 4
      [10, 3, 2, 2], // 5
      [10, 3, 2, 2], // 6
    ]);
    const events = [
      ev(500, { kind: 'fault', label: 'consumer', group: 'consumers' }),
      ev(2500, { kind: 'fault', label: 'broker', group: 'kafka' }),
    ];
    const r = computeRecovery(obs, events, hypothesis, { consecutive: 3 });
    expect(r.faults.map((f) => [f.fault, f.recoverSeconds, f.nextFaultFirst ?? false])).toEqual([
      ['consumer', null, true],
      ['broker', 1.5, false],
    ]);
    expect(r.faults.map(recoverText)).toEqual(['— (next fault came first)', '1.5 s']);
  });

  it('a zone fault affects every group', () => {
    const obs = timeline([
      [10, 3, 2, 2],
      [10, 3, 2, 1],
      [10, 3, 2, 2],
      [10, 3, 2, 2],
    ]);
    const r = computeRecovery(obs, [ev(500, { kind: 'fault', label: 'zone b out', zone: 'z-b' })], hypothesis, {
      consecutive: 2,
    });
    expect(r.faults[0]).toMatchObject({ zone: 'z-b', impact: true, recoverSeconds: 1.5 });
    expect(r.faults[0]!.groups).toEqual(['producers', 'consumers', 'kafka', 'cassandra']);
  });

  it('scale out after a load increase and back in after the decrease', () => {
    const rows: [number, number, number, number][] = [];
    const desired = [2, 2, 2, 3, 3, 4, 4, 4, 4, 4, 3, 2, 2, 2];
    const inSvc = [2, 2, 2, 2, 3, 3, 4, 4, 4, 4, 3, 2, 2, 2];
    desired.forEach((d, i) => rows.push([10, 3, d, inSvc[i]!]));
    const obs = timeline(rows);
    const events = [
      ev(0, { kind: 'load', label: 'load 100/s', recordsPerSecond: 100 }),
      ev(1000, { kind: 'load', label: 'load 500/s', recordsPerSecond: 500 }),
      ev(3000, { kind: 'scaling', label: 'consumers 2→3', group: 'consumers', from: 2, to: 3 }),
      ev(5000, { kind: 'scaling', label: 'consumers 3→4', group: 'consumers', from: 3, to: 4 }),
      ev(8000, { kind: 'load', label: 'load 100/s', recordsPerSecond: 100 }),
      ev(10000, { kind: 'scaling', label: 'consumers 4→3', group: 'consumers', from: 4, to: 3 }),
      ev(11000, { kind: 'scaling', label: 'consumers 3→2', group: 'consumers', from: 3, to: 2 }),
    ];
    const r = computeRecovery(obs, events, hypothesis);
    expect(r.scaling).toEqual([
      {
        trigger: 'load 500/s',
        at: 1,
        group: 'consumers',
        direction: 'out',
        decideSeconds: 2,
        settledSeconds: 5,
        from: 2,
        to: 4,
      },
      {
        trigger: 'load 100/s',
        at: 8,
        group: 'consumers',
        direction: 'in',
        decideSeconds: 2,
        settledSeconds: 3,
        from: 4,
        to: 2,
      },
    ]);
  });
});
