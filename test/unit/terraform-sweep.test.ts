import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Sweeper } from '../../src/twin/nuke.ts';
import { writeRunRecord, type RunRecord, type RunStatus } from '../../src/harness/terraform/run-record.ts';
import { sweepTerraformRunDirs, terraformRunDirSweeper } from '../../src/harness/terraform/sweep.ts';

/** A pid no process has (checked), for a run whose owner died. */
function deadPid(): number {
  for (let pid = 4_194_000; pid > 4_000_000; pid--) {
    try {
      process.kill(pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return pid;
    }
  }
  throw new Error('no free pid found');
}

async function fakeRun(root: string, runId: string, status: RunStatus, ownerPid: number): Promise<string> {
  const runDir = join(root, runId);
  await mkdir(runDir, { recursive: true });
  const record: RunRecord = {
    format: 1,
    runId,
    runDir,
    binary: 'terraform',
    binaryPath: '/nonexistent/terraform',
    binaryVersion: '1.5.7',
    status,
    ownerPid,
    ownerStartTicks: null,
    env: {},
    createdAt: '2026-11-23T00:00:00Z',
    updatedAt: '2026-11-23T00:00:00Z',
    destroyCommand: `terraform -chdir=${runDir} destroy -auto-approve`,
    history: [],
    lastError: null,
  };
  await writeRunRecord(record);
  return runDir;
}

describe('sweep of terraform run dirs (no terraform run: dry runs and bookkeeping)', () => {
  let root = '';
  afterEach(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('classifies run dirs: unfinished, finished, live-owned, unreadable', async () => {
    root = await mkdtemp(join(tmpdir(), 'tt-sweep-'));
    const dead = deadPid();
    const applied = await fakeRun(root, 'r-applied', 'applied', dead);
    const kept = await fakeRun(root, 'r-kept', 'kept', dead);
    const live = await fakeRun(root, 'r-live', 'applying', 1);
    const destroyed = await fakeRun(root, 'r-destroyed', 'destroyed', dead);
    await mkdir(join(root, 'junk'));
    const entries = await sweepTerraformRunDirs({ runsRoot: root, dryRun: true, log: () => undefined });
    const action = (dir: string) => entries.find((e) => e.runDir === dir)?.action;
    expect(action(applied)).toBe('would-destroy');
    expect(action(kept)).toBe('would-destroy');
    expect(action(live)).toBe('skipped-live-owner');
    expect(action(destroyed)).toBe('would-remove');
    expect(action(join(root, 'junk'))).toBe('skipped-unreadable');
    // A dry run touches nothing.
    for (const dir of [applied, kept, live, destroyed]) expect(existsSync(dir)).toBe(true);
    // includeLive (nuke --all) also takes runs of live owners.
    const all = await sweepTerraformRunDirs({ runsRoot: root, dryRun: true, includeLive: true, log: () => undefined });
    expect(all.find((e) => e.runDir === live)?.action).toBe('would-destroy');
  });

  it('removes run dirs whose destroy already completed', async () => {
    root = await mkdtemp(join(tmpdir(), 'tt-sweep-'));
    const destroyed = await fakeRun(root, 'r-done', 'destroyed', deadPid());
    const entries = await sweepTerraformRunDirs({ runsRoot: root, log: () => undefined });
    expect(entries).toEqual([{ runId: 'r-done', runDir: destroyed, status: 'destroyed', action: 'removed' }]);
    expect(existsSync(destroyed)).toBe(false);
  });

  it('has the shape `terratower nuke` registers', () => {
    const sweeper: Sweeper = terraformRunDirSweeper;
    expect(sweeper.name).toBe('terraform run dirs');
  });
});
