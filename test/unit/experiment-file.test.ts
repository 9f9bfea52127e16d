import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ExperimentError,
  loadExperimentFile,
  parseExperimentText,
  validateExperiment,
} from '../../src/experiment/file.ts';
import { brokerLoss } from '../../src/harness/scenarios/index.ts';

const EXPERIMENTS = join(import.meta.dirname, '..', '..', 'experiments');

function issuesOf(input: unknown): { path: string; message: string }[] {
  try {
    validateExperiment(input);
  } catch (error) {
    if (error instanceof ExperimentError) return error.issues;
    throw error;
  }
  return [];
}

const good = {
  name: 'rf3-vs-rf2',
  scenarios: ['broker-loss'],
  repetitions: 3,
  variants: { rf3: {}, rf2: { kafka: { replicationFactor: 2, minInSyncReplicas: 1 } } },
};

describe('experiment files', () => {
  it('accepts a good file and resolves each variant to a validated spec per scenario', () => {
    const e = validateExperiment(good);
    expect(e.target).toBe('local');
    expect(e.mode).toBe('interleaved');
    expect(e.variants.map((v) => v.name)).toEqual(['rf3', 'rf2']);
    expect(e.variants[0]!.specs['broker-loss']!.kafka.replicationFactor).toBe(3);
    expect(e.variants[1]!.specs['broker-loss']!.kafka.replicationFactor).toBe(2);
    expect(e.variants[1]!.specs['broker-loss']!.kafka.minInSyncReplicas).toBe(1);
  });

  it('merges default ← file spec ← scenario fields ← variant overrides (the variant wins)', () => {
    const e = validateExperiment({
      name: 'lag',
      scenarios: ['traffic-spike'],
      spec: { kafka: { partitions: 12 } },
      variants: {
        a: {},
        b: { consumers: { scaling: { targetTracking: { metric: 'consumerLag', target: 400 } } } },
      },
    });
    const [a, b] = e.variants;
    expect(a!.specs['traffic-spike']!.kafka.partitions).toBe(12);
    // traffic-spike sets its own target of 100; variant b's override goes over it.
    expect(a!.specs['traffic-spike']!.consumers.scaling.targetTracking?.target).toBe(100);
    expect(b!.specs['traffic-spike']!.consumers.scaling.targetTracking?.target).toBe(400);
    expect(b!.specs['traffic-spike']!.consumers.max).toBe(4);
  });

  it('reports every problem at once, each with its path and a fix, before anything runs', () => {
    const issues = issuesOf({
      name: 'Bad Name',
      scenarios: ['broker-loss', 'no-such-thing'],
      repetitions: 0,
      mode: 'sideways',
      target: 'gcp',
      colour: 'blue',
      variants: {
        rf3: {},
        rf4: { kafka: { replicationFactor: 4 } },
        typo: { kafka: { replicatonFactor: 2 } },
        bad: 'x',
      },
    });
    const paths = issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'colour',
        'name',
        'scenarios[1]',
        'target',
        'repetitions',
        'mode',
        'variants.rf4.kafka.replicationFactor',
        'variants.typo.kafka.replicatonFactor',
        'variants.bad',
      ]),
    );
    for (const i of issues) expect(i.message.length).toBeGreaterThan(10);
    expect(issues.find((i) => i.path === 'scenarios[1]')?.message).toMatch(/use one of .*broker-loss/);
    expect(issues.find((i) => i.path === 'variants.rf4.kafka.replicationFactor')?.message).toMatch(/brokers/);
  });

  it('needs two variants, exactly two in parallel mode, and no two alike', () => {
    expect(issuesOf({ ...good, variants: { only: {} } }).map((i) => i.path)).toContain('variants');
    expect(
      issuesOf({
        ...good,
        mode: 'parallel',
        variants: { a: {}, b: { kafka: { partitions: 12 } }, c: { kafka: { partitions: 9 } } },
      })
        .map((i) => i.message)
        .join(),
    ).toMatch(/exactly two/);
    expect(issuesOf({ ...good, variants: { a: {}, b: { kafka: { partitions: 6 } } } })[0]?.message).toMatch(
      /same spec as a/,
    );
    expect(issuesOf({ ...good, faults: 'both' }).map((i) => i.path)).toEqual(['faults']);
  });

  it("checks the variants' overrides even when no scenario resolves", () => {
    const issues = issuesOf({
      ...good,
      scenarios: ['nope'],
      variants: { a: {}, b: { kafka: { replicationFactor: 4 } } },
    });
    expect(issues.map((i) => i.path)).toEqual(['scenarios[0]', 'variants.b.kafka.replicationFactor']);
  });

  it('checks the base spec and names missing fields', () => {
    const issues = issuesOf({ spec: { kafka: { brokers: 0 } } });
    const paths = issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['name', 'scenarios', 'variants', 'spec.kafka.brokers']));
  });

  it('accepts scenarios passed in besides the shipped ones', () => {
    const short = { ...brokerLoss, name: 'short-test' };
    const e = validateExperiment({ ...good, scenarios: ['short-test'] }, { scenarios: [short] });
    expect(e.scenarios[0]).toBe(short);
  });

  it('says what does not parse', async () => {
    expect(() => parseExperimentText('name: [', 'x.yaml')).toThrow(/cannot parse as YAML/);
    await expect(loadExperimentFile('/nonexistent/x.yaml')).rejects.toThrow(/cannot read .*ENOENT/);
    expect(() => validateExperiment([1, 2])).toThrow(/must be a mapping/);
  });

  it('every shipped experiment under experiments/ validates', async () => {
    const files = readdirSync(EXPERIMENTS).filter((f) => /\.(ya?ml|json)$/.test(f));
    expect(files).toEqual(expect.arrayContaining(['rf3-vs-rf2.yaml', 'consumer-lag-targets.yaml']));
    for (const f of files) {
      const e = await loadExperimentFile(join(EXPERIMENTS, f));
      expect(e.variants.length).toBeGreaterThanOrEqual(2);
    }
  });
});
