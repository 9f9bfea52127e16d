/** Monitoring generated from a `PipelineSpec`: Prometheus scrape config and Grafana dashboards. */
export { APP_METRICS, LABELS, METRICS } from '../../spec/metric-names.ts';
export { ec2TagMetaLabel, prometheusConfig, prometheusConfigObject } from './prometheus.ts';
export type { PrometheusConfigOptions, ScrapeMode, StaticTarget } from './prometheus.ts';
export { GRAFANA_DATASOURCE_UID, grafanaDashboardFiles, grafanaDashboards, rateWindow } from './grafana.ts';
export type { GrafanaDashboard, GrafanaDashboardModel, GrafanaPanel, GrafanaTarget } from './grafana.ts';
