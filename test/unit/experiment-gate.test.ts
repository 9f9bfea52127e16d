import { describe, expect, it } from 'vitest';
import { evaluateGates, GateError, parseGate, statOf } from '../../src/experiment/gate.ts';
import type { RunFigures, RunSummary } from '../../src/store/index.ts';

function runs(figures: RunFigures[]): RunSummary[] {
  return figures.map((f, i) => ({
    schemaVersion: 1,
    id: `r${i}`,
    kind: 'scenario',
    scenario: 'broker-loss',
    target: 'local',
    status: 'passed',
    createdAt: '2026-11-28T09:00:00Z',
    figures: f,
  }));
}

describe('gates', () => {
  it('parses relative, change and absolute thresholds, aliases and stats', () => {
    expect(parseGate('recovery.p50 > +20%')).toMatchObject({ stat: 'p50', op: '>', kind: 'relative', value: 0.2 });
    expect(parseGate('recovery.p50 > +20%').metric.name).toBe('recover');
    expect(parseGate('lag > +500')).toMatchObject({ kind: 'delta', value: 500, stat: 'p50' });
    expect(parseGate('lag > +500').metric.name).toBe('maxLag');
    expect(parseGate('lost.max > 0')).toMatchObject({ kind: 'absolute', value: 0, stat: 'max' });
    expect(parseGate('throughput.mean < -10%')).toMatchObject({ kind: 'relative', value: -0.1, op: '<' });
    expect(parseGate('latency.p99 > 250').metric.name).toBe('latencyP99');
    expect(parseGate('scaleOutSettle.p90 >= 60')).toMatchObject({ stat: 'p90', op: '>=' });
    expect(() => parseGate('recovery is bad')).toThrow(GateError);
    expect(() => parseGate('speed.p50 > 1')).toThrow(/unknown metric "speed.p50": use one of detect, recover/);
  });

  it('statistics over runs', () => {
    expect(statOf([3, 1, 2], 'p50')).toBe(2);
    expect(statOf([3, 1, 2], 'max')).toBe(3);
    expect(statOf([3, 1, 2], 'min')).toBe(1);
    expect(statOf([1, 2, 3, 4], 'mean')).toBe(2.5);
    expect(statOf([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'p90')).toBeCloseTo(9.1);
  });

  it('trips a relative gate on a slower recovery, holds on an equal one', () => {
    const base = runs([{ recover: 10 }, { recover: 11 }, { recover: 12 }]);
    const slow = runs([{ recover: 14 }, { recover: 15 }, { recover: 13 }]);
    const same = runs([{ recover: 10.5 }, { recover: 11 }, { recover: 11.5 }]);
    const [tripped] = evaluateGates([parseGate('recovery.p50 > +20%')], base, slow);
    expect(tripped!.failed).toBe(true);
    expect(tripped!.observed).toBeCloseTo(14 / 11 - 1);
    expect(tripped!.summary).toMatch(
      /^FAIL recovery\.p50 > \+20%: time to recover p50 11 s → 14 s \(\+27\.3 %; 3 vs 3 runs; beyond the noise/,
    );
    const [held] = evaluateGates([parseGate('recovery.p50 > +20%')], base, same);
    expect(held!.failed).toBe(false);
    expect(held!.summary).toMatch(/^ok .*within the noise/);
  });

  it('absolute gates look at the candidates only; change gates at the difference', () => {
    const base = runs([{ lost: 0, maxLag: 1000 }]);
    const cand = runs([
      { lost: 0, maxLag: 1400 },
      { lost: 3, maxLag: 1600 },
    ]);
    const [lost, lag] = evaluateGates([parseGate('lost.max > 0'), parseGate('maxLag.p50 > +400')], base, cand);
    expect(lost!.failed).toBe(true);
    expect(lost!.candidate).toBe(3);
    expect(lag!.observed).toBe(500);
    expect(lag!.failed).toBe(true);
  });

  it('a missing reading fails the gate instead of passing it', () => {
    const [noCand] = evaluateGates(
      [parseGate('recovery.p50 > +20%')],
      runs([{ recover: 10 }]),
      runs([{ recover: null }]),
    );
    expect(noCand!.failed).toBe(true);
    expect(noCand!.summary).toMatch(/no candidate run has time to recover/);
    const [noBase] = evaluateGates([parseGate('recovery.p50 > +20%')], runs([{}]), runs([{ recover: 10 }]));
    expect(noBase!.failed).toBe(true);
    expect(noBase!.summary).toMatch(/no baseline run/);
  });

  it('a relative gate against a zero baseline', () => {
    const [g] = evaluateGates([parseGate('lost.p50 > +10%')], runs([{ lost: 0 }]), runs([{ lost: 2 }]));
    expect(g!.failed).toBe(true);
    const [z] = evaluateGates([parseGate('lost.p50 > +10%')], runs([{ lost: 0 }]), runs([{ lost: 0 }]));
    expect(z!.failed).toBe(false);
  });
});
