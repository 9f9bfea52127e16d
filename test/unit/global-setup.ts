import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The unit tier's temp dir: every test's temp files — and the `cdktf.outdir.*` dirs cdktf's
 * `Testing` helpers create and never remove — go under one dir made here and removed after the
 * run, also when tests fail.
 */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'tt-unit-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  return () => {
    rmSync(dir, { recursive: true, force: true });
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  };
}
