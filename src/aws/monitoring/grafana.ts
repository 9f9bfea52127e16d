/**
 * Grafana dashboards generated from a `PipelineSpec`: throughput produced and consumed, consumer
 * lag (total and per partition), dead-lettered records, errors, Cassandra write latency p99,
 * group size per zone and CPU per group. They query the Prometheus data source that
 * packer/scripts/configure-monitoring.sh provisions with uid {@link GRAFANA_DATASOURCE_UID}.
 */
import type { PipelineSpec } from '../../spec/types.ts';
import { LABELS, METRICS } from '../../spec/metric-names.ts';

/** uid of the provisioned Prometheus data source (configure-monitoring.sh writes the same). */
export const GRAFANA_DATASOURCE_UID = 'terratower-prometheus';

/** A data source reference. */
export interface GrafanaDatasourceRef {
  type: 'prometheus';
  uid: string;
}

/** One PromQL query of a panel. */
export interface GrafanaTarget {
  refId: string;
  datasource: GrafanaDatasourceRef;
  expr: string;
  legendFormat: string;
}

/** A time-series panel. */
export interface GrafanaPanel {
  id: number;
  type: 'timeseries';
  title: string;
  description: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource: GrafanaDatasourceRef;
  targets: GrafanaTarget[];
  fieldConfig: { defaults: { unit: string; min?: number }; overrides: unknown[] };
  options: {
    legend: { displayMode: 'list' | 'table'; placement: 'bottom' | 'right'; showLegend: boolean };
    tooltip: { mode: 'single' | 'multi'; sort: 'none' | 'asc' | 'desc' };
  };
}

/** A dashboard, as Grafana's file provisioning reads it. */
export interface GrafanaDashboardModel {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  timezone: 'utc';
  schemaVersion: number;
  version: number;
  editable: boolean;
  refresh: string;
  time: { from: string; to: string };
  templating: { list: unknown[] };
  annotations: { list: unknown[] };
  panels: GrafanaPanel[];
}

/** A dashboard and the file name it is provisioned under. */
export interface GrafanaDashboard {
  /** File name in the provisioning directory, e.g. `terratower-payments.json`. */
  fileName: string;
  /** The dashboard model (JSON.stringify it to write the file). */
  dashboard: GrafanaDashboardModel;
}

interface PanelSpec {
  title: string;
  description: string;
  unit: string;
  queries: Array<{ expr: string; legend: string }>;
}

const DATASOURCE: GrafanaDatasourceRef = { type: 'prometheus', uid: GRAFANA_DATASOURCE_UID };

/** The `rate()` window: four scrape intervals, at least a minute (rate needs two samples). */
export function rateWindow(spec: PipelineSpec): string {
  return `${Math.max(60, 4 * spec.monitoring.scrapeIntervalSeconds)}s`;
}

