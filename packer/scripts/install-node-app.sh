#!/usr/bin/env bash
# Node.js (NODE_VERSION from packer/versions.env, official linux tarball, SHA-256 checked) and the
# producer + consumer apps into PREFIX, with the npm packages the apps import at the exact
# versions of the repository's package.json. Idempotent: Node is fetched once per version, npm
# runs only when the dependency set changes.
#
#   install-node-app.sh --prefix DIR --source DIR [--node-from-path]
#
# --source          a directory holding apps/ and package.json (the repository, or the upload).
# --node-from-path  use the node found on PATH (same major version as NODE_VERSION) instead of
#                   downloading one: for machines without access to nodejs.org.
# Result: PREFIX/node/bin/node, PREFIX/apps/, PREFIX/node_modules/,
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
if [ ! -d "$SOURCE/apps" ] || [ ! -f "$SOURCE/package.json" ]; then
  echo "install-node-app.sh: $SOURCE must hold apps/ and package.json" >&2
  exit 2
fi

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

# 2. The apps' sources (every .ts under apps/, no node_modules).
rm -rf "$PREFIX/apps.new"
mkdir -p "$PREFIX/apps.new"
(cd "$SOURCE/apps" && find . -name node_modules -prune -o -type f -print) | while IFS= read -r file; do
  mkdir -p "$PREFIX/apps.new/$(dirname "$file")"
  cp "$SOURCE/apps/$file" "$PREFIX/apps.new/$file"
done
rm -rf "$PREFIX/apps"
mv "$PREFIX/apps.new" "$PREFIX/apps"

# 3. package.json with exactly the packages the apps import (plus tsx, which runs them), at the
#    versions pinned in the repository's package.json. Fails on an import that is not pinned
#    there or a relative import that leaves apps/ (it would be missing on the image).
"$NODE" --input-type=module - "$PREFIX" "$SOURCE/package.json" <<'JS'
import { readFileSync, readdirSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, dirname, resolve, relative } from 'node:path';
const [prefix, rootManifestPath] = process.argv.slice(2);
const root = JSON.parse(readFileSync(rootManifestPath, 'utf8'));
const pinned = { ...(root.devDependencies ?? {}), ...(root.dependencies ?? {}) };
const appsDir = join(prefix, 'apps');
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (/\.(ts|mts|js|mjs)$/.test(name)) files.push(path);
  }
};
walk(appsDir);
const wanted = new Set(['tsx']);
const problems = [];
const specifier = /(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g;
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  for (const match of text.matchAll(specifier)) {
    const spec = match[1];
    if (spec.startsWith('.')) {
      const target = resolve(dirname(file), spec);
      if (relative(appsDir, target).startsWith('..')) problems.push(`${relative(appsDir, file)} imports ${spec}, outside apps/`);
      else if (!existsSync(target)) problems.push(`${relative(appsDir, file)} imports ${spec}, which does not exist`);
      continue;
    }
    if (spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0])) continue;
    const parts = spec.split('/');
    wanted.add(spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
  }
}
const dependencies = {};
for (const name of [...wanted].sort()) {
  if (!pinned[name]) problems.push(`package ${name} is imported by apps/ but not pinned in package.json`);
  else dependencies[name] = pinned[name];
}
if (problems.length > 0) {
  console.error(`install-node-app.sh: ${problems.join('\n  ')}`);
  process.exit(4);
}
const manifest = { name: 'terratower-apps', private: true, type: 'module', dependencies };
writeFileSync(join(prefix, 'package.json.new'), JSON.stringify(manifest, null, 2) + '\n');
JS
if [ -d "$PREFIX/node_modules" ] && cmp -s "$PREFIX/package.json.new" "$PREFIX/package.json"; then
  rm -f "$PREFIX/package.json.new"
  echo "install-node-app.sh: dependencies unchanged" >&2
else
  mv -f "$PREFIX/package.json.new" "$PREFIX/package.json"
  echo "install-node-app.sh: npm install $(tr -d '\n ' <"$PREFIX/package.json" | sed 's/.*"dependencies":{\([^}]*\)}.*/\1/')" >&2
  (cd "$PREFIX" && "$NODE" "$NPM_CLI" install --omit=dev --no-audit --no-fund --loglevel=error >&2)
fi

# 4. One launcher per app: the units' ExecStart.
for role in producer consumer; do
  entry=""
  for candidate in main.ts index.ts; do
    if [ -f "$PREFIX/apps/$role/$candidate" ]; then entry="$PREFIX/apps/$role/$candidate"; break; fi
  done
  [ -n "$entry" ] || { echo "install-node-app.sh: apps/$role has no main.ts or index.ts" >&2; exit 4; }
  cat >"$PREFIX/bin/terratower-$role.tmp" <<LAUNCHER
#!/bin/sh
# terratower $role: run by terratower-$role.service with the settings of its EnvironmentFile.
cd "$PREFIX" || exit 1
exec "$NODE" --import tsx "$entry" "\$@"
LAUNCHER
  chmod 0755 "$PREFIX/bin/terratower-$role.tmp"
  mv -f "$PREFIX/bin/terratower-$role.tmp" "$PREFIX/bin/terratower-$role"
done
echo "install-node-app.sh: apps installed in $PREFIX" >&2
