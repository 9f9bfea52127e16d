/**
 * The terraform lifecycle against real Terraform and real OpenTofu: `terraform_data`
 * configurations whose `local-exec` provisioners start a detached process on create (its pid in
 * a file) and stop it at destroy, so "destroyed" is checked on the machine, not in state alone.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  findTerraformBinary,
  outputList,
  outputString,
  readRunRecord,
  registeredCleanups,
  sweepTerraformRunDirs,
  TERRAFORM_KINDS,
  TerraformCommandError,
  TerraformDestroyError,
  TerraformRun,
  withDeployedStack,
  type TerraformBinary,
  type TerraformOptions,
} from '../../src/harness/terraform/index.ts';
import { REPO_ROOT } from '../../src/support/paths.ts';

const binaries = await Promise.all(
  TERRAFORM_KINDS.map(async (kind) => ({ kind, binary: await findTerraformBinary(kind) })),
);

/** State letter and process group of a process from /proc (undefined when there is none). */
function procStat(pid: number): { state: string; pgid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '?', pgid: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

/** A process is alive when it exists and is not a zombie waiting to be reaped. */
function alive(pid: number): boolean {
  const stat = procStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}

/** Live (non-zombie) processes of a process group. */
function liveGroupMembers(pgid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      const stat = procStat(pid);
      return stat !== undefined && stat.pgid === pgid && stat.state !== 'Z';
    });
}

