#!/usr/bin/env bash
# Render a Cassandra node's cassandra.yaml and cassandra-rackdc.properties from the environment
# file user data writes at boot, and mount its data volume. Run by terratower-cassandra.service
# as ExecStartPre (as root); idempotent.
#
#   configure-cassandra.sh --prefix DIR [--env-file FILE] [--conf-dir DIR] [--user USER] [--no-mount]
#
# Reads (src/aws/constructs/user-data.ts writes them): TT_NODE_ID, TT_CLUSTER_NAME, TT_DC, TT_RACK,
#        TT_LISTEN_ADDRESS, TT_SEEDS (comma-separated addresses), TT_INITIAL_TOKEN, TT_DATA_DIR,
#        TT_DATA_DEVICE (optional; device path or EBS volume id; "none" or empty: no volume),
#        TT_CASSANDRA_AUTHENTICATOR (optional: PasswordAuthenticator; default AllowAllAuthenticator),
#        TT_CASSANDRA_CLIENT_KEYSTORE, TT_CASSANDRA_CLIENT_CA_FILE (optional: PEM files; with
#        both, CQL clients must use TLS). The twin sets none of the optional security variables.
# Writes: CONF_DIR/cassandra.yaml, CONF_DIR/cassandra-rackdc.properties, CONF_DIR/logback.xml,
#         CONF_DIR/jvm.env.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/common.sh
. "$SCRIPT_DIR/lib/common.sh"

usage() {
  echo "usage: $0 --prefix DIR [--env-file FILE] [--conf-dir DIR] [--user USER] [--no-mount]" >&2
  exit 2
}

PREFIX=""
ENV_FILE="/etc/terratower/cassandra.env"
CONF_DIR=""
RUN_USER="terratower"
MOUNT=1
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || usage; PREFIX="$2"; shift 2 ;;
    --env-file) [ $# -ge 2 ] || usage; ENV_FILE="$2"; shift 2 ;;
    --conf-dir) [ $# -ge 2 ] || usage; CONF_DIR="$2"; shift 2 ;;
    --user) [ $# -ge 2 ] || usage; RUN_USER="$2"; shift 2 ;;
    --no-mount) MOUNT=0; shift ;;
    -h | --help) usage ;;
    *) echo "configure-cassandra.sh: unknown argument: $1" >&2; usage ;;
  esac
done
[ -n "$PREFIX" ] || usage
CONF_DIR="${CONF_DIR:-$PREFIX/conf}"

tt_load_env "$ENV_FILE"
tt_require TT_NODE_ID TT_CLUSTER_NAME TT_DC TT_RACK TT_LISTEN_ADDRESS TT_SEEDS TT_INITIAL_TOKEN TT_DATA_DIR
[[ "$TT_INITIAL_TOKEN" =~ ^-?[0-9]+$ ]] || tt_die "TT_INITIAL_TOKEN=$TT_INITIAL_TOKEN is not a Murmur3 token (an integer)"
TT_DATA_DEVICE="${TT_DATA_DEVICE:-}"
[ "$TT_DATA_DEVICE" != none ] || TT_DATA_DEVICE=""
[[ "$TT_CLUSTER_NAME" =~ ^[A-Za-z0-9_.\ -]+$ ]] || tt_die "TT_CLUSTER_NAME=$TT_CLUSTER_NAME: use letters, digits, spaces, . _ -"

if [ -n "$TT_DATA_DEVICE" ] && [ "$MOUNT" -eq 1 ]; then
  tt_mount_data "$TT_DATA_DEVICE" "$TT_DATA_DIR"
fi
for sub in data commitlog saved_caches hints cdc_raw; do
  mkdir -p "$TT_DATA_DIR/$sub"
done

AUTHENTICATOR="${TT_CASSANDRA_AUTHENTICATOR:-AllowAllAuthenticator}"
case "$AUTHENTICATOR" in
  AllowAllAuthenticator | PasswordAuthenticator) ;;
  *) tt_die "TT_CASSANDRA_AUTHENTICATOR=$AUTHENTICATOR: use AllowAllAuthenticator or PasswordAuthenticator" ;;
esac
CLIENT_KEYSTORE="${TT_CASSANDRA_CLIENT_KEYSTORE:-}"
CLIENT_TRUSTSTORE="${TT_CASSANDRA_CLIENT_CA_FILE:-}"
if [ -n "$CLIENT_KEYSTORE$CLIENT_TRUSTSTORE" ]; then
  if [ ! -f "$CLIENT_KEYSTORE" ] || [ ! -f "$CLIENT_TRUSTSTORE" ]; then
    tt_die "TT_CASSANDRA_CLIENT_KEYSTORE and TT_CASSANDRA_CLIENT_CA_FILE must both name existing PEM files"
  fi
fi

# One token per node, evenly spaced by the spec (src/spec/derive.ts), so a new cluster's nodes
# start together without bootstrap streaming; a replaced node comes back with its volume's data.
tt_write_file "$CONF_DIR/cassandra.yaml" <<YAML
# Rendered by configure-cassandra.sh from $ENV_FILE (node $TT_NODE_ID). Rewritten at every start.
cluster_name: '$TT_CLUSTER_NAME'
num_tokens: 1
initial_token: '$TT_INITIAL_TOKEN'
auto_bootstrap: false
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: GossipingPropertyFileSnitch
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: '$TT_SEEDS'
listen_address: $TT_LISTEN_ADDRESS
rpc_address: $TT_LISTEN_ADDRESS
storage_port: 7000
native_transport_port: 9042
start_native_transport: true
data_file_directories:
  - $TT_DATA_DIR/data
commitlog_directory: $TT_DATA_DIR/commitlog
saved_caches_directory: $TT_DATA_DIR/saved_caches
hints_directory: $TT_DATA_DIR/hints
cdc_raw_directory: $TT_DATA_DIR/cdc_raw
commitlog_sync: periodic
commitlog_sync_period: 10000ms
disk_failure_policy: stop
commit_failure_policy: stop
authenticator: $AUTHENTICATOR
authorizer: AllowAllAuthorizer
YAML
if [ -n "$CLIENT_KEYSTORE" ]; then
  cat >>"$CONF_DIR/cassandra.yaml" <<YAML
client_encryption_options:
  enabled: true
  optional: false
  ssl_context_factory:
    class_name: org.apache.cassandra.security.PEMBasedSslContextFactory
  keystore: $CLIENT_KEYSTORE
  truststore: $CLIENT_TRUSTSTORE
YAML
fi

tt_write_file "$CONF_DIR/cassandra-rackdc.properties" <<PROPS
# Rendered by configure-cassandra.sh: the data center is the region, the rack is the zone.
dc=$TT_DC
rack=$TT_RACK
prefer_local=true
PROPS

# Cassandra logs to stdout at INFO (without a logback config it logs everything at DEBUG).
tt_write_file "$CONF_DIR/logback.xml" <<'XML'
<configuration scan="false">
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="STDOUT"/></root>
</configuration>
XML

HEAP_MB="$(tt_heap_mb 25 384 8192)"
tt_write_file "$CONF_DIR/jvm.env" <<JVM
CASSANDRA_HEAP_MB=$HEAP_MB
JVM

if [ "$(id -u)" -eq 0 ] && id "$RUN_USER" >/dev/null 2>&1; then
  chown -R "$RUN_USER:" "$TT_DATA_DIR"
fi
tt_log "node $TT_NODE_ID configured: $CONF_DIR/cassandra.yaml (dc $TT_DC, rack $TT_RACK, heap ${HEAP_MB}m)"
