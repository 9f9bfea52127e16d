import { describe, expect, it } from 'vitest';
import { junitXml, markdownSummary } from '../../src/experiment/ci-output.ts';
import { buildComparison } from '../../src/experiment/compare.ts';
import { evaluateGates, parseGate } from '../../src/experiment/gate.ts';
import { renderComparisonHtml } from '../../src/experiment/report.ts';
import { defaultSpec } from '../../src/spec/index.ts';
import { RUN_RECORD_VERSION, type MachineFacts, type RunRecord } from '../../src/store/index.ts';

const machine: MachineFacts = {
  hostname: 'ci-1',
  platform: 'linux',
  arch: 'x64',
  cores: 2,
  cpuModel: 'Xeon',
  memoryMiB: 24000,
  availableMemoryMiB: 20000,
  loadAverage: [1.2, 1, 0.9],
  node: 'v20.20.2',
  java: 'openjdk version "17.0.12"',
};

function record(variant: string, repetition: number, recover: number, over: Partial<RunRecord> = {}): RunRecord {
  const spec = defaultSpec();
  if (variant === 'rf2') spec.kafka = { ...spec.kafka, replicationFactor: 2, minInSyncReplicas: 1 };
  const series = Array.from({ length: 60 }, (_, t) => ({
    t,
    produced: 150,
    consumed: t > 20 && t < 20 + recover ? 60 : 150,
    lag: t > 20 && t < 20 + recover ? 800 : 50,
    errors: 0,
    deadLettered: 0,
    cpu: {},
    groups: {
      consumers: { desired: 2, inService: 2, byZone: {} },
      kafka: { desired: 3, inService: t > 20 && t < 30 ? 2 : 3, byZone: {} },
    },
  }));
  return {
    schemaVersion: RUN_RECORD_VERSION,
    id: `local-${variant}-${repetition}`,
    kind: 'experiment',
    scenario: 'broker-loss',
    target: 'local',
    status: 'passed',
    createdAt: `2026-11-28T09:0${repetition}:00Z`,
    wallSeconds: 200,
    seed: 1,
    spec,
    experiment: { id: 'exp-1', name: 'rf3-vs-rf2', variant, repetition, mode: 'interleaved' },
    provenance: {
      gitRevision: 'abcdef1234567890',
      gitDirty: false,
      terratower: '0.1.0',
      versions: { KAFKA_VERSION: '4.1.1', CASSANDRA_VERSION: '5.0.6' },
      machine,
    },
    figures: { recover, lost: 0, detect: 2, wall: 200, passed: 1 },
    reportHtml: `/reports/exp-1/local-${variant}-${repetition}/report.html`,
    detail: {
      series,
      events: [
        { t: 20_000, time: '', kind: 'fault', label: 'kill kafka-1' },
        { t: 58_000, time: '', kind: 'load', label: 'drain unlimited' },
      ],
      ledger: { source: 31000 },
    },
    ...over,
  };
}

const runs = [
  record('rf3', 1, 10),
  record('rf2', 1, 19),
  record('rf3', 2, 11),
  record('rf2', 2, 21),
  record('rf3', 3, 12),
  record('rf2', 3, 20),
];

describe('comparison', () => {
  const c = buildComparison(runs, {
    title: 'rf3 vs rf2',
    order: ['rf3', 'rf2'],
    mode: 'interleaved',
    modeReason: 'as asked',
  });

  it('groups by variant and claims a difference only where the interval excludes zero', () => {
    expect(c.groups.map((g) => [g.name, g.runs.length])).toEqual([
      ['rf3', 3],
      ['rf2', 3],
    ]);
    const recover = c.metrics.find((m) => m.metric.name === 'recover')!;
    expect(recover.variants[0]!.estimate!.median).toBe(11);
    expect(recover.variants[1]!.estimate!.median).toBe(20);
    expect(recover.differences[0]!.verdict).toMatch(
      /^rf2 is worse than rf3 on time to recover by 9 s \(\+82 %\) \(95 % CI/,
    );
    const lost = c.metrics.find((m) => m.metric.name === 'lost')!;
    expect(lost.differences[0]!.verdict).toBe('no difference detected at 3 repetitions');
  });

  it('flags unfair differences and marks the layout difference as by design', () => {
    expect(c.fairness.find((f) => f.fact === 'layout kafka.replicationFactor')).toMatchObject({
      differs: true,
      byDesign: true,
    });
    expect(c.fairness.find((f) => f.fact === 'machine')?.differs).toBe(false);
    const javaDiffers = buildComparison(
      [
        ...runs.slice(0, 5),
        record('rf2', 3, 20, { provenance: { ...runs[0]!.provenance!, machine: { ...machine, java: 'openjdk 21' } } }),
      ],
      { title: 't', order: ['rf3', 'rf2'] },
    );
    expect(javaDiffers.fairness.find((f) => f.fact === 'Java')).toMatchObject({ differs: true, byDesign: false });
    expect(javaDiffers.fairness.find((f) => f.fact === 'Java')!.values.rf2).toMatch(/17.*, openjdk 21/);
  });

  it('renders a self-contained page: overlaid series, the table, fairness, relative links to each run', () => {
    const html = renderComparisonHtml(c, runs, '/reports/exp-1');
    expect(html).not.toMatch(/<script|<link|https?:\/\/(?!www\.w3\.org)/);
    expect(html.match(/<svg/g)?.length).toBe(4);
    expect(html).toContain('rf2 #3');
    expect(html).toContain('href="local-rf2-3/report.html"');
    expect(html).toContain('rf2 is worse than rf3 on time to recover');
    expect(html).toContain('How the variants ran:</b> as asked');
    expect(html).toContain('differs: the variants');
  });

  it('writes JUnit XML and a markdown summary', () => {
    const gates = evaluateGates([parseGate('recovery.p50 > +20%')], runs.slice(0, 1), runs.slice(1, 2));
    const xml = junitXml({
      name: 'rf3-vs-rf2',
      runs: [...runs, { ...runs[0]!, id: 'x', status: 'failed', error: 'ledger <not> exact' }],
      gates,
    });
    expect(xml).toMatch(/^<\?xml version="1.0"/);
    expect(xml).toContain('<testsuite name="rf3-vs-rf2.rf3" tests="4" failures="1" errors="0"');
    expect(xml).toContain('ledger &lt;not&gt; exact');
    expect(xml).toContain('<testsuite name="gates" tests="1" failures="1"');
    const md = markdownSummary({ title: 'rf3 vs rf2', comparison: c, gates, runs });
    expect(md).toContain('## terratower: rf3 vs rf2');
    expect(md).toContain('**1 of 1 gate(s) failed.**');
    expect(md).toMatch(/\| time to recover \| 11 s \[/);
    expect(md).toContain('Runs: 6 (6 passed, 0 not).');
  });
});
