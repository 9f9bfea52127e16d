/**
 * shellcheck passes on every script in packer/scripts (the AMI builds and the local twin run
 * them). Uses shellcheck from PATH or the cache; installing it is the global setup's job
 * (ensurePackerTestTools() in src/aws/packer/setup.ts).
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKER_DIR } from '../../src/support/paths.ts';
import { findShellcheck, runShellcheck } from '../../src/aws/packer/shellcheck.ts';

const shellcheck = await findShellcheck();
const SKIP = shellcheck
  ? false
  : 'shellcheck is not on PATH or in the cache yet: install it with ensureShellcheck() (src/aws/packer/shellcheck.ts) or apt-get install shellcheck';
// The integration global setup installs it; missing here means that install failed: say so.
if (SKIP) throw new Error(`packer-shellcheck: ${SKIP}`);

function scripts(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return scripts(path);
    return name.endsWith('.sh') ? [path] : [];
  });
}

describe('shellcheck', () => {
  const files = scripts(join(PACKER_DIR, 'scripts'));

  it('finds the scripts', () => {
    expect(files.map((f) => relative(PACKER_DIR, f))).toEqual(
      expect.arrayContaining(['scripts/install-kafka.sh', 'scripts/configure-kafka.sh', 'scripts/lib/common.sh']),
    );
  });

  it('reports nothing on any script in packer/scripts', async () => {
    const findings = await runShellcheck(shellcheck!, files);
    const report = findings.map(
      (f) => `${relative(PACKER_DIR, f.file)}:${f.line}:${f.column} SC${f.code} (${f.level}) ${f.message}`,
    );
    expect(report).toEqual([]);
  });
});
