#!/usr/bin/env bash
# Base packages of every terratower image (Debian 12 / Ubuntu 24.04), the terratower system user
# and /etc/terratower. Run as root on the AMI build machine; idempotent.
#
#   install-base.sh --prefix DIR [--with-java] [--with-aws-cli]
#
# --with-java     also a JDK 17 and Maven: install-kafka.sh / install-cassandra.sh resolve their
#                 jars from Maven Central and the services run on Java 17.
# --with-aws-cli  also the AWS CLI (awscli==AWSCLI_VERSION from packer/versions.env, in a venv at
#                 PREFIX/awscli, linked as /usr/local/bin/aws): stateful members' user data
#                 attaches their network interface and data volume with it.
# Distribution packages come at the distribution's version (the base image pins them); the
# versions terratower pins itself live in packer/versions.env.
set -euo pipefail

usage() { echo "usage: $0 --prefix DIR [--with-java] [--with-aws-cli]" >&2; exit 2; }

PREFIX=""
WITH_JAVA=0
WITH_AWS_CLI=0
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || usage; PREFIX="$2"; shift 2 ;;
    --with-java) WITH_JAVA=1; shift ;;
    --with-aws-cli) WITH_AWS_CLI=1; shift ;;
    -h | --help) usage ;;
    *) echo "install-base.sh: unknown argument: $1" >&2; usage ;;
  esac
done
[ -n "$PREFIX" ] || usage
[ "$(id -u)" -eq 0 ] || { echo "install-base.sh: run as root (it installs packages)" >&2; exit 1; }

packages=(ca-certificates curl gnupg jq xz-utils xfsprogs nvme-cli util-linux prometheus-node-exporter)
if [ "$WITH_JAVA" -eq 1 ]; then
  packages+=(openjdk-17-jdk-headless maven)
fi
if [ "$WITH_AWS_CLI" -eq 1 ]; then
  SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  VERSIONS_FILE="${TERRATOWER_VERSIONS_FILE:-$SCRIPT_DIR/../versions.env}"
  # shellcheck source=../versions.env
  . "$VERSIONS_FILE"
  : "${AWSCLI_VERSION:?AWSCLI_VERSION missing from $VERSIONS_FILE}"
  packages+=(python3-venv)
fi

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-base.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
if [ "$WITH_AWS_CLI" -eq 1 ] && [ "$("$PREFIX/awscli/bin/aws" --version 2>&1 | cut -d' ' -f1)" != "aws-cli/$AWSCLI_VERSION" ]; then
  echo "install-base.sh: installing awscli==$AWSCLI_VERSION into $PREFIX/awscli" >&2
  rm -rf "$PREFIX/awscli"
  python3 -m venv "$PREFIX/awscli"
  "$PREFIX/awscli/bin/pip" install --quiet --disable-pip-version-check "awscli==$AWSCLI_VERSION"
  ln -sfn "$PREFIX/awscli/bin/aws" /usr/local/bin/aws
fi
# Node exporter runs on every member (port 9100): CPU and disk per group in the dashboards.
systemctl enable prometheus-node-exporter >/dev/null 2>&1 || true

if ! id terratower >/dev/null 2>&1; then
  useradd --system --home-dir /var/lib/terratower --create-home --shell /usr/sbin/nologin terratower
fi
mkdir -p "$PREFIX" /etc/terratower /var/lib/terratower
chmod 0755 /etc/terratower
echo "install-base.sh: base packages ready (java: $([ "$WITH_JAVA" -eq 1 ] && java -version 2>&1 | head -n1 || echo no))" >&2