/** Waits until `check` holds (polling), or fails after `ms`. */
async function eventually(check: () => boolean, ms = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function readPid(file: string): number {
  return Number(readFileSync(file, 'utf8').trim());
}

/** Shell that starts a detached `sleep` (own session, no inherited output) and records its pid. */
function startDaemon(pidFileExpr: string): string {
  return (
    `setsid sh -c 'echo $$ > "$0.tmp" && mv "$0.tmp" "$0"; exec sleep 300' ${pidFileExpr} >/dev/null 2>&1 </dev/null & ` +
    `while [ ! -s ${pidFileExpr} ]; do sleep 0.05; done;`
  );
}

/** Shell that stops the process whose pid is in the file, if any. */
function stopDaemon(pidFileExpr: string): string {
  return `if [ -f ${pidFileExpr} ]; then kill "$(cat ${pidFileExpr})" 2>/dev/null || true; rm -f ${pidFileExpr}; fi`;
}

/** One resource: create starts a daemon, destroy stops it; outputs the pid file and a name. */
function daemonConfig(pidFile: string, name: string): Record<string, unknown> {
  return {
    resource: {
      terraform_data: {
        svc: {
          input: { pid_file: pidFile, name },
          provisioner: [
            { 'local-exec': { command: startDaemon('${self.input.pid_file}') } },
            { 'local-exec': { when: 'destroy', command: stopDaemon('${self.input.pid_file}') } },
          ],
        },
      },
    },
    output: {
      pid_file: { value: '${terraform_data.svc.output.pid_file}' },
      name: { value: '${terraform_data.svc.output.name}' },
    },
  };
}

/**
 * Two resources: a guard whose destroy stops the daemon, and a slow resource (depending on it)
 * whose create starts the daemon and then sleeps. The guard is in state before the slow resource
 * starts, so its destroy runs even when the interrupted resource ends up tainted (terraform skips
 * a tainted resource's destroy provisioners) or missing from state.
 */
function guardedSlowConfig(pidFile: string, sleepSeconds: number): Record<string, unknown> {
  return {
    resource: {
      terraform_data: {
        guard: {
          input: { pid_file: pidFile },
          provisioner: [{ 'local-exec': { when: 'destroy', command: stopDaemon('${self.input.pid_file}') } }],
        },
        slow: {
          depends_on: ['terraform_data.guard'],
          input: { pid_file: pidFile },
          provisioner: [
            { 'local-exec': { command: `${startDaemon('${self.input.pid_file}')} sleep ${sleepSeconds}` } },
          ],
        },
      },
    },
  };
}

/** Writes a small script that deploys with `withDeployedStack`, marks `ready` in the scenario and waits forever. */
function writeChildScript(script: string): void {
  const harness = pathToFileURL(join(REPO_ROOT, 'src/harness/terraform/index.ts')).href;
  writeFileSync(
    script,
    [
      `import { withDeployedStack } from ${JSON.stringify(harness)};`,
      `import { writeFileSync } from 'node:fs';`,
      `const [config, options, ready] = process.argv.slice(2);`,
      `await withDeployedStack({ ...JSON.parse(options), config: JSON.parse(config) }, async (_outputs, run) => {`,
      `  writeFileSync(ready, run.runDir);`,
      `  await new Promise(() => setInterval(() => undefined, 1000));`,
      `});`,
    ].join('\n'),
  );
}

describe.each(binaries)('terraform lifecycle with $kind', ({ kind, binary }) => {
  const reason = `${kind} not found on PATH or in the cache (global setup builds it; see its output)`;
  const d = binary ? describe : describe.skip;
  d(binary ? `${kind} ${binary.version} (${binary.source})` : `SKIPPED: ${reason}`, () => {
    const bin = binary as TerraformBinary;
    let root = '';
    let runsRoot = '';
    const base = (): Pick<
      TerraformOptions,
      'binary' | 'binaryPath' | 'runsRoot' | 'echo' | 'timeBetweenRetriesMs'
    > => ({
      binary: kind,
      binaryPath: bin.path,
      runsRoot,
      echo: false,
      timeBetweenRetriesMs: 200,
    });

    beforeAll(async () => {
      root = await mkdtemp(join(tmpdir(), `tt-tf-${kind}-`));
      runsRoot = join(root, 'runs');
    });
    afterAll(async () => {
      // Anything a failed test left deployed is destroyed before the temp dir goes.
      if (runsRoot && existsSync(runsRoot))
        await sweepTerraformRunDirs({ runsRoot, echo: false, log: () => undefined });
      await rm(root, { recursive: true, force: true });
    });

    it('applies, reads typed outputs, destroys: the started process is gone and the run dir removed', async () => {
      const pidFile = join(root, 'basic.pid');
      let pid = 0;
      let runDir = '';
      const name = await withDeployedStack(
        { ...base(), config: daemonConfig(pidFile, 'basic') },
        async (outputs, run) => {
          runDir = run.runDir;
          expect(outputString(outputs, 'pid_file')).toBe(pidFile);
          pid = readPid(pidFile);
          expect(alive(pid)).toBe(true);
          expect(existsSync(join(run.runDir, 'terraform.tfstate'))).toBe(true);
          expect(readFileSync(run.logFile, 'utf8')).toContain('Apply complete');
          // The missing TF_CLI_CONFIG_FILE of this machine is replaced by an empty one: no warnings.
          expect(readFileSync(run.logFile, 'utf8')).not.toMatch(/Unable to open CLI configuration file/);
          // Applied configuration is idempotent: a second plan has nothing to do.
          expect((await run.plan()).hasChanges).toBe(false);
          return outputString(outputs, 'name');
        },
      );
      expect(name).toBe('basic');
      expect(registeredCleanups()).toBe(0); // signal handlers are removed once the run is over
      await eventually(() => !alive(pid), 5_000, `pid ${pid} to exit`);
      expect(existsSync(runDir)).toBe(false);
    });

    it('retries an apply that fails with an error from the retryable table, and not one that is not', async () => {
      const marker = join(root, 'blip.failed-once');
      const flaky = (message: string) => ({
        resource: {
          terraform_data: {
            blip: {
              provisioner: [
                {
                  'local-exec': {
                    command: `if [ ! -f ${marker} ]; then touch ${marker}; echo "${message}" >&2; exit 1; fi`,
                  },
                },
              ],
            },
          },
        },
      });
      const retryableErrors = { 'upstream blip \\(transient\\)': 'test blip' };
      let runDir = '';
      await withDeployedStack(
        { ...base(), config: flaky('upstream blip (transient)'), retryableErrors, maxRetries: 2, retainRunDir: true },
        async (_o, run) => {
          runDir = run.runDir;
        },
      );
      const applies = (await readRunRecord(runDir))?.history.filter((h) => h.command === 'apply') ?? [];
      expect(applies.map((h) => h.exitCode)).toEqual([1, 0]);
      await rm(runDir, { recursive: true, force: true });

      await rm(marker);
      const error = await withDeployedStack(
        { ...base(), config: flaky('invalid thing'), retryableErrors, maxRetries: 2, retainRunDir: true },
        async (_o, run) => {
          runDir = run.runDir;
        },
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TerraformCommandError);
      const record = (await readRunRecord((error as TerraformCommandError).runDir))!;
      expect(record.history.filter((h) => h.command === 'apply')).toHaveLength(1);
      expect(record.status).toBe('destroyed');
      await rm(record.runDir, { recursive: true, force: true });
    });

    it('retries a destroy whose first attempt fails, and the second one succeeds', async () => {
      const pidFile = join(root, 'flaky.pid');
      const marker = join(root, 'flaky.failed-once');
      const config = daemonConfig(pidFile, 'flaky');
      const svc = (config.resource as { terraform_data: { svc: { provisioner: unknown[] } } }).terraform_data.svc;
      svc.provisioner[1] = {
        'local-exec': {
          when: 'destroy',
          command: `if [ ! -f ${marker} ]; then touch ${marker}; echo "transient failure" >&2; exit 1; fi; ${stopDaemon('${self.input.pid_file}')}`,
        },
      };
      let pid = 0;
      let runDir = '';
      await withDeployedStack({ ...base(), config, destroyRetries: 2, retainRunDir: true }, async (_outputs, run) => {
        runDir = run.runDir;
        pid = readPid(pidFile);
      });
      expect(existsSync(marker)).toBe(true);
      await eventually(() => !alive(pid), 5_000, `pid ${pid} to exit`);
      const record = await readRunRecord(runDir);
      expect(record?.status).toBe('destroyed');
      const destroys = record?.history.filter((h) => h.command === 'destroy') ?? [];
      expect(destroys.map((h) => h.exitCode)).toEqual([1, 0]);
      await rm(runDir, { recursive: true, force: true });
    });

    it('a destroy that keeps failing is reported with the command to finish it, and the sweep finishes it', async () => {
      const pidFile = join(root, 'stuck.pid');
      const marker = join(root, 'stuck.failed-once');
      const config = daemonConfig(pidFile, 'stuck');
      const svc = (config.resource as { terraform_data: { svc: { provisioner: unknown[] } } }).terraform_data.svc;
      svc.provisioner[1] = {
        'local-exec': {
          when: 'destroy',
          command: `if [ ! -f ${marker} ]; then touch ${marker}; exit 1; fi; ${stopDaemon('${self.input.pid_file}')}`,
        },
      };
      let runDir = '';
      const error = await withDeployedStack({ ...base(), config, destroyRetries: 0 }, async (_o, run) => {
        runDir = run.runDir;
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TerraformDestroyError);
      expect((error as TerraformDestroyError).destroyCommand).toContain(`-chdir=${runDir} destroy`);
      const pid = readPid(pidFile);
      expect(alive(pid)).toBe(true);
      expect((await readRunRecord(runDir))?.status).toBe('destroy-failed');

      const dry = await sweepTerraformRunDirs({ runsRoot, dryRun: true, log: () => undefined });
      expect(dry.find((e) => e.runDir === runDir)?.action).toBe('would-destroy');
      expect(existsSync(runDir)).toBe(true);
      const swept = await sweepTerraformRunDirs({ runsRoot, echo: false, log: () => undefined });
      expect(swept.find((e) => e.runDir === runDir)?.action).toBe('destroyed');
      await eventually(() => !alive(pid), 5_000, `pid ${pid} to exit`);
      expect(existsSync(runDir)).toBe(false);
    });

    it('an apply that times out is stopped (its process group killed) and then destroyed', async () => {
      const pidFile = join(root, 'slow.pid');
      const config = guardedSlowConfig(pidFile, 60);
      let scenarioRan = false;
      const started = Date.now();
      const error = await withDeployedStack(
        { ...base(), config, retainRunDir: true, runId: `slow-${kind}`, timeouts: { apply: 4_000, killGrace: 3_000 } },
        async () => {
          scenarioRan = true;
        },
      ).catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(40_000);
      expect(scenarioRan).toBe(false);
      expect(error).toBeInstanceOf(TerraformCommandError);
      expect((error as TerraformCommandError).timedOut).toBe(true);
      const runDir = join(runsRoot, `slow-${kind}`);
      const record = await readRunRecord(runDir);
      expect(record?.status).toBe('destroyed');
      const apply = record?.history.find((h) => h.command === 'apply');
      expect(apply?.timedOut).toBe(true);
      expect(apply?.pid).toBeGreaterThan(0);
      expect(liveGroupMembers(apply?.pid ?? 0)).toEqual([]);
      // The daemon the interrupted provisioner started (in its own session) was stopped by destroy.
      expect(existsSync(pidFile)).toBe(false);
      const state = JSON.parse(readFileSync(join(runDir, 'terraform.tfstate'), 'utf8')) as { resources: unknown[] };
      expect(state.resources).toEqual([]);
      await rm(runDir, { recursive: true, force: true });
    });

    it('SIGINT of the test process during the scenario destroys the stack before the process exits', async () => {
      const work = join(root, 'sigint');
      await mkdir(work, { recursive: true });
      const pidFile = join(work, 'svc.pid');
      const ready = join(work, 'ready');
      const script = join(work, 'child.mts');
      writeChildScript(script);
      const options = { ...base(), runId: `sigint-${kind}`, retainRunDir: true };
      const child = execa(
        'node',
        ['--import', 'tsx', script, JSON.stringify(daemonConfig(pidFile, 'sigint')), JSON.stringify(options), ready],
        {
          cwd: REPO_ROOT,
          reject: false,
          all: true,
        },
      );
      await eventually(() => existsSync(ready), 30_000, 'the child to deploy');
      const pid = readPid(pidFile);
      expect(alive(pid)).toBe(true);
      child.kill('SIGINT');
      const result = await child;
      expect(result.signal ?? result.exitCode, result.all).toBe('SIGINT');
      await eventually(() => !alive(pid), 5_000, `pid ${pid} to exit`);
      const runDir = readFileSync(ready, 'utf8');
      expect((await readRunRecord(runDir))?.status).toBe('destroyed');
      await rm(runDir, { recursive: true, force: true });
    });

    it('SIGINT of the test process in the middle of apply stops terraform, then destroys', async () => {
      const work = join(root, 'sigint-apply');
      await mkdir(work, { recursive: true });
      const pidFile = join(work, 'svc.pid');
      const ready = join(work, 'ready');
      const script = join(work, 'child.mts');
      writeChildScript(script);
      const runId = `sigint-apply-${kind}`;
      const options = { ...base(), runId, retainRunDir: true, timeouts: { killGrace: 5_000 } };
      const child = execa(
        'node',
        ['--import', 'tsx', script, JSON.stringify(guardedSlowConfig(pidFile, 60)), JSON.stringify(options), ready],
        {
          cwd: REPO_ROOT,
          reject: false,
          all: true,
        },
      );
      // The slow provisioner has started its daemon and is sleeping: apply is in progress.
      await eventually(() => existsSync(pidFile), 30_000, 'apply to reach the slow provisioner');
      const pid = readPid(pidFile);
      expect(alive(pid)).toBe(true);
      child.kill('SIGINT');
      const result = await child;
      expect(result.signal ?? result.exitCode, result.all).toBe('SIGINT');
      expect(existsSync(ready)).toBe(false);
      await eventually(() => !alive(pid), 5_000, `pid ${pid} to exit`);
      const record = await readRunRecord(join(runsRoot, runId));
      expect(record?.status).toBe('destroyed');
      const apply = record?.history.find((h) => h.command === 'apply');
      expect(apply?.aborted).toBe(true);
      expect(liveGroupMembers(apply?.pid ?? 0)).toEqual([]);
      await rm(join(runsRoot, runId), { recursive: true, force: true });
    });

    it('two runs in parallel keep separate run dirs and state', async () => {
      const files = [join(root, 'par-a.pid'), join(root, 'par-b.pid')];
      const seen: Array<{ runDir: string; pid: number; state: string; name: string }> = [];
      await Promise.all(
        files.map((pidFile, i) =>
          withDeployedStack({ ...base(), config: daemonConfig(pidFile, `par-${i}`) }, async (outputs, run) => {
            expect(outputString(outputs, 'name')).toBe(`par-${i}`);
            seen.push({
              runDir: run.runDir,
              pid: readPid(pidFile),
              state: readFileSync(run.stateFile, 'utf8'),
              name: `par-${i}`,
            });
            // Hold both deployments at once before either is destroyed.
            await eventually(() => seen.length === 2, 20_000, 'both runs to be deployed');
          }),
        ),
      );
      expect(seen).toHaveLength(2);
      const [a, b] = seen as [(typeof seen)[0], (typeof seen)[0]];
      expect(a.runDir).not.toBe(b.runDir);
      expect(a.pid).not.toBe(b.pid);
      for (const [mine, other] of [
        [a, b],
        [b, a],
      ] as const) {
        expect(mine.state).toContain(`"${mine.name}"`);
        expect(mine.state).not.toContain(`"${other.name}"`);
        await eventually(() => !alive(mine.pid), 5_000, `pid ${mine.pid} to exit`);
        expect(existsSync(mine.runDir)).toBe(false);
      }
    });

    it('keep leaves the stack deployed and prints the destroy command; the sweep destroys it later', async () => {
      const pidFile = join(root, 'kept.pid');
      let runDir = '';
      await withDeployedStack({ ...base(), config: daemonConfig(pidFile, 'kept'), keep: true }, async (_o, run) => {
        runDir = run.runDir;
      });
      const pid = readPid(pidFile);
      expect(alive(pid)).toBe(true);
      const record = await readRunRecord(runDir);
      expect(record?.status).toBe('kept');
      // The printed command works on its own.
      const [envPart, ...rest] = record!.destroyCommand.split(' ');
      const env = envPart?.startsWith('TF_CLI_CONFIG_FILE=')
        ? { TF_CLI_CONFIG_FILE: envPart.slice('TF_CLI_CONFIG_FILE='.length) }
        : {};
      const argv = envPart?.startsWith('TF_CLI_CONFIG_FILE=') ? rest : [envPart!, ...rest];
      const destroyed = await execa(argv[0]!, argv.slice(1), { env, reject: false });
      expect(destroyed.exitCode, destroyed.stderr).toBe(0);
      await eventually(() => !alive(pid), 5_000, `pid ${pid} to exit`);
      const swept = await sweepTerraformRunDirs({ runsRoot, echo: false, log: () => undefined });
      expect(swept.find((e) => e.runDir === runDir)?.action).toBe('destroyed');
      expect(existsSync(runDir)).toBe(false);
    });

    it('deploys a synthesized stack dir (cdktf.out/stacks/NAME) with input variables', async () => {
      const stackDir = join(root, 'cdktf.out', 'stacks', 'demo');
      await mkdir(stackDir, { recursive: true });
      writeFileSync(
        join(stackDir, 'cdk.tf.json'),
        JSON.stringify({
          variable: { greeting: { type: 'string' }, sizes: { type: 'list(number)' } },
          resource: { terraform_data: { v: { input: { greeting: '${var.greeting}', sizes: '${var.sizes}' } } } },
          output: {
            greeting: { value: '${terraform_data.v.output.greeting}' },
            sizes: { value: '${terraform_data.v.output.sizes}' },
          },
        }),
      );
      const run = await TerraformRun.create({
        ...base(),
        sourceDir: stackDir,
        vars: { greeting: 'hi there', sizes: [1, 2, 3] },
      });
      try {
        expect(existsSync(join(run.runDir, 'cdk.tf.json'))).toBe(true);
        expect((await run.plan()).hasChanges).toBe(true);
        await run.apply();
        const outputs = await run.outputs();
        expect(outputString(outputs, 'greeting')).toBe('hi there');
        expect(outputList(outputs, 'sizes')).toEqual(['1', '2', '3']);
      } finally {
        await run.finish();
      }
      expect(existsSync(run.runDir)).toBe(false);
    });

    it('writes the files a configuration reads beside it, and removes them with the run', async () => {
      const run = await TerraformRun.create({
        ...base(),
        config: {
          resource: { terraform_data: { f: { input: '${file("${path.module}/greeting.txt")}' } } },
          output: { greeting: { value: '${terraform_data.f.output}' } },
        },
        files: { 'greeting.txt': 'hello from beside the config' },
      });
      try {
        await run.apply();
        expect(outputString(await run.outputs(), 'greeting')).toBe('hello from beside the config');
      } finally {
        await run.finish();
      }
      expect(existsSync(run.runDir)).toBe(false);
    });

    it('leaves nothing under the runs root', async () => {
      const left = existsSync(runsRoot) ? await readdir(runsRoot) : [];
      expect(left).toEqual([]);
    });
  });
});