function panelSpecs(spec: PipelineSpec): PanelSpec[] {
  const w = rateWindow(spec);
  const { group, zone, partition } = LABELS;
  return [
    {
      title: 'Throughput: produced vs consumed',
      description: `Records per second written to Kafka topic ${spec.kafka.topic} by the producers and to Cassandra ${spec.cassandra.keyspace}.${spec.cassandra.table} by the consumers.`,
      unit: 'rps',
      queries: [
        { expr: `sum(rate(${METRICS.producerRecords}[${w}]))`, legend: 'produced' },
        { expr: `sum(rate(${METRICS.consumerRecords}[${w}]))`, legend: 'consumed' },
      ],
    },
    {
      title: 'Consumer lag',
      description: `Records behind the log end, summed over the consumer group's partitions (scaling target: ${spec.consumers.scaling.targetTracking?.metric === 'consumerLag' ? `${spec.consumers.scaling.targetTracking.target} per member` : 'none'}).`,
      unit: 'short',
      queries: [
        { expr: `sum(${METRICS.consumerLag})`, legend: 'lag' },
        {
          expr: `sum(${METRICS.consumerLag}) / clamp_min(count(${METRICS.up}{${group}="consumers"} == 1), 1)`,
          legend: 'lag per consumer',
        },
      ],
    },
    {
      title: 'Consumer lag per partition',
      description: `Records behind per partition of ${spec.kafka.topic} (${spec.kafka.partitions} partitions).`,
      unit: 'short',
      // One owner per partition; max hides a stale second owner for the moment of a rebalance.
      queries: [
        { expr: `max by (${partition}) (${METRICS.consumerPartitionLag})`, legend: `partition {{${partition}}}` },
      ],
    },
    {
      title: 'Dead-lettered records',
      description: `Records per second sent to ${spec.kafka.deadLetterTopic}, by the app that rejected them.`,
      unit: 'rps',
      queries: [
        { expr: `sum(rate(${METRICS.producerDeadLettered}[${w}]))`, legend: 'producers' },
        { expr: `sum(rate(${METRICS.consumerDeadLettered}[${w}]))`, legend: 'consumers' },
      ],
    },
    {
      title: 'Errors',
      description: 'Errors per second the apps report, and targets Prometheus cannot scrape.',
      unit: 'short',
      queries: [
        { expr: `sum(rate(${METRICS.producerErrors}[${w}]))`, legend: 'producer errors/s' },
        { expr: `sum(rate(${METRICS.consumerErrors}[${w}]))`, legend: 'consumer errors/s' },
        { expr: `count by (${group}) (${METRICS.up} == 0)`, legend: `{{${group}}} targets down` },
      ],
    },
    {
      title: 'Cassandra write latency p99',
      description: `99th percentile of the consumers' writes at ${spec.cassandra.consistency}, overall and per zone.`,
      unit: 's',
      queries: [
        {
          expr: `histogram_quantile(0.99, sum by (le) (rate(${METRICS.consumerWriteLatency}_bucket[${w}])))`,
          legend: 'p99',
        },
        {
          expr: `histogram_quantile(0.99, sum by (le, ${zone}) (rate(${METRICS.consumerWriteLatency}_bucket[${w}])))`,
          legend: `p99 {{${zone}}}`,
        },
      ],
    },
    {
      title: 'Group size per zone',
      description: 'Members answering scrapes, per group and zone (what an Auto Scaling group has in service).',
      unit: 'short',
      queries: [
        {
          expr: `count by (${group}, ${zone}) (max by (${group}, ${zone}, ${LABELS.member}) (${METRICS.up} == 1))`,
          legend: `{{${group}}} {{${zone}}}`,
        },
      ],
    },
    {
      title: 'CPU per group',
      description: 'Instance CPU busy % per group (node exporter, AWS), and cores used by the app processes.',
      unit: 'percent',
      queries: [
        {
          expr: `100 * (1 - avg by (${group}) (rate(${METRICS.nodeCpu}{mode="idle"}[${w}])))`,
          legend: `{{${group}}} instance CPU %`,
        },
        {
          expr: `100 * sum by (${group}) (rate(${METRICS.processCpu}[${w}]))`,
          legend: `{{${group}}} app process CPU % of one core`,
        },
      ],
    },
  ];
}

function toPanel(p: PanelSpec, index: number): GrafanaPanel {
  return {
    id: index + 1,
    type: 'timeseries',
    title: p.title,
    description: p.description,
    gridPos: { h: 8, w: 12, x: (index % 2) * 12, y: Math.floor(index / 2) * 8 },
    datasource: DATASOURCE,
    targets: p.queries.map((q, i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: DATASOURCE,
      expr: q.expr,
      legendFormat: q.legend,
    })),
    fieldConfig: { defaults: { unit: p.unit, min: 0 }, overrides: [] },
    options: {
      legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
      tooltip: { mode: 'multi', sort: 'none' },
    },
  };
}

/** The dashboards for `spec` (one pipeline overview today). */
export function grafanaDashboards(spec: PipelineSpec): GrafanaDashboard[] {
  const uid = `terratower-${spec.name}`.slice(0, 40);
  return [
    {
      fileName: `${uid}.json`,
      dashboard: {
        uid,
        title: `terratower: ${spec.name}`,
        description: `S3 ${spec.dataset.bucket}/${spec.dataset.prefix} → producers → Kafka ${spec.kafka.topic} → consumers → Cassandra ${spec.cassandra.keyspace}.${spec.cassandra.table}`,
        tags: ['terratower', spec.name],
        timezone: 'utc',
        schemaVersion: 39,
        version: 1,
        editable: false,
        refresh: `${Math.max(5, spec.monitoring.scrapeIntervalSeconds)}s`,
        time: { from: 'now-30m', to: 'now' },
        templating: { list: [] },
        annotations: { list: [] },
        panels: panelSpecs(spec).map(toPanel),
      },
    },
  ];
}

/** File name → JSON text of every dashboard, ready to write into a provisioning directory. */
export function grafanaDashboardFiles(spec: PipelineSpec): Record<string, string> {
  return Object.fromEntries(
    grafanaDashboards(spec).map((d) => [d.fileName, `${JSON.stringify(d.dashboard, null, 2)}\n`]),
  );
}
