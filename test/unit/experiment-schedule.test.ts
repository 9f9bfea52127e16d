import { describe, expect, it } from 'vitest';
import { validateExperiment } from '../../src/experiment/file.ts';
import { phaseOf } from '../../src/experiment/run.ts';
import {
  decideMode,
  etaSeconds,
  FAULT_STEPS,
  planRounds,
  twinFootprint,
  withoutFaults,
} from '../../src/experiment/schedule.ts';
import { brokerLoss, zoneOutage } from '../../src/harness/scenarios/index.ts';

const small = {
  multiAz: false,
  tolerateZoneLoss: false,
  kafka: { brokers: 2, partitions: 4, replicationFactor: 2, minInSyncReplicas: 1 },
  cassandra: { nodes: 1, replicationFactor: 1, consistency: 'ONE' },
  producers: { min: 1, max: 1, desired: 1 },
  consumers: { min: 2, max: 2, desired: 2 },
};

function experiment(over: Record<string, unknown> = {}) {
  return validateExperiment({
    name: 'x',
    scenarios: ['broker-loss'],
    repetitions: 3,
    variants: { a: {}, b: { kafka: { partitions: 12 } } },
    ...over,
  });
}

describe('experiment scheduling', () => {
  it('interleaves variants within each repetition: A B A B A B', () => {
    const rounds = planRounds(experiment(), 'interleaved');
    expect(rounds.every((r) => r.length === 1)).toBe(true);
    expect(rounds.map((r) => `${r[0]!.variant.name}${r[0]!.repetition}`)).toEqual(['a1', 'b1', 'a2', 'b2', 'a3', 'b3']);
    expect(rounds.map((r) => r[0]!.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(rounds.every((r) => r[0]!.faults)).toBe(true);
  });

  it('gives both variants of a repetition the same dataset tag, and each repetition its own', () => {
    const rounds = planRounds(experiment(), 'interleaved').flat();
    expect(rounds[0]!.datasetTag).toBe(rounds[1]!.datasetTag);
    expect(rounds[0]!.datasetTag).not.toBe(rounds[2]!.datasetTag);
    expect(rounds[0]!.datasetTag).toMatch(/^[A-Za-z0-9-]{1,32}$/);
  });

  it('three variants and two scenarios: A B C per scenario per repetition', () => {
    const e = validateExperiment({
      name: 'x',
      scenarios: ['broker-loss', 'consumer-loss'],
      repetitions: 2,
      variants: { a: {}, b: { kafka: { partitions: 9 } }, c: { kafka: { partitions: 12 } } },
    });
    const order = planRounds(e, 'interleaved').map(
      (r) => `${r[0]!.scenario.name}:${r[0]!.variant.name}${r[0]!.repetition}`,
    );
    expect(order.slice(0, 6)).toEqual([
      'broker-loss:a1',
      'broker-loss:b1',
      'broker-loss:c1',
      'consumer-loss:a1',
      'consumer-loss:b1',
      'consumer-loss:c1',
    ]);
    expect(order).toHaveLength(12);
  });

  it('parallel: one round per repetition, control in slot N without faults, experimental in N+1 with them', () => {
    const rounds = planRounds(experiment({ mode: 'parallel' }), 'parallel', { slot: 2 });
    expect(rounds).toHaveLength(3);
    for (const [control, experimental] of rounds) {
      expect(control).toMatchObject({ arm: 'control', faults: false, slot: 2 });
      expect(experimental).toMatchObject({ arm: 'experimental', faults: true, slot: 3 });
      expect(control!.variant.name).toBe('a');
      expect(control!.datasetTag).toBe(experimental!.datasetTag);
    }
    const both = planRounds(experiment({ mode: 'parallel', faults: 'both' }), 'parallel');
    expect(both[0]![0]!.faults).toBe(true);
  });

  it('the control group runs the method without its faults (expectations and load stay)', () => {
    const control = withoutFaults(zoneOutage);
    expect(control.method.some((s) => FAULT_STEPS.includes(s.kind))).toBe(false);
    expect(control.method.filter((s) => s.kind === 'expect').length).toBe(
      zoneOutage.method.filter((s) => s.kind === 'expect').length,
    );
    expect(withoutFaults(brokerLoss).method.map((s) => s.kind)).toEqual(['expect', 'expect', 'expect']);
    expect(brokerLoss.method[0]!.kind).toBe('kill');
  });

  it('decides parallel only when two twins fit the machine, and says why', () => {
    const big = experiment({ mode: 'parallel' });
    const two = decideMode(big, { cores: 2, availableMemoryMiB: 20_000 });
    expect(two.mode).toBe('interleaved');
    expect(two.reason).toMatch(
      /instead of parallel: two twins of these specs need about \d+(\.\d)? cores.*this machine has 2 cores/,
    );
    const smallExp = experiment({ mode: 'parallel', spec: small });
    const fit = decideMode(smallExp, { cores: 4, availableMemoryMiB: 20_000 });
    expect(fit.mode).toBe('parallel');
    expect(fit.reason).toMatch(/two twins in two address slots/);
    expect(decideMode(smallExp, { cores: 4, availableMemoryMiB: 2_000 }).mode).toBe('interleaved');
    expect(decideMode(experiment(), { cores: 64, availableMemoryMiB: 1e6 }).reason).toMatch(
      /as the experiment file asks/,
    );
    const aws = decideMode(experiment({ mode: 'parallel', target: 'aws' }), { cores: 64, availableMemoryMiB: 1e6 });
    expect(aws.mode).toBe('interleaved');
    expect(aws.reason).toMatch(/ExperimentStack's two copies, but AwsTarget cannot yet attach/);
  });

  it('estimates a twin footprint from the spec', () => {
    const d = twinFootprint(experiment().variants[0]!.specs['broker-loss']!);
    expect(d.memoryMiB).toBeGreaterThan(3500);
    expect(d.memoryMiB).toBeLessThan(6000);
    expect(d.cores).toBeGreaterThan(2.5);
  });

  it('ETA from the rounds done so far', () => {
    expect(etaSeconds([], 4)).toBeUndefined();
    expect(etaSeconds([100, 140], 3)).toBe(360);
  });

  it('reads progress phases and steps from the engine log', () => {
    expect(phaseOf('step 2/4: kill 1 kafka')).toEqual({ phase: 'step', step: '2/4 kill 1 kafka' });
    expect(phaseOf('drain: load unlimited until lag 0')).toEqual({ phase: 'drain' });
    expect(phaseOf('terraform apply: local twin x (slot 0)')).toEqual({ phase: 'deploy' });
    expect(phaseOf('broker-loss: dataset of 31000 rows → payments/x/')).toEqual({ phase: 'dataset' });
    expect(phaseOf('something else')).toBeUndefined();
  });
});
