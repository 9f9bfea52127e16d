/**
 * The durable queue's recovery with a real terraform run: a process applies a stack under a
 * run's id and is SIGKILLed mid-run (as a killed server would be). A server started on the same
 * store finds the run still `running`, destroys what it left through the terraform runner's
 * sweep (the destroy provisioner runs: it writes a marker), removes the run dir, marks the run
 * interrupted, and goes on with the queued run. The stack is built-in `terraform_data` only
 * (offline, under a second), so no twin is needed to check the mechanism.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupInterruptedRun, startService, type Service } from '../../src/service/index.ts';
import { newRunId } from '../../src/spec/run-id.ts';
import { RUN_RECORD_VERSION, openStore, type RunRecord } from '../../src/store/index.ts';

const CHILD = `
const [runModule, runId, runsRoot, marker] = process.argv.slice(2);
const { TerraformRun } = await import(runModule);
const config = {
  resource: {
    terraform_data: {
      leftover: {
        input: { marker },
        provisioner: [{ 'local-exec': { when: 'destroy', command: 'touch \${self.input.marker}' } }],
      },
    },
  },
};
const run = await TerraformRun.create({ config, runId, runsRoot, echo: false });
await run.apply();
process.stdout.write('applied\\n');
setInterval(() => undefined, 1000);
`;

describe('terratower serve: recovery of a run whose server was killed', () => {
  let dir = '';
  let service: Service | undefined;
  let childPid = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tt-service-recovery-'));
  });
  afterAll(async () => {
    if (childPid) {
      try {
        process.kill(childPid, 'SIGKILL');
      } catch {}
    }
    await service?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('destroys what the run left, marks it interrupted, and runs the queued one', async () => {
    const runsRoot = join(dir, 'tf-runs');
    const marker = join(dir, 'destroyed.marker');
    const runId = newRunId('local');
    const child = join(dir, 'child.mjs');
    await writeFile(child, CHILD);
    const runModule = fileURLToPath(new URL('../../src/harness/terraform/run.ts', import.meta.url));
    const proc = spawn(process.execPath, ['--import', 'tsx', child, runModule, runId, runsRoot, marker], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    childPid = proc.pid ?? 0;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      proc.stdout.on('data', (d) => {
        out += d;
        if (out.includes('applied')) resolve();
      });
      proc.on('exit', (code) => reject(new Error(`child exited ${code} before applying`)));
    });
    // The server dies mid-run: no destroy, no status update.
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
    childPid = 0;
    expect(existsSync(join(runsRoot, runId))).toBe(true);
    expect(existsSync(marker)).toBe(false);

    const storeFile = join(dir, 'runs.db');
    const store = await openStore(storeFile);
    const base = {
      schemaVersion: RUN_RECORD_VERSION,
      kind: 'experiment' as const,
      scenario: 'broker-loss',
      target: 'local' as const,
      figures: {},
    };
    const queuedId = newRunId('local');
    await store.putRun({ ...base, id: runId, status: 'running', createdAt: '2026-11-28T00:00:00.000Z' });
    await store.putRun({ ...base, id: queuedId, status: 'queued', createdAt: '2026-11-28T00:00:01.000Z' });
    await store.close();

    const ran: string[] = [];
    service = await startService({
      port: 0,
      store: storeFile,
      tokenFile: join(dir, 'token'),
      reportsDir: join(dir, 'reports'),
      cleanup: (id) => cleanupInterruptedRun(id, runsRoot),
      executor: async (run: RunRecord) => {
        ran.push(run.id);
        return { status: 'passed' };
      },
      log: () => undefined,
    });
    expect(existsSync(marker)).toBe(true);
    expect(existsSync(join(runsRoot, runId))).toBe(false);
    const interrupted = await service.store.getRun(runId);
    expect(interrupted?.status).toBe('interrupted');
    expect(interrupted?.error).toContain('terraform state destroyed');
    for (let i = 0; i < 100 && (await service.store.getRun(queuedId))?.status !== 'passed'; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(ran).toEqual([queuedId]);
    expect((await service.store.getRun(queuedId))?.status).toBe('passed');
  });
});
