#!/usr/bin/env bash
# Render a Kafka KRaft broker's configuration (combined broker + controller) from the environment
# file user data writes at boot, mount its data volume and format its storage once.
# Run by terratower-kafka.service as ExecStartPre (as root); idempotent.
#
#   configure-kafka.sh --prefix DIR [--env-file FILE] [--conf-dir DIR] [--user USER]
#                      [--no-mount] [--no-format]
#
# Reads (src/aws/constructs/user-data.ts writes them): TT_NODE_ID, TT_ZONE, TT_ADVERTISED_HOST,
#        TT_CONTROLLER_QUORUM (id@host:9093,...), TT_CLUSTER_ID, TT_DATA_DIR,
#        TT_DATA_DEVICE (optional; device path or EBS volume id; "none" or empty: no volume),
#        TT_REPLICATION_FACTOR, TT_MIN_INSYNC_REPLICAS (optional topic defaults, capped at the
#        number of brokers),
#        TT_KAFKA_EXTRA_PROPERTIES (optional: a file appended to server.properties, whose keys win —
#        user data writes the listener overrides of the spec's kafka.security there),
#        TT_KAFKA_SASL_USERNAME, TT_KAFKA_SASL_PASSWORD (optional: SCRAM-SHA-512 credentials
#        bootstrapped into the metadata log when the storage is formatted).
#        The twin sets none of the optional security variables.
# Writes: CONF_DIR/server.properties, CONF_DIR/log4j2.properties, CONF_DIR/jvm.env.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/common.sh
. "$SCRIPT_DIR/lib/common.sh"

usage() {
  echo "usage: $0 --prefix DIR [--env-file FILE] [--conf-dir DIR] [--user USER] [--no-mount] [--no-format]" >&2
  exit 2
}

PREFIX=""
ENV_FILE="/etc/terratower/kafka.env"
CONF_DIR=""
RUN_USER="terratower"
MOUNT=1
FORMAT=1
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || usage; PREFIX="$2"; shift 2 ;;
    --env-file) [ $# -ge 2 ] || usage; ENV_FILE="$2"; shift 2 ;;
    --conf-dir) [ $# -ge 2 ] || usage; CONF_DIR="$2"; shift 2 ;;
    --user) [ $# -ge 2 ] || usage; RUN_USER="$2"; shift 2 ;;
    --no-mount) MOUNT=0; shift ;;
    --no-format) FORMAT=0; shift ;;
    -h | --help) usage ;;
    *) echo "configure-kafka.sh: unknown argument: $1" >&2; usage ;;
  esac
done
[ -n "$PREFIX" ] || usage
CONF_DIR="${CONF_DIR:-$PREFIX/config}"

tt_load_env "$ENV_FILE"
tt_require TT_NODE_ID TT_ADVERTISED_HOST TT_CONTROLLER_QUORUM TT_CLUSTER_ID TT_DATA_DIR
[[ "$TT_NODE_ID" =~ ^[0-9]+$ ]] || tt_die "TT_NODE_ID=$TT_NODE_ID is not a non-negative integer"
TT_ZONE="${TT_ZONE:-}"
TT_DATA_DEVICE="${TT_DATA_DEVICE:-}"
[ "$TT_DATA_DEVICE" != none ] || TT_DATA_DEVICE=""

# Every voter is a broker (combined mode): size internal topics by the number of voters.
IFS=',' read -r -a VOTERS <<<"$TT_CONTROLLER_QUORUM"
for voter in "${VOTERS[@]}"; do
  [[ "$voter" =~ ^[0-9]+@[^:@]+:[0-9]+$ ]] || tt_die "TT_CONTROLLER_QUORUM entry '$voter' is not id@host:port"
done
case ",$TT_CONTROLLER_QUORUM," in
  *",$TT_NODE_ID@"*) ;;
  *) tt_die "TT_NODE_ID=$TT_NODE_ID is not a voter in TT_CONTROLLER_QUORUM=$TT_CONTROLLER_QUORUM" ;;
esac
BROKERS="${#VOTERS[@]}"
# Topic defaults (internal topics included) from the spec, never above the broker count.
RF="${TT_REPLICATION_FACTOR:-3}"
MIN_ISR="${TT_MIN_INSYNC_REPLICAS:-2}"
[[ "$RF" =~ ^[1-9][0-9]*$ ]] || tt_die "TT_REPLICATION_FACTOR=$RF is not a positive integer"
[[ "$MIN_ISR" =~ ^[1-9][0-9]*$ ]] || tt_die "TT_MIN_INSYNC_REPLICAS=$MIN_ISR is not a positive integer"
RF=$((RF < BROKERS ? RF : BROKERS))
MIN_ISR=$((MIN_ISR < RF ? MIN_ISR : RF))

if [ -n "$TT_DATA_DEVICE" ] && [ "$MOUNT" -eq 1 ]; then
  tt_mount_data "$TT_DATA_DEVICE" "$TT_DATA_DIR"
