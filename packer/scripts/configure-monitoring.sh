#!/usr/bin/env bash
# Put the monitoring instance's configuration in place and provision Grafana. Run by
# terratower-monitoring.service as ExecStartPre (as root); idempotent.
#
#   configure-monitoring.sh --prefix DIR [--env-file FILE] [--source-dir DIR] [--grafana-dir DIR]
#
# Prometheus config: SOURCE_DIR/prometheus.yml when user data wrote one (src/monitoring's
# prometheusConfig), else rendered here from the environment file: EC2 service discovery of
# the stack's running instances, the same jobs and labels as prometheusConfig(spec, { mode: 'ec2' }).
# Dashboards: SOURCE_DIR/dashboards/*.json when present, else the ones baked into the image
# (PREFIX/share/dashboards).
#
# Reads: TT_REGION, TT_SCRAPE_INTERVAL_SECONDS, TT_DISCOVERY_TAG_KEY, TT_DISCOVERY_TAG_VALUE,
#        TT_GROUP_TAG_KEY, TT_APP_PORT, TT_NODE_EXPORTER_PORT.
# Writes: PREFIX/etc/prometheus.yml, PREFIX/dashboards/, GRAFANA_DIR/{datasources,dashboards}/terratower.yaml.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/common.sh
. "$SCRIPT_DIR/lib/common.sh"

usage() { echo "usage: $0 --prefix DIR [--env-file FILE] [--source-dir DIR] [--grafana-dir DIR]" >&2; exit 2; }

PREFIX=""
ENV_FILE="/etc/terratower/monitoring.env"
SOURCE_DIR="/etc/terratower/monitoring"
GRAFANA_DIR="/etc/grafana/provisioning"
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || usage; PREFIX="$2"; shift 2 ;;
    --env-file) [ $# -ge 2 ] || usage; ENV_FILE="$2"; shift 2 ;;
    --source-dir) [ $# -ge 2 ] || usage; SOURCE_DIR="$2"; shift 2 ;;
    --grafana-dir) [ $# -ge 2 ] || usage; GRAFANA_DIR="$2"; shift 2 ;;
    -h | --help) usage ;;
    *) echo "configure-monitoring.sh: unknown argument: $1" >&2; usage ;;
  esac
done
[ -n "$PREFIX" ] || usage

# Tag keys and value terratower puts on every resource (src/spec/tags.ts).
PROJECT_TAG_KEY="terratower:project"
PROJECT_TAG_VALUE="terratower"
MEMBER_TAG_KEY="terratower:member"

# Prometheus's meta label for an EC2 tag: characters outside [a-zA-Z0-9_] become "_".
tag_meta_label() {
  printf '__meta_ec2_tag_%s' "$(printf '%s' "$1" | tr -c 'a-zA-Z0-9_' '_')"
}

# render_ec2_config: prometheus.yml for EC2 service discovery, from the environment file.
render_ec2_config() {
  local interval timeout group_label member_label job
  interval="$TT_SCRAPE_INTERVAL_SECONDS"
  timeout=$((interval < 10 ? interval : 10))
  [ "$timeout" -ge 1 ] || timeout=1
  group_label="$(tag_meta_label "$TT_GROUP_TAG_KEY")"
  member_label="$(tag_meta_label "$MEMBER_TAG_KEY")"
  relabels() {
    cat <<YAML
    relabel_configs:
      - source_labels: [$group_label]
        target_label: group
      - source_labels: [__meta_ec2_availability_zone]
        target_label: zone
      - source_labels: [__meta_ec2_instance_id]
        target_label: member
      - source_labels: [$member_label]
        regex: (.+)
        target_label: member
      - source_labels: [__meta_ec2_instance_id]
        target_label: instance_id
YAML
  }
  filters() {
    cat <<YAML
        filters:
          - name: "tag:$PROJECT_TAG_KEY"
            values: ["$PROJECT_TAG_VALUE"]
          - name: instance-state-name
            values: [running]
          - name: "tag:$TT_DISCOVERY_TAG_KEY"
            values: ["$TT_DISCOVERY_TAG_VALUE"]
YAML
  }
  cat <<YAML
# Rendered by configure-monitoring.sh from $ENV_FILE (EC2 service discovery).
global:
  scrape_interval: ${interval}s
  evaluation_interval: ${interval}s
  scrape_timeout: ${timeout}s
  external_labels:
    pipeline: "$TT_DISCOVERY_TAG_VALUE"
scrape_configs:
YAML
  for job in producers consumers; do
    cat <<YAML
  - job_name: $job
    ec2_sd_configs:
      - region: $TT_REGION
        port: $TT_APP_PORT
        refresh_interval: 30s
YAML
    filters
    cat <<YAML
          - name: "tag:$TT_GROUP_TAG_KEY"
            values: [$job]
YAML
    relabels
  done
  cat <<YAML
  - job_name: node
    ec2_sd_configs:
      - region: $TT_REGION
        port: $TT_NODE_EXPORTER_PORT
        refresh_interval: 30s
YAML
  filters
  relabels
}

