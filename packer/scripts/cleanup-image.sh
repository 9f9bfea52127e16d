#!/usr/bin/env bash
# Last provisioning step of every image: drop build-only caches (Maven repository, apt lists,
# the uploaded scripts) so the image is small and holds nothing from the build. Idempotent.
#
#   cleanup-image.sh --prefix DIR
set -euo pipefail

usage() { echo "usage: $0 --prefix DIR" >&2; exit 2; }

PREFIX=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || usage; PREFIX="$2"; shift 2 ;;
    -h | --help) usage ;;
    *) echo "cleanup-image.sh: unknown argument: $1" >&2; usage ;;
  esac
done
[ -n "$PREFIX" ] || usage
[ "$(id -u)" -eq 0 ] || { echo "cleanup-image.sh: run as root" >&2; exit 1; }

# Installer scratch files inside the prefix (build dirs, locks) are not part of the image.
find "$PREFIX" -maxdepth 2 \( -name '.build' -o -name '.lock' -o -name 'lib.new' \) -exec rm -rf {} +
rm -rf /root/.m2 /root/.npm /tmp/terratower
apt-get clean
rm -rf /var/lib/apt/lists/*
# Instances launched from the image get fresh cloud-init state (and SSH host keys).
if command -v cloud-init >/dev/null 2>&1; then
  cloud-init clean --logs
fi
echo "cleanup-image.sh: image cleaned ($(du -sh "$PREFIX" | cut -f1) in $PREFIX)" >&2
