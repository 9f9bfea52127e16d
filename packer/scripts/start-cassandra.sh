#!/usr/bin/env bash
# Start a Cassandra node configured by configure-cassandra.sh (ExecStart of
# terratower-cassandra.service). JVM flags follow Cassandra 5.0's conf/jvm17-server.options.
#
#   start-cassandra.sh --prefix DIR [--conf-dir DIR] [--print]
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
    *) echo "start-cassandra.sh: unknown argument: $1" >&2; usage ;;
  esac
done
[ -n "$PREFIX" ] || usage
CONF_DIR="${CONF_DIR:-$PREFIX/conf}"

CASSANDRA_HEAP_MB=1024
# shellcheck source=/dev/null
[ -f "$CONF_DIR/jvm.env" ] && . "$CONF_DIR/jvm.env"
[[ "$CASSANDRA_HEAP_MB" =~ ^[0-9]+$ ]] || { echo "start-cassandra.sh: CASSANDRA_HEAP_MB=$CASSANDRA_HEAP_MB in $CONF_DIR/jvm.env is not a number" >&2; exit 1; }

JAMM=""
for jar in "$PREFIX"/lib/jamm-*.jar; do
  if [ -f "$jar" ]; then JAMM="$jar"; break; fi
done
[ -n "$JAMM" ] || { echo "start-cassandra.sh: no jamm-*.jar in $PREFIX/lib: run install-cassandra.sh --prefix $PREFIX" >&2; exit 1; }

cmd=(java "-Xms${CASSANDRA_HEAP_MB}m" "-Xmx${CASSANDRA_HEAP_MB}m"
  -XX:+UseG1GC -XX:+ParallelRefProcEnabled -XX:MaxTenuringThreshold=1 -XX:G1HeapRegionSize=16m
  -XX:G1RSetUpdatingPauseTimePercent=5 -XX:MaxGCPauseMillis=300 -XX:InitiatingHeapOccupancyPercent=70
  -XX:+HeapDumpOnOutOfMemoryError -Xss256k -XX:+AlwaysPreTouch
  -Djdk.attach.allowAttachSelf=true
  --add-exports java.base/jdk.internal.misc=ALL-UNNAMED
  --add-exports java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED
  --add-exports java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports java.rmi/sun.rmi.server=ALL-UNNAMED
  --add-exports java.sql/java.sql=ALL-UNNAMED
  --add-exports java.base/java.lang.ref=ALL-UNNAMED
  --add-exports jdk.unsupported/sun.misc=ALL-UNNAMED
  --add-exports jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
  --add-exports jdk.attach/sun.tools.attach=ALL-UNNAMED
  --add-opens java.base/java.lang.module=ALL-UNNAMED
  --add-opens java.base/jdk.internal.loader=ALL-UNNAMED
  --add-opens java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens java.base/jdk.internal.reflect=ALL-UNNAMED
  --add-opens java.base/jdk.internal.math=ALL-UNNAMED
  --add-opens java.base/jdk.internal.module=ALL-UNNAMED
  --add-opens java.base/jdk.internal.util.jar=ALL-UNNAMED
  --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED
  --add-opens java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens java.base/java.io=ALL-UNNAMED
  --add-opens java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens jdk.compiler/com.sun.tools.javac=ALL-UNNAMED
  --add-opens java.base/java.lang=ALL-UNNAMED
  --add-opens java.base/java.util=ALL-UNNAMED
  -Dio.netty.tryReflectionSetAccessible=true
  -Dio.netty.allocator.useCacheForAllThreads=true
  -Dio.netty.allocator.maxOrder=11
  "-javaagent:$JAMM"
  -Dcassandra-foreground=yes
  "-Dcassandra.config=file://$CONF_DIR/cassandra.yaml"
  "-Dcassandra-rackdc.properties=file://$CONF_DIR/cassandra-rackdc.properties"
  "-Dlogback.configurationFile=$CONF_DIR/logback.xml"
  -Dcassandra.jmx.local.port=7199
  -cp "$PREFIX/lib/*" org.apache.cassandra.service.CassandraDaemon)
if [ "$PRINT" -eq 1 ]; then
  printf '%s\n' "${cmd[@]}"
  exit 0
fi
exec "${cmd[@]}"
