/** Finding packer and shellcheck: explicit override, PATH, cache; never builds in a unit test. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findPacker, PACKER_VERSION, PackerInstallError, scratchModule } from '../../src/support/install/packer.ts';
import { findShellcheck } from '../../src/aws/packer/shellcheck.ts';

const work = mkdtempSync(join(tmpdir(), 'tt-packer-install-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A fake `packer` that reports `version`. */
function fakePacker(dir: string, version: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'packer');
  writeFileSync(path, `#!/bin/sh\n[ "$1" = version ] && echo "Packer v${version}"\n`);
  chmodSync(path, 0o755);
  return path;
}

describe('findPacker', () => {
  it('builds Packer from a scratch module requiring the pinned release', () => {
    const files = scratchModule();
    expect(files['go.mod']).toContain(`require github.com/hashicorp/packer v${PACKER_VERSION}`);
    expect(files['tools.go']).toContain('import _ "github.com/hashicorp/packer"');
  });

  it('finds nothing in an empty PATH and cache', async () => {
    expect(await findPacker({ cacheDir: join(work, 'empty'), env: { PATH: '' } })).toBeUndefined();
  });

  it('takes a 1.9.x packer from PATH, passes over later releases (no bundled amazon plugin)', async () => {
    const old = fakePacker(join(work, 'p19'), '1.9.2');
    const later = fakePacker(join(work, 'p111'), '1.11.2');
    expect(await findPacker({ cacheDir: join(work, 'empty'), env: { PATH: join(work, 'p111') } })).toBeUndefined();
    const found = await findPacker({
      cacheDir: join(work, 'empty'),
      env: { PATH: `${join(work, 'p111')}:${join(work, 'p19')}` },
    });
    expect(found).toEqual({ path: old, version: '1.9.2', source: 'path' });
    expect(later).not.toBe(old);
  });

  it('prefers the cached build of the pinned version, and the explicit override over everything', async () => {
    const cache = join(work, 'cache');
    const cached = fakePacker(join(cache, 'bin'), PACKER_VERSION);
    expect(await findPacker({ cacheDir: cache, env: { PATH: '' } })).toEqual({
      path: cached,
      version: PACKER_VERSION,
      source: 'cache',
    });
    const explicit = fakePacker(join(work, 'explicit'), '1.12.0');
    expect(await findPacker({ cacheDir: cache, env: { PATH: '', TERRATOWER_PACKER: explicit } })).toEqual({
      path: explicit,
      version: '1.12.0',
      source: 'env',
    });
    await expect(findPacker({ env: { PATH: '', TERRATOWER_PACKER: join(work, 'nope') } })).rejects.toBeInstanceOf(
      PackerInstallError,
    );
  });
});

describe('findShellcheck', () => {
  it('uses the override, then PATH, and finds nothing in an empty cache', async () => {
    expect(await findShellcheck({ env: { PATH: '', TERRATOWER_SHELLCHECK: '/x/shellcheck' } })).toBe('/x/shellcheck');
    expect(await findShellcheck({ cacheDir: join(work, 'empty'), env: { PATH: '' } })).toBeUndefined();
    const dir = join(work, 'sc');
    mkdirSync(dir);
    writeFileSync(join(dir, 'shellcheck'), '#!/bin/sh\n', { mode: 0o755 });
    expect(await findShellcheck({ cacheDir: join(work, 'empty'), env: { PATH: dir } })).toBe(join(dir, 'shellcheck'));
  });
});
