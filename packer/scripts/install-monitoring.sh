#!/usr/bin/env bash
# Prometheus (the distribution's package) and Grafana (apt.grafana.com, pinned to GRAFANA_VERSION
# from packer/versions.env) for the monitoring image. Run as root on the AMI build machine;
# idempotent. Configuration comes at boot: see configure-monitoring.sh.
#
#   install-monitoring.sh --prefix DIR [--dashboards DIR]
#
# --dashboards  Grafana dashboards (*.json) generated from the spec, kept in PREFIX/share/dashboards
#               as the image's defaults.
set -euo pipefail

usage() { echo "usage: $0 --prefix DIR [--dashboards DIR]" >&2; exit 2; }

PREFIX=""
DASHBOARDS=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || usage; PREFIX="$2"; shift 2 ;;
    --dashboards) [ $# -ge 2 ] || usage; DASHBOARDS="$2"; shift 2 ;;
    -h | --help) usage ;;
    *) echo "install-monitoring.sh: unknown argument: $1" >&2; usage ;;
  esac
done
[ -n "$PREFIX" ] || usage
[ "$(id -u)" -eq 0 ] || { echo "install-monitoring.sh: run as root (it installs packages)" >&2; exit 1; }

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VERSIONS_FILE="${TERRATOWER_VERSIONS_FILE:-$SCRIPT_DIR/../versions.env}"
# shellcheck source=../versions.env
. "$VERSIONS_FILE"
: "${GRAFANA_VERSION:?GRAFANA_VERSION missing from $VERSIONS_FILE}"

export DEBIAN_FRONTEND=noninteractive
KEYRING=/etc/apt/keyrings/grafana.gpg
if [ ! -s "$KEYRING" ]; then
  mkdir -p /etc/apt/keyrings
  curl -fsSL https://apt.grafana.com/gpg.key | gpg --dearmor >"$KEYRING.tmp"
  mv "$KEYRING.tmp" "$KEYRING"
fi
echo "deb [signed-by=$KEYRING] https://apt.grafana.com stable main" >/etc/apt/sources.list.d/grafana.list

installed_grafana="$(dpkg-query -W -f='${Version}' grafana 2>/dev/null || true)"
if ! dpkg-query -W -f='${Status}' prometheus 2>/dev/null | grep -q 'install ok installed' ||
  [ "$installed_grafana" != "$GRAFANA_VERSION" ]; then
  apt-get update -q
  apt-get install -y -q --no-install-recommends --allow-downgrades prometheus "grafana=$GRAFANA_VERSION"
fi
apt-mark hold grafana >/dev/null

# terratower-monitoring.service runs Prometheus with the spec's config; the package's own unit
# (default config, same port) must not.
systemctl disable --now prometheus >/dev/null 2>&1 || true
systemctl enable grafana-server >/dev/null 2>&1 || true

mkdir -p "$PREFIX/etc" "$PREFIX/data" "$PREFIX/dashboards" "$PREFIX/share/dashboards"
if [ -n "$DASHBOARDS" ]; then
  find "$PREFIX/share/dashboards" -maxdepth 1 -name '*.json' -delete
  find "$DASHBOARDS" -maxdepth 1 -name '*.json' -exec cp {} "$PREFIX/share/dashboards/" \;
fi
chown -R prometheus: "$PREFIX/data"
echo "install-monitoring.sh: prometheus $(dpkg-query -W -f='${Version}' prometheus), grafana $GRAFANA_VERSION, $(find "$PREFIX/share/dashboards" -name '*.json' | wc -l) dashboard(s)" >&2
