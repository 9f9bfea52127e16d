/**
 * The report renderer on a clearly synthetic run (made-up series, events and ledger; no system).
 * Set TT_REPORT_SAMPLE=DIR to keep the sample report for a look in a browser.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/harness/report/html.ts';
import { esc, lineChart, niceTicks, placeMarkerLabels } from '../../src/harness/report/svg.ts';
import { writeReport } from '../../src/harness/report/write.ts';
import type { SeriesPoint } from '../../src/harness/report/series.ts';
import type { ScenarioEvent } from '../../src/harness/engine/events.ts';
import { countReplacements } from '../../src/harness/engine/journal.ts';
import type { ScenarioResult } from '../../src/harness/engine/run.ts';

const ZONES = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'];

/** A synthetic zone-outage run: zone b out from 60 s to 120 s, consumers rebalance, lag spikes. */
function syntheticResult(): Omit<ScenarioResult, 'reportJson' | 'reportHtml'> {
  const series: SeriesPoint[] = [];
  for (let t = 0; t <= 200; t++) {
    const out = t >= 60 && t < 120;
    const produced = t < 10 ? t * 30 : 300 + 20 * Math.sin(t / 5);
    const consumed = out ? 180 + (t - 60) * 3 : t > 120 && t < 140 ? 420 : produced - 5;
    const lag = out ? (t - 60) * 90 : t >= 120 && t < 150 ? Math.max(0, 5400 - (t - 120) * 200) : 40;
    const zoneB = out ? 0 : 1;
    series.push({
      t,
      produced,
      consumed,
      lag,
      errors: out && t < 70 ? 4 : 0,
      deadLettered: Math.min(50, t),
      cpu: { producers: 35, consumers: out ? 80 : 45, kafka: 55, cassandra: out ? 90 : 60 },
      groups: {
        producers: { desired: 1, inService: 1, byZone: { 'eu-west-1a': 1, 'eu-west-1b': 0, 'eu-west-1c': 0 } },
        consumers: {
          desired: out && t > 70 ? 3 : 2,
          inService: out ? (t > 80 ? 3 : 1) : 2,
          byZone: {
            'eu-west-1a': out && t > 80 ? 2 : 1,
            'eu-west-1b': zoneB,
            'eu-west-1c': out && t > 80 ? 1 : out ? 0 : 0,
          },
        },
        kafka: {
          desired: 3,
          inService: 3 - (out ? 1 : 0),
          byZone: { 'eu-west-1a': 1, 'eu-west-1b': zoneB, 'eu-west-1c': 1 },
        },
        cassandra: {
          desired: 3,
          inService: 3 - (out ? 1 : 0),
          byZone: { 'eu-west-1a': 1, 'eu-west-1b': zoneB, 'eu-west-1c': 1 },
        },
      },
    });
  }
  const ev = (t: number, e: Omit<ScenarioEvent, 't' | 'time'>): ScenarioEvent => ({
    ...e,
    t: t * 1000,
    time: new Date(Date.UTC(2026, 10, 23, 9) + t * 1000).toISOString(),
  });
  const events: ScenarioEvent[] = [
    ev(0, { kind: 'load', label: 'load 300/s', recordsPerSecond: 300 }),
    ev(60, { kind: 'fault', label: 'zone eu-west-1b out (disrupt)', zone: 'eu-west-1b' }),
    ev(71, { kind: 'scaling', label: 'consumers 2→3', group: 'consumers', from: 2, to: 3 }),
    ev(95, {
      kind: 'scaling',
      label: 'consumers-4 replaced: failed health checks',
      group: 'consumers',
      from: 3,
      to: 3,
      replaced: { member: 'consumers-4', reason: 'unhealthy' },
    }),
    ev(120, { kind: 'restore', label: 'zone eu-west-1b back', zone: 'eu-west-1b' }),
    ev(165, { kind: 'scaling', label: 'consumers 3→2', group: 'consumers', from: 3, to: 2 }),
    ev(185, { kind: 'load', label: 'drain 1500/s', recordsPerSecond: 1500 }),
  ];
  const churn = countReplacements(events, { consumers: 2 });
  const iso = (t: number) => new Date(Date.UTC(2026, 10, 23, 9) + t * 1000).toISOString();
  const act = (name: string, t0: number, t1: number, output: string) => ({
    name,
    type: 'action' as const,
    action: { kind: 'wait' as const, seconds: t1 - t0 },
    status: 'succeeded' as const,
    start: iso(t0),
    end: iso(t1),
    t0: t0 * 1000,
    t1: t1 * 1000,
    output,
  });
  const probes = (lag: number) => [
    { name: 'lag ≤ 5000 records', probe: { kind: 'lag' as const, max: 5000 }, ok: lag <= 5000, observed: String(lag) },
    {
      name: 'producers, consumers, kafka, cassandra at desired capacity',
      probe: { kind: 'atDesired' as const },
      ok: true,
      observed: 'producers 1/1, consumers 2/2, kafka 3/3, cassandra 3/3',
    },
  ];
  return {
    scenario: 'zone-outage',
    target: 'local',
    runId: 'synthetic-0001',
    hypothesisHeld: true,
    passed: true,
    drained: true,
    journal: {
      scenario: 'zone-outage',
      description: 'SYNTHETIC sample: take zone b out for 60 s under load <and> bring it back.',
      target: 'local',
      runId: 'synthetic-0001',
      seed: 1,
      start: iso(0),
      end: iso(200),
      durationSeconds: 200,
      status: 'completed',
      deviated: false,
      steadyStates: {
        before: { holds: true, time: iso(30), t: 30_000, waitedSeconds: 3, probes: probes(40) },
        after: { holds: true, time: iso(150), t: 150_000, waitedSeconds: 28, probes: probes(0) },
      },
      run: [
        act('baseline load 300/s', 0, 30, 'load set to 300 records/s'),
        act('zone eu-west-1b out (disrupt)', 60, 60.2, 'zone taken out'),
        act('wait 60s', 60.2, 120, 'waited 60s'),
        act('zone eu-west-1b back', 120, 120.1, 'zone restored'),
      ],
      rollbacks: [],
      replacements: churn,
    },
    replacements: churn,
    healthChecks: {
      consumers: {
        type: 'ELB',
        path: '/healthz',
        intervalSeconds: 1,
        timeoutSeconds: 5,
        unhealthyThreshold: 2,
        healthyThreshold: 5,
        graceSeconds: 120,
        timeScale: 60,
      },
    },
    events,
    series,
    recovery: {
      faults: [
        {
          fault: 'zone eu-west-1b out (disrupt)',
          at: 60,
          groups: ['producers', 'consumers', 'kafka', 'cassandra'],
          zone: 'eu-west-1b',
          impact: true,
          detectSeconds: 11,
          recoverSeconds: 88.4,
        },
      ],
      scaling: [],
    },
    ledger: {
      source: 30000,
      sourceRecords: 30012,
      sourceDuplicates: 12,
      sinkRows: 30000,
      otherSinkRows: 0,
      delivered: 30000,
      lost: 0,
      unexpected: 0,
      duplicated: 0,
      sinkDuplicateRows: 0,
      deadLetteredAndWritten: 0,
      deadLettered: 50,
      deadLetterMessages: 51,
      validDeadLettered: 0,
      expectedDeadLettered: 50,
      samples: { lost: [], unexpected: [], duplicated: [] },
      exact: true,
    },
    samplerErrors: [],
    wallSeconds: 204.2,
  };
}

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('report', () => {
  it('writes report.json that round-trips and a self-contained report.html', async () => {
    const keep = process.env.TT_REPORT_SAMPLE;
    const dir = keep ?? (await mkdtemp(join(tmpdir(), 'tt-report-')));
    if (!keep) dirs.push(dir);
    const result = syntheticResult();
    const paths = await writeReport(result, dir, { hypothesis: ['lag ≤ 5000 records'], zones: ZONES });
    const json = JSON.parse(await readFile(paths.json, 'utf8'));
    expect(json.version).toBe(1);
    expect(json.series).toHaveLength(201);
    expect(json.ledger.exact).toBe(true);
    expect(json.journal.steadyStates.after.holds).toBe(true);
    const html = await readFile(paths.html, 'utf8');
    // Self-contained: no external fetches of any kind.
    expect(html).not.toMatch(/<script|<link|src=|@import|url\(/i);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    // Charts: throughput, lag, one per group, CPU.
    expect(html.match(/<svg /g)).toHaveLength(7);
    for (const title of ['Throughput', 'Consumer lag', 'consumers: in service, stacked by zone', 'CPU per group'])
      expect(html).toContain(title);
    // Fault and scaling markers, with labels, and the lag tolerance line.
    expect(html).toContain('zone eu-west-1b out (disrupt)');
    expect(html).toContain('consumers 2→3');
    expect(html).toContain('hypothesis: lag ≤ 5000');
    // Text from the run is escaped.
    expect(html).toContain('under load &lt;and&gt; bring');
    expect(html).toContain('PASSED');
    expect(html).toContain('88.4 s');
    // Churn: its card (count, who, bound) and a marker of its own.
    expect(json.journal.replacements.byGroup.consumers).toEqual({ count: 1, members: ['consumers-4'], at: [95] });
    expect(html).toContain('replaced (failed health checks)');
    expect(html).toContain('consumers 1: consumers-4 · at most 2 consumers');
    expect(html).toContain('↻ consumers-4');
    // The health checks the run used.
    expect(html).toContain(
      'ELB health checks, GET /healthz every 1 s, timeout 5 s, unhealthy after 2 failures in a row, healthy after 5 passes, grace 120 s real time',
    );
  });

  it('a churn over the scenario bound is shown as such', () => {
    const result = syntheticResult();
    result.journal.replacements = countReplacements(result.events, 0);
    const html = renderHtml({ version: 1, generatedAt: '', ...result, description: '', hypothesis: [], zones: ZONES });
    expect(result.journal.replacements.withinBound).toBe(false);
    expect(html).toContain('over: 1 replaced for failing health checks, at most 0 allowed');
  });

  it('marks a failed run and an inexact ledger', () => {
    const result = syntheticResult();
    result.passed = false;
    result.ledger = {
      ...result.ledger!,
      lost: 2,
      exact: false,
      samples: { lost: ['r-1', 'r-2'], unexpected: [], duplicated: [] },
    };
    const html = renderHtml({ version: 1, generatedAt: '', ...result, description: '', hypothesis: [], zones: ZONES });
    expect(html).toContain('FAILED');
    expect(html).toContain('NOT exact');
    expect(html).toContain('r-1, r-2');
  });

  it('says which expectations broke the hypothesis', () => {
    const result = syntheticResult();
    result.passed = false;
    result.hypothesisHeld = false;
    result.journal.run.push({
      ...result.journal.run[0]!,
      name: 'consumers scale out',
      type: 'probe',
      status: 'failed',
    });
    const html = renderHtml({ version: 1, generatedAt: '', ...result, description: '', hypothesis: [], zones: ZONES });
    expect(html).toContain('did not hold</span><div class="why">1 expectation failed: consumers scale out</div>');
  });

  it('shades the drain tail and keeps it out of the y scale', () => {
    const svg = lineChart({
      title: 't',
      unit: 'u',
      tMax: 100,
      markers: [],
      width: 200,
      height: 100,
      markerLabels: false,
      lines: [
        {
          name: 'l',
          color: '#000',
          points: [
            [0, 10],
            [50, 10],
            [80, 5000],
          ],
        },
      ],
      tail: { from: 70, label: 'drain' },
    });
    expect(svg).toContain('class="tail"');
    // The scale ends at 10 (not 5000): the axis tops out at a nice tick just above it.
    expect(svg).not.toMatch(/>5000</);
    expect(svg).toMatch(/>10</);
  });

  it('writes marker labels in rows without overlap, and leaves hover-only markers to their lines', () => {
    const markers = [
      { t: 10, label: 'load 750/s', color: '#00f' },
      { t: 11, label: 'consumers 2→3', color: '#888', dashed: true },
      { t: 11.5, label: 'consumers: launching consumers-3 in eu-west-1c', color: '#888', hoverOnly: true },
      { t: 12, label: 'consumers 3→4', color: '#888', dashed: true },
      { t: 99, label: 'load 150/s', color: '#00f' },
    ];
    const placed = placeMarkerLabels(markers, 100, 1000);
    expect(placed.map((p) => p.marker.label)).toEqual(['load 750/s', 'consumers 2→3', 'consumers 3→4', 'load 150/s']);
    expect(placed.map((p) => p.row)).toEqual([0, 1, 2, 0]);
    // Near the right edge the label is written to the left of its line.
    expect(placed[3]!.anchor).toBe('end');
    // More overlapping labels than rows: the extra ones are left to hover.
    const crowded = Array.from({ length: 8 }, (_, i) => ({
      t: 50 + i * 0.1,
      label: `kill member-${i}`,
      color: '#f00',
    }));
    expect(placeMarkerLabels(crowded, 100, 1000)).toHaveLength(4);
  });

  it('nice axis ticks and escaping', () => {
    expect(niceTicks(9)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(5400)).toEqual([0, 2000, 4000, 6000]);
    expect(niceTicks(5400, 10)).toEqual([0, 1000, 2000, 3000, 4000, 5000, 6000]);
    expect(niceTicks(0)).toEqual([0, 1]);
    expect(esc('<a href="x">&</a>')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;');
  });

  it('a chart places points by time and value', () => {
    const svg = lineChart({
      title: 't',
      unit: 'u',
      tMax: 10,
      markers: [{ t: 5, label: 'm', color: '#f00' }],
      lines: [
        {
          name: 'l',
          color: '#000',
          points: [
            [0, 0],
            [10, 10],
          ],
        },
      ],
      width: 200,
      height: 100,
      markerLabels: false,
      minYMax: 10,
    });
    // Plot spans x 62..184; y top 50 .. bottom 70. (0,0) → bottom-left, (10,10) → ≈ right, near top.
    const points = /<polyline points="([^"]+)"/.exec(svg)![1]!.split(' ');
    expect(points[0]).toBe('62.0,70.0');
    expect(points[1]!.startsWith('184.0,')).toBe(true);
    expect(svg).toContain('x1="123.0"');
  });
});
