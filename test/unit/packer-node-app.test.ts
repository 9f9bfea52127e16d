/**
 * install-node-app.sh installs the app bundles `npm run build` writes to dist/bundle (producer.mjs,
 * consumer.mjs and the package.json of the packages they leave external) and one launcher per app.
 * These paths need no network: a source without the bundles is refused before anything is
 * installed, and an unchanged dependency set skips npm.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKER_DIR } from '../../src/support/paths.ts';

const work = mkdtempSync(join(tmpdir(), 'tt-node-app-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const versions = join(work, 'versions.env');
writeFileSync(versions, `NODE_VERSION=${process.versions.node}\n`);
const MANIFEST = `${JSON.stringify({ name: 'terratower-apps', private: true, type: 'module', dependencies: {} })}\n`;

function source(name: string, files: Record<string, string>): string {
  const dir = join(work, name, 'bundle');
  mkdirSync(dir, { recursive: true });
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  return dir;
}

function install(name: string, from: string, versionsFile = versions) {
  const r = spawnSync(
    'bash',
    [
      join(PACKER_DIR, 'scripts', 'install-node-app.sh'),
      '--prefix',
      join(work, name, 'prefix'),
      '--source',
      from,
      '--node-from-path',
    ],
    { encoding: 'utf8', timeout: 15_000, env: { ...process.env, TERRATOWER_VERSIONS_FILE: versionsFile } },
  );
  return { status: r.status, stderr: r.stderr };
}

describe('install-node-app.sh', () => {
  it('refuses a source without the bundles, naming the build, and installs nothing', () => {
    const from = source('nobundle', { 'producer.mjs': '', 'package.json': MANIFEST });
    const r = install('nobundle', from);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('(no consumer.mjs): run npm run build and pass dist/bundle');
    expect(existsSync(join(work, 'nobundle', 'prefix'))).toBe(false);
  });

  it('installs both bundles with launchers that run them', () => {
    const from = source('ok', {
      'producer.mjs': "console.log('producer bundle', process.argv[2]);\n",
      'consumer.mjs': "console.log('consumer bundle', process.argv[2]);\n",
      'package.json': MANIFEST,
    });
    // Same dependency set as already installed: npm does not run (no network here).
    mkdirSync(join(work, 'ok', 'prefix', 'node_modules'), { recursive: true });
    writeFileSync(join(work, 'ok', 'prefix', 'package.json'), MANIFEST);
    const r = install('ok', from);
    expect(r.stderr).toContain('dependencies unchanged');
    expect(r.status).toBe(0);
    for (const role of ['producer', 'consumer']) {
      const run = spawnSync(join(work, 'ok', 'prefix', 'bin', `terratower-${role}`), ['x'], { encoding: 'utf8' });
      expect(run.stdout).toBe(`${role} bundle x\n`);
    }
  });

  it('needs NODE_VERSION from the versions file', () => {
    writeFileSync(join(work, 'empty.env'), '# nothing\n');
    const from = source('nv', { 'producer.mjs': '', 'consumer.mjs': '', 'package.json': MANIFEST });
    const r = install('nv', from, join(work, 'empty.env'));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/NODE_VERSION missing from/);
  });
});
