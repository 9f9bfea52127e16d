#!/usr/bin/env bash
# Install Apache Kafka (KRaft broker + tools) as jars from Maven Central into PREFIX/lib.
# Shared by the Packer AMI build and the local twin. Idempotent: a second run with the same
# versions finds the marker file and exits at once. Versions come from packer/versions.env.
#
#   install-kafka.sh --prefix DIR
set -euo pipefail

usage() { echo "usage: $0 --prefix DIR" >&2; exit 2; }

PREFIX=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || usage; PREFIX="$2"; shift 2 ;;
    --prefix=*) PREFIX="${1#--prefix=}"; shift ;;
    -h|--help) usage ;;
    *) echo "install-kafka.sh: unknown argument: $1" >&2; usage ;;
  esac
done
[ -n "$PREFIX" ] || usage

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VERSIONS_FILE="${TERRATOWER_VERSIONS_FILE:-$SCRIPT_DIR/../versions.env}"
# shellcheck source=../versions.env
. "$VERSIONS_FILE"
: "${KAFKA_VERSION:?KAFKA_VERSION missing from $VERSIONS_FILE}"
: "${KAFKA_SCALA_VERSION:?KAFKA_SCALA_VERSION missing from $VERSIONS_FILE}"
: "${SLF4J_BINDING:?SLF4J_BINDING missing from $VERSIONS_FILE}"
: "${SLF4J_VERSION:?SLF4J_VERSION missing from $VERSIONS_FILE}"
: "${MAVEN_DEPENDENCY_PLUGIN_VERSION:?MAVEN_DEPENDENCY_PLUGIN_VERSION missing from $VERSIONS_FILE}"

STAMP="kafka_${KAFKA_SCALA_VERSION}-${KAFKA_VERSION} ${SLF4J_BINDING}-${SLF4J_VERSION}"
MARKER="$PREFIX/.terratower-installed"
if [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$STAMP" ]; then
  exit 0
fi

for tool in java mvn; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "install-kafka.sh: '$tool' not found on PATH; install a JDK 17 and Maven (Debian/Ubuntu: apt-get install openjdk-17-jdk-headless maven)" >&2
    exit 3
  fi
done

mkdir -p "$PREFIX"
# One installer at a time per prefix (tests and the CLI may race).
exec 9>"$PREFIX/.lock"
flock 9
if [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$STAMP" ]; then
  exit 0
fi

BUILD="$PREFIX/.build"
rm -rf "$BUILD" "$PREFIX/lib.new"
mkdir -p "$BUILD"
SLF4J_GROUP="${SLF4J_BINDING%%:*}"
SLF4J_ARTIFACT="${SLF4J_BINDING##*:}"
cat >"$BUILD/pom.xml" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.terratower</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>${KAFKA_VERSION}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_${KAFKA_SCALA_VERSION}</artifactId><version>${KAFKA_VERSION}</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>${KAFKA_VERSION}</version></dependency>
    <dependency><groupId>${SLF4J_GROUP}</groupId><artifactId>${SLF4J_ARTIFACT}</artifactId><version>${SLF4J_VERSION}</version></dependency>
  </dependencies>
  <build><plugins><plugin>
    <groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId><version>${MAVEN_DEPENDENCY_PLUGIN_VERSION}</version>
  </plugin></plugins></build>
</project>
POM

echo "install-kafka.sh: resolving Kafka ${KAFKA_VERSION} (Scala ${KAFKA_SCALA_VERSION}) from Maven Central into $PREFIX/lib" >&2
# No perf data: the JVM would leave /tmp/hsperfdata_<user> behind.
MAVEN_OPTS="${MAVEN_OPTS:-} -XX:-UsePerfData" mvn -B -q -f "$BUILD/pom.xml" \
  "org.apache.maven.plugins:maven-dependency-plugin:${MAVEN_DEPENDENCY_PLUGIN_VERSION}:copy-dependencies" \
  -DincludeScope=runtime -DoutputDirectory="$PREFIX/lib.new" >&2

rm -rf "${PREFIX:?}/lib"
mv "$PREFIX/lib.new" "$PREFIX/lib"
rm -rf "$BUILD"
printf '%s\n' "$STAMP" >"$MARKER.tmp"
mv "$MARKER.tmp" "$MARKER"
echo "install-kafka.sh: $(find "$PREFIX/lib" -name '*.jar' | wc -l) jars in $PREFIX/lib" >&2
