#!/usr/bin/env node
// `npm run build`: the compiled package in dist/.
//   1. tsc -p tsconfig.build.json: ESM JavaScript, .d.ts and declaration maps for src/ (and the
//      apps/shared modules src/ imports) under dist/src and dist/apps.
//   2. esbuild: each app (apps/producer/main.ts, apps/consumer/main.ts) as one ESM file in
//      dist/bundle/, with dist/bundle/package.json pinning the packages the bundles leave external
//      (see bundle-options.mjs). The twin and the app AMI start these bundles.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { appBundleOptions, EXTERNAL } from './bundle-options.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const started = Date.now();

const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});
if (tsc.status !== 0) {
  console.error('build: tsc failed (see the errors above)');
  process.exit(1);
}

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pinned = { ...manifest.devDependencies, ...manifest.peerDependencies, ...manifest.dependencies };
const dependencies = {};
for (const name of EXTERNAL) {
  if (!pinned[name]) {
    console.error(`build: ${name} is external to the app bundles but not pinned in package.json: pin it there`);
    process.exit(1);
  }
  dependencies[name] = pinned[name];
}
// Built beside dist/bundle and swapped in whole: a twin that launches an app while a build runs
// finds the old bundles or the new ones, not an empty dir.
const bundleDir = join(dist, 'bundle');
const fresh = join(dist, `bundle.new-${process.pid}`);
mkdirSync(fresh, { recursive: true });
try {
  for (const app of ['producer', 'consumer']) {
    await build(appBundleOptions(root, app, join(fresh, `${app}.mjs`)));
  }
  writeFileSync(
    join(fresh, 'package.json'),
    `${JSON.stringify({ name: 'terratower-apps', private: true, type: 'module', dependencies }, null, 2)}\n`,
  );
  rmSync(bundleDir, { recursive: true, force: true });
  renameSync(fresh, bundleDir);
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
console.error(`build: dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
