/**
 * actionlint's verdict on the workflow `terratower ci init --github` writes. actionlint is built
 * from the Go module proxy the first time (~30 s; cached after); the check is skipped, saying
 * why, when it cannot be had.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubWorkflow } from '../../src/experiment/github-workflow.ts';
import { ensureActionlint } from '../../src/support/install/actionlint.ts';

const exec = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'tt-actionlint-'));
let actionlint: { path: string } | { unavailable: string } = { unavailable: 'not looked for yet' };

beforeAll(async () => {
  actionlint = await ensureActionlint();
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the generated GitHub workflow', () => {
  it('passes actionlint (and actionlint fails a broken one)', async (ctx) => {
    if ('unavailable' in actionlint) {
      ctx.skip(`actionlint unavailable: ${actionlint.unavailable}`);
      return;
    }
    const file = join(dir, 'terratower.yml');
    writeFileSync(file, githubWorkflow());
    const r = await exec(actionlint.path, ['-no-color', file]).catch((e) => e);
    expect(String(r.stdout ?? '') + String(r.stderr ?? '')).toBe('');
    writeFileSync(file, githubWorkflow({ scenarios: ['traffic-spike', 'zone-outage'], cron: '0 2 * * 1-5' }));
    const r2 = await exec(actionlint.path, ['-no-color', file]).catch((e) => e);
    expect(String(r2.stdout ?? '') + String(r2.stderr ?? '')).toBe('');
    writeFileSync(file, githubWorkflow().replace('runs-on: ubuntu-latest', 'runs-on: [ubuntu-latest'));
    const bad = await exec(actionlint.path, ['-no-color', file]).catch((e) => e);
    expect(bad.code).toBe(1);
  });
});
