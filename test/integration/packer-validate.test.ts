/**
 * `packer validate` of the templates with the real Packer 1.9.4 (offline: the amazon plugin is
 * bundled). Uses the packer that is on PATH or cached; it never builds one here (a global setup
 * calls ensurePackerTestTools() from src/aws/packer/setup.ts, or run `terratower ami validate` once).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKER_DIR } from '../../src/support/paths.ts';
import {
  readVersionsFile,
  runPackerCommand,
  validateCommands,
  writeDashboards,
  type PackerVars,
} from '../../src/aws/packer/build.ts';
import { findPacker } from '../../src/support/install/packer.ts';
import { defaultSpec } from '../../src/spec/defaults.ts';

const packer = await findPacker();
const SKIP = packer
  ? false
  : 'packer 1.9.x is not on PATH or in the cache yet: run `node bin/terratower.mjs ami validate` once (builds it, ~3 min)';
// The integration global setup installs it; missing here means that install failed: say so.
if (SKIP) throw new Error(`packer-validate: ${SKIP}`);

const work = mkdtempSync(join(tmpdir(), 'tt-packer-validate-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function vars(): Promise<PackerVars> {
  return {
    region: 'eu-west-1',
    versions: await readVersionsFile(),
    gitRevision: 'test',
    runTags: { 'terratower:run-id': 'unit' },
    dashboardsDir: await writeDashboards(defaultSpec(), work),
  };
}

describe('packer validate (Packer 1.9.4)', () => {
  it("passes -syntax-only and the full validation with the runner's variables", async () => {
    const [syntax, full] = validateCommands({ packer: packer!.path, vars: await vars() });
    const lines: string[] = [];
    const s = await runPackerCommand(syntax, (l) => lines.push(l));
    expect(s.exitCode, lines.join('\n')).toBe(0);
    const f = await runPackerCommand(full, (l) => lines.push(l));
    expect(f.exitCode, lines.join('\n')).toBe(0);
    expect(lines.join('\n')).toContain('The configuration is valid.');
  });

  it('fails the full validation on an argument the bundled amazon plugin does not know', async () => {
    const copy = join(work, 'broken');
    cpSync(PACKER_DIR, copy, { recursive: true, filter: (src) => !src.endsWith('manifest.json') });
    const sources = join(copy, 'sources.pkr.hcl');
    writeFileSync(
      sources,
      readFileSync(sources, 'utf8').replace('encrypt_boot = true', 'encrypt_boot = true\n  imds_support = "v2.0"'),
    );
    const [, full] = validateCommands({ packer: packer!.path, vars: await vars(), packerDir: copy });
    const lines: string[] = [];
    const result = await runPackerCommand(full, (l) => lines.push(l));
    expect(result.exitCode).not.toBe(0);
    expect(lines.join('\n')).toMatch(/Unsupported argument/);
  });
});
