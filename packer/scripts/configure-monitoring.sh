#!/usr/bin/env bash
# Put the monitoring instance's generated configuration in place: the Prometheus config and the
# Grafana dashboards that src/monitoring generated from the spec (user data writes them to
# SOURCE_DIR), plus Grafana's provisioning for the data source and the dashboards folder. Run
# by terratower-monitoring.service as ExecStartPre (as root); idempotent.
#
#   configure-monitoring.sh --prefix DIR [--source-dir DIR] [--grafana-dir DIR]
#
# Reads: SOURCE_DIR/prometheus.yml, SOURCE_DIR/dashboards/*.json (default /etc/terratower/monitoring).
# Writes: PREFIX/etc/prometheus.yml, PREFIX/dashboards/, GRAFANA_DIR/{datasources,dashboards}/terratower.yaml.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/common.sh
. "$SCRIPT_DIR/lib/common.sh"

usage() { echo "usage: $0 --prefix DIR [--source-dir DIR] [--grafana-dir DIR]" >&2; exit 2; }

PREFIX=""
SOURCE_DIR="/etc/terratower/monitoring"
GRAFANA_DIR="/etc/grafana/provisioning"
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || usage; PREFIX="$2"; shift 2 ;;
    --source-dir) [ $# -ge 2 ] || usage; SOURCE_DIR="$2"; shift 2 ;;
    --grafana-dir) [ $# -ge 2 ] || usage; GRAFANA_DIR="$2"; shift 2 ;;
    -h | --help) usage ;;
    *) echo "configure-monitoring.sh: unknown argument: $1" >&2; usage ;;
  esac
done
[ -n "$PREFIX" ] || usage

[ -r "$SOURCE_DIR/prometheus.yml" ] || tt_die "$SOURCE_DIR/prometheus.yml is missing (user data writes it from src/monitoring)"
if command -v promtool >/dev/null 2>&1; then
  promtool check config --syntax-only "$SOURCE_DIR/prometheus.yml" >&2 || tt_die "$SOURCE_DIR/prometheus.yml does not pass promtool check config"
fi
tt_write_file "$PREFIX/etc/prometheus.yml" <"$SOURCE_DIR/prometheus.yml"

mkdir -p "$PREFIX/data" "$PREFIX/dashboards.new"
if [ -d "$SOURCE_DIR/dashboards" ]; then
  find "$SOURCE_DIR/dashboards" -maxdepth 1 -name '*.json' -exec cp {} "$PREFIX/dashboards.new/" \;
fi
rm -rf "$PREFIX/dashboards"
mv "$PREFIX/dashboards.new" "$PREFIX/dashboards"

# The data source uid is the one the generated dashboards reference (src/monitoring/grafana.ts).
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
