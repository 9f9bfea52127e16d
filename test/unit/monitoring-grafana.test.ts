/** grafanaDashboards: the panels the design asks for, querying only metrics the apps export. */
import { describe, expect, it } from 'vitest';
import {
  GRAFANA_DATASOURCE_UID,
  grafanaDashboardFiles,
  grafanaDashboards,
  rateWindow,
} from '../../src/aws/monitoring/grafana.ts';
import { LABELS, METRICS } from '../../src/spec/metric-names.ts';
import { defaultSpec, withDefaults } from '../../src/spec/defaults.ts';

const spec = defaultSpec();
const [overview] = grafanaDashboards(spec);
const panels = overview!.dashboard.panels;
const exprs = panels.flatMap((p) => p.targets.map((t) => t.expr));

describe('grafanaDashboards', () => {
  it('has the overview panels: throughput, lag, lag per partition, dead letters, errors, p99 latency, group size per zone, CPU per group', () => {
    const titles = panels.map((p) => p.title.toLowerCase());
    for (const words of [
      'throughput',
      'consumer lag',
      'per partition',
      'dead-lettered',
      'errors',
      'latency p99',
      'group size per zone',
      'cpu per group',
    ]) {
      expect(
        titles.some((t) => t.includes(words)),
        words,
      ).toBe(true);
    }
  });

  it('queries only metric names from the one metric map', () => {
    const known = new Set<string>(Object.values(METRICS));
    const used = exprs
      .flatMap((e) => [...e.matchAll(/\b([a-z_:][a-z0-9_:]*)(?=[{[)\s]|$)/g)].map((m) => m[1]!))
      .filter((name) => /_(total|records|seconds|bucket)$/.test(name) || name === 'up');
    expect(used.length).toBeGreaterThan(8);
    for (const name of used) expect(known.has(name.replace(/_bucket$/, '')), name).toBe(true);
    for (const metric of [
      METRICS.producerRecords,
      METRICS.consumerRecords,
      METRICS.consumerLag,
      METRICS.consumerDeadLettered,
      METRICS.producerDeadLettered,
      METRICS.processCpu,
    ]) {
      expect(
        exprs.some((e) => e.includes(metric)),
        metric,
      ).toBe(true);
    }
    expect(
      exprs.some((e) => e.includes(`histogram_quantile(0.99`) && e.includes(`${METRICS.consumerWriteLatency}_bucket`)),
    ).toBe(true);
  });

  it('groups by the labels the scrape config sets', () => {
    expect(exprs.some((e) => e.includes(`by (${LABELS.group}, ${LABELS.zone})`))).toBe(true);
    expect(exprs.some((e) => e.includes(`by (${LABELS.partition})`))).toBe(true);
    expect(exprs.some((e) => e.includes(`by (${LABELS.group})`) && e.includes(METRICS.processCpu))).toBe(true);
  });

  it('uses the provisioned data source everywhere', () => {
    for (const p of panels) {
      expect(p.datasource.uid).toBe(GRAFANA_DATASOURCE_UID);
      for (const t of p.targets) expect(t.datasource.uid).toBe(GRAFANA_DATASOURCE_UID);
    }
  });

  it('lays panels out on a 24-column grid without overlap, with unique ids and ref ids', () => {
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    const cells = new Set<string>();
    for (const p of panels) {
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      expect(new Set(p.targets.map((t) => t.refId)).size).toBe(p.targets.length);
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          const cell = `${x},${y}`;
          expect(cells.has(cell), `${p.title} overlaps at ${cell}`).toBe(false);
          cells.add(cell);
        }
      }
    }
  });

  it("follows the spec: rate window from the scrape interval, names in titles, uid within Grafana's 40 chars", () => {
    const slow = withDefaults({ name: 'a-very-long-pipeline-name-x', monitoring: { scrapeIntervalSeconds: 30 } });
    expect(rateWindow(slow)).toBe('120s');
    expect(rateWindow(spec)).toBe('60s');
    const [d] = grafanaDashboards(slow);
    expect(d!.dashboard.uid.length).toBeLessThanOrEqual(40);
    expect(
      d!.dashboard.panels.flatMap((p) => p.targets).every((t) => !t.expr.includes('[') || t.expr.includes('[120s]')),
    ).toBe(true);
    expect(d!.dashboard.title).toContain('a-very-long-pipeline-name-x');
  });

  it('writes each dashboard as JSON that reads back to the model', () => {
    const files = grafanaDashboardFiles(spec);
    expect(Object.keys(files)).toEqual([overview!.fileName]);
    expect(JSON.parse(files[overview!.fileName]!)).toEqual(overview!.dashboard);
  });
});
