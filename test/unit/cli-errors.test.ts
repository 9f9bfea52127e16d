/**
 * Bad input on the command line: one clear line that names the problem (and the fix), a
 * non-zero exit, no stack trace, nothing created. Each case runs the real CLI; none reaches a
 * twin or a cloud (they fail before any work starts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'tt-cli-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['bin/terratower.mjs', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, TERRATOWER_DEBUG: '' },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The first line of stderr, after checking that no stack trace follows it. */
function problem(result: { stderr: string }): string {
  expect(result.stderr).not.toMatch(/^\s+at /m);
  return result.stderr.split('\n')[0] ?? '';
}

describe('CLI errors: one line, non-zero, no stack trace, nothing written', () => {
  const emptySpec = join(dir, 'empty.yaml');
  writeFileSync(emptySpec, '# nothing here\n');
  const emptyDir = join(dir, 'empty-dir');

  it.each([
    ['synth --bogus', ['synth', '--bogus'], /Unknown option '--bogus'$/m],
    ['local up --bogus', ['local', 'up', '--bogus'], /Unknown option '--bogus'$/m],
    ['nuke --bogus', ['nuke', '--bogus'], /Unknown option '--bogus'$/m],
    ['dataset generate --bogus', ['dataset', 'generate', '--bogus'], /Unknown option '--bogus'$/m],
    ['scenario run --bogus', ['scenario', 'run', 'broker-loss', '--bogus'], /Unknown option '--bogus'$/m],
    ['demo --bogus', ['demo', '--bogus'], /Unknown option '--bogus'$/m],
    ['ami build --bogus', ['ami', 'build', '--bogus'], /Unknown option '--bogus'$/m],
    [
      'scenario run --target gcp',
      ['scenario', 'run', 'broker-loss', '--target', 'gcp'],
      /unknown target "gcp": the targets are local and aws/,
    ],
    ['scenario run without a target', ['scenario', 'run', 'broker-loss'], /--target local\|aws is required/],
    [
      'synth --run-id Bad_ID',
      ['synth', '--run-id', 'Bad_ID', '--out', join(dir, 'never')],
      /--run-id "Bad_ID" must be 1–40 lowercase/,
    ],
    ['local down --run-id ../x', ['local', 'down', '--run-id', '../x'], /--run-id "\.\.\/x" must be/],
    ['local up --slot 9', ['local', 'up', '--slot', '9'], /--slot 9: use an integer from 0 to 7/],
    [
      'synth --out unwritable',
      ['synth', '--out', '/dev/null/out'],
      /--out \/dev\/null\/out: cannot create the directory \(ENOTDIR\)/,
    ],
    [
      'dataset upload of a missing dir',
      ['dataset', 'upload', join(dir, 'missing')],
      /does not exist: give an existing directory/,
    ],
    [
      'dataset upload --endpoint not-a-url',
      ['dataset', 'upload', dir, '--endpoint', 'not-a-url'],
      /--endpoint "not-a-url" is not a URL/,
    ],
    [
      'experiment list --store off',
      ['experiment', 'list', '--store', 'off'],
      /--store off records nothing, which only `scenario run` can do/,
    ],
    ['an empty spec file', ['synth', '--spec', emptySpec, '--out', join(dir, 'never')], /empty\.yaml is empty/],
  ])('%s', (_name, args, expected) => {
    const result = cli(...args);
    expect(result.status, result.stderr).not.toBe(0);
    expect(result.status).not.toBeNull();
    const first = problem(result);
    expect(first.startsWith('terratower')).toBe(true);
    expect(result.stderr).toMatch(expected);
    expect(existsSync(join(dir, 'never'))).toBe(false);
    expect(existsSync('off')).toBe(false);
  });

  it('an unreachable S3 endpoint is named, with what to check', () => {
    const data = join(dir, 'data');
    expect(cli('dataset', 'generate', '--rows', '5', '--out', data).status).toBe(0);
    const result = cli('dataset', 'upload', data, '--endpoint', 'http://127.0.0.1:9');
    expect(result.status).toBe(1);
    expect(problem(result)).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\): check --endpoint/);
  });

  it('--help works on every subcommand, on stdout, exit 0', () => {
    for (const args of [
      ['scenario', 'run', '--help'],
      ['synth', '--help'],
      ['local', 'up', '-h'],
      ['nuke', '--help'],
      ['runs', 'export', '--help'],
      ['experiment', 'run', '-h'],
      ['dataset', 'upload', '--help'],
    ]) {
      const result = cli(...args);
      expect(result.status, args.join(' ')).toBe(0);
      expect(result.stdout).toMatch(/^usage:\s+terratower/);
    }
  });

  it('success lines go to stdout (cdktf-cli prints our stderr as [ERROR])', () => {
    const result = cli('dataset', 'generate', '--rows', '3', '--out', emptyDir);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^wrote 3 rows/);
    expect(readdirSync(emptyDir)).toContain('manifest.json');
  });
});