if [ -r "$SOURCE_DIR/prometheus.yml" ]; then
  tt_write_file "$PREFIX/etc/prometheus.yml" <"$SOURCE_DIR/prometheus.yml"
else
  tt_load_env "$ENV_FILE"
  tt_require TT_REGION TT_SCRAPE_INTERVAL_SECONDS TT_DISCOVERY_TAG_KEY TT_DISCOVERY_TAG_VALUE TT_GROUP_TAG_KEY TT_APP_PORT TT_NODE_EXPORTER_PORT
  for number in TT_SCRAPE_INTERVAL_SECONDS TT_APP_PORT TT_NODE_EXPORTER_PORT; do
    [[ "${!number}" =~ ^[0-9]+$ ]] || tt_die "$number=${!number} is not a number"
  done
  render_ec2_config | tt_write_file "$PREFIX/etc/prometheus.yml"
fi
if command -v promtool >/dev/null 2>&1; then
  promtool check config --syntax-only "$PREFIX/etc/prometheus.yml" >&2 || tt_die "$PREFIX/etc/prometheus.yml does not pass promtool check config"
fi

DASHBOARD_SOURCE="$PREFIX/share/dashboards"
if [ -d "$SOURCE_DIR/dashboards" ] && find "$SOURCE_DIR/dashboards" -maxdepth 1 -name '*.json' | grep -q .; then
  DASHBOARD_SOURCE="$SOURCE_DIR/dashboards"
fi
mkdir -p "$PREFIX/data" "$PREFIX/dashboards.new"
if [ -d "$DASHBOARD_SOURCE" ]; then
  find "$DASHBOARD_SOURCE" -maxdepth 1 -name '*.json' -exec cp {} "$PREFIX/dashboards.new/" \;
fi
rm -rf "$PREFIX/dashboards"
mv "$PREFIX/dashboards.new" "$PREFIX/dashboards"

# The data source uid is the one the generated dashboards reference (src/aws/monitoring/grafana.ts).
tt_write_file "$GRAFANA_DIR/datasources/terratower.yaml" <<'YAML'
apiVersion: 1
datasources:
  - name: Prometheus (terratower)
    uid: terratower-prometheus
    type: prometheus
    access: proxy
    url: http://127.0.0.1:9090
    isDefault: true
    editable: false
YAML

tt_write_file "$GRAFANA_DIR/dashboards/terratower.yaml" <<YAML
apiVersion: 1
providers:
  - name: terratower
    folder: terratower
    type: file
    disableDeletion: true
    allowUiUpdates: false
    options:
      path: $PREFIX/dashboards
YAML

if [ "$(id -u)" -eq 0 ] && id prometheus >/dev/null 2>&1; then
  chown -R prometheus: "$PREFIX/data"
fi
tt_log "prometheus.yml and $(find "$PREFIX/dashboards" -name '*.json' | wc -l) dashboard(s) in place under $PREFIX"
