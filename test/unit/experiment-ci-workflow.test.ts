/** The workflow `terratower ci init --github` writes (actionlint's verdict: test/integration/experiment-actionlint.test.ts). */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { githubWorkflow, INFRA_PATHS } from '../../src/experiment/github-workflow.ts';

const exec = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'tt-ci-init-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ci init --github', () => {
  it('writes the workflow through the CLI, and refuses to overwrite without --force', async () => {
    const out = join(dir, 'wf', 'terratower.yml');
    const first = await exec('node', [join(ROOT, 'bin', 'terratower.mjs'), 'ci', 'init', '--github', '--out', out]);
    expect(first.stdout).toContain(`wrote ${out}`);
    expect(readFileSync(out, 'utf8')).toBe(githubWorkflow());
    const again = await exec('node', [
      join(ROOT, 'bin', 'terratower.mjs'),
      'ci',
      'init',
      '--github',
      '--out',
      out,
    ]).catch((e) => e);
    expect(again.code).toBe(1);
    expect(String(again.stderr)).toMatch(/exists: pass --force/);
  }, 60_000);

  it('runs synth, validate, checkov and the local scenarios on PRs touching infra, and a nightly AWS job behind OIDC', () => {
    interface Step {
      name?: string;
      uses?: string;
      with?: Record<string, string>;
    }
    interface Job {
      permissions?: Record<string, string>;
      steps: Step[];
    }
    const wf = parse(githubWorkflow()) as {
      on: { pull_request: { paths: string[] }; schedule: { cron: string }[] };
      jobs: Record<string, Job>;
    };
    expect(wf.on.pull_request.paths).toEqual(INFRA_PATHS);
    expect(wf.on.schedule[0]?.cron).toBe('17 3 * * *');
    const infra = wf.jobs.infra!;
    const steps = infra.steps.map((s) => s.name ?? s.uses);
    expect(steps).toEqual(
      expect.arrayContaining(['Synth', 'Validate', 'Checkov', 'Local scenarios on the twin', 'Results']),
    );
    expect(JSON.stringify(infra.steps)).toContain('--junit reports/junit.xml');
    const aws = wf.jobs['aws-nightly']!;
    expect(aws.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    expect(
      aws.steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials'))?.with?.['role-to-assume'],
    ).toBe('${{ vars.TERRATOWER_AWS_ROLE_ARN }}');
    expect(JSON.stringify(aws.steps)).toContain("--fail-on 'recovery.p50 > +20%'");
    expect(JSON.stringify(wf)).not.toMatch(/AWS_SECRET_ACCESS_KEY|aws-secret-access-key/);
  });
});
