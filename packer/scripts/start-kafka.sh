#!/usr/bin/env bash
# Start a Kafka broker configured by configure-kafka.sh (ExecStart of terratower-kafka.service).
#
#   start-kafka.sh --prefix DIR [--conf-dir DIR] [--print]
#
# --print writes the java command line instead of running it.
set -euo pipefail

usage() { echo "usage: $0 --prefix DIR [--conf-dir DIR] [--print]" >&2; exit 2; }

PREFIX=""
CONF_DIR=""
PRINT=0
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || usage; PREFIX="$2"; shift 2 ;;
    --conf-dir) [ $# -ge 2 ] || usage; CONF_DIR="$2"; shift 2 ;;
    --print) PRINT=1; shift ;;
    -h | --help) usage ;;
    *) echo "start-kafka.sh: unknown argument: $1" >&2; usage ;;
  esac
done
[ -n "$PREFIX" ] || usage
CONF_DIR="${CONF_DIR:-$PREFIX/config}"

KAFKA_HEAP_MB=1024
# shellcheck source=/dev/null
[ -f "$CONF_DIR/jvm.env" ] && . "$CONF_DIR/jvm.env"
[[ "$KAFKA_HEAP_MB" =~ ^[0-9]+$ ]] || { echo "start-kafka.sh: KAFKA_HEAP_MB=$KAFKA_HEAP_MB in $CONF_DIR/jvm.env is not a number" >&2; exit 1; }

cmd=(java "-Xms${KAFKA_HEAP_MB}m" "-Xmx${KAFKA_HEAP_MB}m"
  -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
  -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true
  "-Dlog4j2.configurationFile=$CONF_DIR/log4j2.properties"
  -cp "$PREFIX/lib/*" kafka.Kafka "$CONF_DIR/server.properties")
if [ "$PRINT" -eq 1 ]; then
  printf '%s\n' "${cmd[@]}"
  exit 0
fi
exec "${cmd[@]}"