fi
# Kafka's log dir is a subdirectory: a file system root holds lost+found, which Kafka rejects.
LOG_DIR="$TT_DATA_DIR/kafka-logs"
mkdir -p "$LOG_DIR"

tt_write_file "$CONF_DIR/server.properties" <<PROPS
# Rendered by configure-kafka.sh from $ENV_FILE. Do not edit: rewritten at every start.
process.roles=broker,controller
node.id=$TT_NODE_ID
controller.quorum.voters=$TT_CONTROLLER_QUORUM
listeners=PLAINTEXT://$TT_ADVERTISED_HOST:9092,CONTROLLER://$TT_ADVERTISED_HOST:9093
advertised.listeners=PLAINTEXT://$TT_ADVERTISED_HOST:9092,CONTROLLER://$TT_ADVERTISED_HOST:9093
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$LOG_DIR
broker.rack=${TT_ZONE:-none}
auto.create.topics.enable=false
unclean.leader.election.enable=false
default.replication.factor=$RF
min.insync.replicas=$MIN_ISR
offsets.topic.replication.factor=$RF
transaction.state.log.replication.factor=$RF
transaction.state.log.min.isr=$MIN_ISR
group.initial.rebalance.delay.ms=3000
num.network.threads=3
num.io.threads=8
log.retention.hours=168
PROPS

TT_KAFKA_EXTRA_PROPERTIES="${TT_KAFKA_EXTRA_PROPERTIES:-}"
if [ -n "$TT_KAFKA_EXTRA_PROPERTIES" ]; then
  [ -f "$TT_KAFKA_EXTRA_PROPERTIES" ] || tt_die "TT_KAFKA_EXTRA_PROPERTIES=$TT_KAFKA_EXTRA_PROPERTIES does not exist"
  {
    echo "# Overrides from $TT_KAFKA_EXTRA_PROPERTIES (later keys win)."
    cat "$TT_KAFKA_EXTRA_PROPERTIES"
  } >>"$CONF_DIR/server.properties"
  # The overrides may carry the SCRAM JAAS line: readable by the broker's user only.
  chmod 0640 "$CONF_DIR/server.properties"
  if [ "$(id -u)" -eq 0 ] && id "$RUN_USER" >/dev/null 2>&1; then chgrp "$RUN_USER" "$CONF_DIR/server.properties"; fi
fi
SCRAM=()
if [ -n "${TT_KAFKA_SASL_USERNAME:-}" ] || [ -n "${TT_KAFKA_SASL_PASSWORD:-}" ]; then
  if [ -z "${TT_KAFKA_SASL_USERNAME:-}" ] || [ -z "${TT_KAFKA_SASL_PASSWORD:-}" ]; then
    tt_die "set both TT_KAFKA_SASL_USERNAME and TT_KAFKA_SASL_PASSWORD, or neither"
  fi
  SCRAM=(--add-scram "SCRAM-SHA-512=[name=$TT_KAFKA_SASL_USERNAME,password=$TT_KAFKA_SASL_PASSWORD]")
fi

tt_write_file "$CONF_DIR/log4j2.properties" <<'LOG4J'
# Kafka logs to stdout; journald (AWS) or the twin's supervisor keeps them.
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.stdout.ref = STDOUT
logger.kafka.name = kafka
logger.kafka.level = info
logger.clients.name = org.apache.kafka.clients
logger.clients.level = warn
LOG4J

HEAP_MB="$(tt_heap_mb 50 512 6144)"
tt_write_file "$CONF_DIR/jvm.env" <<JVM
KAFKA_HEAP_MB=$HEAP_MB
JVM

if [ "$(id -u)" -eq 0 ] && id "$RUN_USER" >/dev/null 2>&1; then
  chown -R "$RUN_USER:" "$TT_DATA_DIR"
fi

if [ "$FORMAT" -eq 1 ] && [ ! -f "$LOG_DIR/meta.properties" ]; then
  [ -d "$PREFIX/lib" ] || tt_die "$PREFIX/lib is missing: run install-kafka.sh --prefix $PREFIX first"
  tt_log "formatting KRaft storage in $LOG_DIR (cluster $TT_CLUSTER_ID)"
  format=(java -cp "$PREFIX/lib/*" -Dlog4j2.configurationFile="$CONF_DIR/log4j2.properties"
    kafka.tools.StorageTool format -t "$TT_CLUSTER_ID" -c "$CONF_DIR/server.properties" --ignore-formatted ${SCRAM[@]+"${SCRAM[@]}"})
  if [ "$(id -u)" -eq 0 ] && id "$RUN_USER" >/dev/null 2>&1; then
    runuser -u "$RUN_USER" -- "${format[@]}"
  else
    "${format[@]}"
  fi
fi
tt_log "node $TT_NODE_ID configured: $CONF_DIR/server.properties ($BROKERS voters, heap ${HEAP_MB}m)"
