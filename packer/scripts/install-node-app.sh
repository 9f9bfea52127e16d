#!/usr/bin/env bash
# Node.js (NODE_VERSION from packer/versions.env, official linux tarball, SHA-256 checked) and the
# producer + consumer apps into PREFIX: the one-file bundles `npm run build` writes to
# dist/bundle/, with the few packages they leave external at the versions pinned in that
# directory's package.json. Idempotent: Node is fetched once per version, npm runs only when the
# dependency set changes.
#
#   install-node-app.sh --prefix DIR --source DIR [--node-from-path]
#
# --source          a directory holding producer.mjs, consumer.mjs and package.json (dist/bundle,
#                   or its upload).
# --node-from-path  use the node found on PATH (same major version as NODE_VERSION) instead of
#                   downloading one: for machines without access to nodejs.org.
# Result: PREFIX/node/bin/node, PREFIX/producer.mjs, PREFIX/consumer.mjs, PREFIX/node_modules/,
#         PREFIX/bin/terratower-producer and PREFIX/bin/terratower-consumer (the units' ExecStart).
set -euo pipefail

usage() { echo "usage: $0 --prefix DIR --source DIR [--node-from-path]" >&2; exit 2; }

PREFIX=""
SOURCE=""
NODE_FROM_PATH=0
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || usage; PREFIX="$2"; shift 2 ;;
    --source) [ $# -ge 2 ] || usage; SOURCE="$2"; shift 2 ;;
    --node-from-path) NODE_FROM_PATH=1; shift ;;
    -h | --help) usage ;;
    *) echo "install-node-app.sh: unknown argument: $1" >&2; usage ;;
  esac
done
if [ -z "$PREFIX" ] || [ -z "$SOURCE" ]; then usage; fi
for need in producer.mjs consumer.mjs package.json; do
  if [ ! -f "$SOURCE/$need" ]; then
    echo "install-node-app.sh: $SOURCE must hold producer.mjs, consumer.mjs and package.json (no $need): run npm run build and pass dist/bundle" >&2
    exit 2
  fi
done

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VERSIONS_FILE="${TERRATOWER_VERSIONS_FILE:-$SCRIPT_DIR/../versions.env}"
# shellcheck source=../versions.env
. "$VERSIONS_FILE"
: "${NODE_VERSION:?NODE_VERSION missing from $VERSIONS_FILE}"
NODE_MAJOR="${NODE_VERSION%%.*}"

mkdir -p "$PREFIX/bin"
PREFIX="$(cd "$PREFIX" && pwd)"
SOURCE="$(cd "$SOURCE" && pwd)"
exec 9>"$PREFIX/.lock"
flock 9

# 1. Node.js
NODE_DIR="$PREFIX/node"
if [ "$NODE_FROM_PATH" -eq 1 ]; then
  system_node="$(command -v node || true)"
  [ -n "$system_node" ] || { echo "install-node-app.sh: --node-from-path: no node on PATH" >&2; exit 3; }
  system_version="$("$system_node" --version)"
  [ "${system_version#v}" != "${system_version#v"$NODE_MAJOR".}" ] || {
    echo "install-node-app.sh: node on PATH is $system_version, NODE_VERSION is $NODE_VERSION (major $NODE_MAJOR)" >&2
    exit 3
  }
  system_root="$(cd "$(dirname "$(readlink -f "$system_node")")/.." && pwd)"
  rm -rf "$NODE_DIR"
  ln -sfn "$system_root" "$NODE_DIR"
elif [ "$("$NODE_DIR/bin/node" --version 2>/dev/null || true)" != "v$NODE_VERSION" ]; then
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64) arch=arm64 ;;
    *) echo "install-node-app.sh: unsupported machine $(uname -m)" >&2; exit 3 ;;
  esac
  tarball="node-v$NODE_VERSION-linux-$arch.tar.xz"
  base="https://nodejs.org/dist/v$NODE_VERSION"
  work="$PREFIX/.build"
  rm -rf "$work"
  mkdir -p "$work"
  echo "install-node-app.sh: downloading Node.js $NODE_VERSION ($arch)" >&2
  curl -fsSL -o "$work/$tarball" "$base/$tarball"
  curl -fsSL -o "$work/SHASUMS256.txt" "$base/SHASUMS256.txt"
  (cd "$work" && grep " $tarball\$" SHASUMS256.txt | sha256sum -c --quiet -)
  mkdir -p "$work/node"
  tar -xJf "$work/$tarball" -C "$work/node" --strip-components=1
  rm -rf "$NODE_DIR"
  mv "$work/node" "$NODE_DIR"
  rm -rf "$work"
fi
NODE="$NODE_DIR/bin/node"
NPM_CLI="$NODE_DIR/lib/node_modules/npm/bin/npm-cli.js"
echo "install-node-app.sh: node $("$NODE" --version)" >&2

# 2. The app bundles (one ESM file per app, `npm run build` writes them to dist/bundle/).
for role in producer consumer; do
  cp "$SOURCE/$role.mjs" "$PREFIX/$role.mjs.new"
  mv -f "$PREFIX/$role.mjs.new" "$PREFIX/$role.mjs"
done
rm -rf "$PREFIX/apps"

# 3. The packages the bundles leave external (kafkajs: the producer replaces some of its modules
#    in Node's module cache), at the versions the build pinned in the bundles' package.json.
if [ -d "$PREFIX/node_modules" ] && cmp -s "$SOURCE/package.json" "$PREFIX/package.json"; then
  echo "install-node-app.sh: dependencies unchanged" >&2
else
  cp "$SOURCE/package.json" "$PREFIX/package.json"
  echo "install-node-app.sh: npm install $(tr -d '\n ' <"$PREFIX/package.json" | sed 's/.*"dependencies":{\([^}]*\)}.*/\1/')" >&2
  (cd "$PREFIX" && "$NODE" "$NPM_CLI" install --omit=dev --no-audit --no-fund --loglevel=error >&2)
fi

# 4. One launcher per app: the units' ExecStart.
for role in producer consumer; do
  cat >"$PREFIX/bin/terratower-$role.tmp" <<LAUNCHER
#!/bin/sh
# terratower $role: run by terratower-$role.service with the settings of its EnvironmentFile.
cd "$PREFIX" || exit 1
exec "$NODE" "$PREFIX/$role.mjs" "\$@"
LAUNCHER
  chmod 0755 "$PREFIX/bin/terratower-$role.tmp"
  mv -f "$PREFIX/bin/terratower-$role.tmp" "$PREFIX/bin/terratower-$role"
done
echo "install-node-app.sh: apps installed in $PREFIX" >&2
