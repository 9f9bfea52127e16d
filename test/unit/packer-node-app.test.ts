/**
 * install-node-app.sh checks the apps before it installs anything: every package they import must
 * be pinned in package.json and no relative import may leave apps/ (it would be missing on the
 * image). These paths fail before npm runs, so they need no network.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKER_DIR } from '../../src/support/paths.ts';

const work = mkdtempSync(join(tmpdir(), 'tt-node-app-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const versions = join(work, 'versions.env');
writeFileSync(versions, `NODE_VERSION=${process.versions.node}\n`);

function install(name: string, files: Record<string, string>, pinned: Record<string, string>) {
  const source = join(work, name, 'src');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(source, path, '..'), { recursive: true });
    writeFileSync(join(source, path), text);
  }
  writeFileSync(join(source, 'package.json'), JSON.stringify({ dependencies: pinned }));
  const r = spawnSync(
    'bash',
    [
      join(PACKER_DIR, 'scripts', 'install-node-app.sh'),
      '--prefix',
      join(work, name, 'prefix'),
      '--source',
      source,
      '--node-from-path',
    ],
    {
      encoding: 'utf8',
      timeout: 15_000,
      env: { ...process.env, TERRATOWER_VERSIONS_FILE: versions },
    },
  );
  return { status: r.status, stderr: r.stderr };
}

describe('install-node-app.sh', () => {
  it('refuses an imported package that package.json does not pin', () => {
    const r = install(
      'unpinned',
      { 'apps/producer/main.ts': "import leftPad from 'left-pad';\nimport { x } from '@scope/pkg/sub';\n" },
      { tsx: '4.20.6', '@scope/pkg': '1.0.0' },
    );
    expect(r.status).toBe(4);
    expect(r.stderr).toContain('package left-pad is imported by apps/ but not pinned in package.json');
    expect(r.stderr).not.toContain('@scope/pkg');
  });

  it('refuses a relative import that leaves apps/ or does not exist', () => {
    const r = install(
      'escape',
      {
        'apps/consumer/main.ts':
          "import { a } from '../../src/spec/index.ts';\nimport { b } from './missing.ts';\nimport { c } from 'node:fs';\n",
      },
      { tsx: '4.20.6' },
    );
    expect(r.status).toBe(4);
    expect(r.stderr).toContain('consumer/main.ts imports ../../src/spec/index.ts, outside apps/');
    expect(r.stderr).toContain('consumer/main.ts imports ./missing.ts, which does not exist');
  });

  it('needs NODE_VERSION from the versions file', () => {
    writeFileSync(join(work, 'empty.env'), '# nothing\n');
    const r = spawnSync(
      'bash',
      [
        join(PACKER_DIR, 'scripts', 'install-node-app.sh'),
        '--prefix',
        join(work, 'nv'),
        '--source',
        join(work, 'unpinned', 'src'),
      ],
      {
        encoding: 'utf8',
        timeout: 15_000,
        env: { ...process.env, TERRATOWER_VERSIONS_FILE: join(work, 'empty.env') },
      },
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/NODE_VERSION missing from/);
  });
});
