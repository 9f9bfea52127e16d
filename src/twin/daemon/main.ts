/**
 * The twin daemon: started detached by `terratower local up` (its own process group, which
 * every member joins), it boots the twin, serves the control API and tears everything down on
 * SIGTERM/SIGINT, on POST /shutdown, or when its owner process dies.
 *
 *   node dist/src/twin/daemon/main.js --run-id ID   (compiled by `npm run build`)
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runDir } from '../../support/paths.ts';
import { pidAlive } from '../../support/process.ts';
import { BOOT_ERROR_FILE, CONTROL_FILE, readRunInfo, writeJson } from '../run-files.ts';
import { startControlServer } from './server.ts';
import { Twin } from './twin.ts';

const log = (line: string): void => {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
};

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'run-id': { type: 'string' } } });
  const runId = values['run-id'];
  if (!runId) throw new Error('usage: main.ts --run-id ID');
  const info = readRunInfo(runId);
  if (!info) throw new Error(`no run.json for run ${runId} in ${runDir(runId)}`);
  const dir = runDir(runId);
  const twin = new Twin({ runId, slot: info.slot, spec: info.spec, runDir: dir, network: info.network ?? 'loopback' });

  // If this daemon is SIGKILLed, a watchdog in its process group kills the group: no member
  // outlives it. (Members are in the group; `down` and `nuke` kill it too.)
  const watchdog = spawn(
    'sh',
    ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; kill -KILL -${process.pid} 2>/dev/null`],
    {
      stdio: 'ignore',
      detached: false,
    },
  );
  watchdog.unref();

  let stopping: Promise<void> | undefined;
  const stop = (why: string, code: number): Promise<void> => {
    stopping ??= (async () => {
      log(`stopping: ${why}`);
      await twin.shutdown().catch((error: unknown) => log(`shutdown error: ${String(error)}`));
      log('all members stopped');
      server.close();
      rmSync(join(dir, CONTROL_FILE), { force: true });
      process.exit(code);
    })();
    return stopping;
  };

  const { server, url } = await startControlServer(twin, () => void stop('shutdown requested', 0));
  writeJson(join(dir, CONTROL_FILE), { url, pid: process.pid });
  log(`control API on ${url}`);
  process.on('SIGTERM', () => void stop('SIGTERM', 0));
  process.on('SIGINT', () => void stop('SIGINT', 0));
  process.on('SIGHUP', () => void stop('SIGHUP', 0));
  if (info.ownerPid !== undefined) {
    const owner = info.ownerPid;
    setInterval(() => {
      if (!pidAlive(owner)) void stop(`owner process ${owner} exited`, 0);
    }, 1000).unref();
  }

  try {
    await twin.boot(log);
    log('twin ready');
  } catch (error) {
    const message = (error as Error).message;
    twin.phase = 'failed';
    twin.error = message;
    const logFile = /read (\S+\.log)/.exec(message)?.[1];
    writeJson(join(dir, BOOT_ERROR_FILE), { message, ...(logFile ? { logFile } : {}) });
    log(`boot failed: ${message}`);
    await stop('boot failed', 1);
  }
}

main().catch((error: unknown) => {
  log(`daemon failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
