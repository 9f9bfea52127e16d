/**
 * Prometheus scrape configuration generated from a `PipelineSpec`.
 *
 * - `ec2` (AWS): EC2 service discovery in the spec's region, filtered by the run's tags
 *   (`terratower:project`, optionally `terratower:stack` and `terratower:run-id`, and
 *   `terratower:group` per job). The apps are scraped on `PORTS.appHttp`, node exporter on every
 *   instance on `PORTS.nodeExporter`.
 * - `static` (local twin): the given targets, each labelled with its group, zone and member.
 *
 * Every target carries the labels `group`, `zone` and `member` that the dashboards group by.
 */
import { stringify } from 'yaml';
import { PORTS } from '../../spec/ports.ts';
import { PROJECT_TAG_VALUE, TAG_KEYS } from '../../spec/tags.ts';
import type { GroupName, PipelineSpec } from '../../spec/types.ts';
import { LABELS } from '../../spec/metric-names.ts';

/** Where the targets come from. */
export type ScrapeMode = 'ec2' | 'static';

/** One target the twin (or any static setup) wants scraped. */
export interface StaticTarget {
  /** Group the target belongs to. */
  group: GroupName;
  /** `host:port` of its `/metrics` endpoint. */
  address: string;
  /** Zone it runs in. */
  zone: string;
  /** Member id, e.g. `consumers-2`. */
  member: string;
}

/** Options of {@link prometheusConfig}. */
export interface PrometheusConfigOptions {
  /** EC2 service discovery (AWS) or static targets (local twin). */
  mode: ScrapeMode;
  /** Targets to scrape; required (and only read) in `static` mode. */
  targets?: StaticTarget[];
  /** `ec2`: only instances tagged with this run id. @default any run */
  runId?: string;
  /** `ec2`: only instances tagged with this stack name. @default any stack */
  stackName?: string;
  /** `ec2`: also scrape node exporter on every instance of the run. @default true */
  nodeExporter?: boolean;
}

/** The app groups: they serve `/metrics` themselves. */
const APP_GROUPS = ['producers', 'consumers'] as const;

/** Prometheus's name for an EC2 tag's meta label: every character outside [a-zA-Z0-9_] becomes `_`. */
export function ec2TagMetaLabel(tagKey: string): string {
  return `__meta_ec2_tag_${tagKey.replace(/[^a-zA-Z0-9_]/g, '_')}`;
}

interface Ec2Filter {
  name: string;
  values: string[];
}

function runFilters(options: PrometheusConfigOptions): Ec2Filter[] {
  const filters: Ec2Filter[] = [
    { name: `tag:${TAG_KEYS.project}`, values: [PROJECT_TAG_VALUE] },
    { name: 'instance-state-name', values: ['running'] },
  ];
  if (options.stackName) filters.push({ name: `tag:${TAG_KEYS.stack}`, values: [options.stackName] });
  if (options.runId) filters.push({ name: `tag:${TAG_KEYS.runId}`, values: [options.runId] });
  return filters;
}

/** Relabelling shared by the EC2 jobs: zone and member labels, group from the group tag. */
function ec2Relabels(): Record<string, unknown>[] {
  return [
    { source_labels: [ec2TagMetaLabel(TAG_KEYS.group)], target_label: LABELS.group },
    { source_labels: ['__meta_ec2_availability_zone'], target_label: LABELS.zone },
    { source_labels: ['__meta_ec2_instance_id'], target_label: LABELS.member },
    // Stateful members carry a stable member id (kafka-1): prefer it to the instance id.
    { source_labels: [ec2TagMetaLabel(TAG_KEYS.member)], regex: '(.+)', target_label: LABELS.member },
    { source_labels: ['__meta_ec2_instance_id'], target_label: 'instance_id' },
  ];
}

function ec2Jobs(spec: PipelineSpec, options: PrometheusConfigOptions): Record<string, unknown>[] {
  const jobs: Record<string, unknown>[] = APP_GROUPS.map((group) => ({
    job_name: group,
    ec2_sd_configs: [
      {
        region: spec.region,
        port: PORTS.appHttp,
        refresh_interval: '30s',
        filters: [...runFilters(options), { name: `tag:${TAG_KEYS.group}`, values: [group] }],
      },
    ],
    relabel_configs: ec2Relabels(),
  }));
  if (options.nodeExporter ?? true) {
    jobs.push({
      job_name: 'node',
      ec2_sd_configs: [
        { region: spec.region, port: PORTS.nodeExporter, refresh_interval: '30s', filters: runFilters(options) },
      ],
      relabel_configs: ec2Relabels(),
    });
  }
  return jobs;
}

function staticJobs(targets: StaticTarget[]): Record<string, unknown>[] {
  const groups = [...new Set(targets.map((t) => t.group))];
  return groups.map((group) => ({
    job_name: group,
    static_configs: targets
      .filter((t) => t.group === group)
      .map((t) => ({
        targets: [t.address],
        labels: { [LABELS.group]: t.group, [LABELS.zone]: t.zone, [LABELS.member]: t.member },
      })),
  }));
}

/** The configuration as an object (what {@link prometheusConfig} serializes). */
export function prometheusConfigObject(spec: PipelineSpec, options: PrometheusConfigOptions): Record<string, unknown> {
  const interval = `${spec.monitoring.scrapeIntervalSeconds}s`;
  let scrapeConfigs: Record<string, unknown>[];
  if (options.mode === 'ec2') {
    scrapeConfigs = ec2Jobs(spec, options);
  } else {
    if (!options.targets || options.targets.length === 0) {
      throw new Error('prometheusConfig: mode "static" needs targets (group, address, zone, member for each)');
    }
    for (const t of options.targets) {
      if (!/^[^\s:]+:\d+$/.test(t.address))
        throw new Error(`prometheusConfig: target address "${t.address}" of ${t.member} is not host:port`);
    }
    scrapeConfigs = staticJobs(options.targets);
  }
  const externalLabels: Record<string, string> = { pipeline: options.stackName ?? spec.name };
  if (options.runId) externalLabels.run_id = options.runId;
  return {
    global: {
      scrape_interval: interval,
      evaluation_interval: interval,
      scrape_timeout: `${Math.max(1, Math.min(10, spec.monitoring.scrapeIntervalSeconds))}s`,
      external_labels: externalLabels,
    },
    scrape_configs: scrapeConfigs,
  };
}

/** prometheus.yml text for `spec`: EC2 service discovery by the run's tags, or static targets. */
export function prometheusConfig(spec: PipelineSpec, options: PrometheusConfigOptions): string {
  const header = `# Generated by terratower (src/aws/monitoring/prometheus.ts) for pipeline ${spec.name}, mode ${options.mode}.\n`;
  return header + stringify(prometheusConfigObject(spec, options), { lineWidth: 0 });
}
