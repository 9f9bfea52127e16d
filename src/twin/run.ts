/**
 * Starting and stopping twins from the outside (the CLI, tests, the harness): `startTwin` spawns
 * the detached daemon and waits until the twin is healthy; `stopTwin` stops it and proves,
 * by run tag, that nothing of it is left.
 */
import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { PipelineSpec } from '../spec/index.ts';
import type { PipelineEndpoints } from '../model/target.ts';
import {
  addressPlanProblems,
  cassandraContactPoints,
  kafkaBootstrap,
  memberAddress,
  s3Address,
  statefulAddress,
  type TwinNetwork,
} from '../spec/addresses.ts';
import { bridgeName, detectTwinNetwork, removeRunNetwork, runNetworkParts, taggedLinks } from './network.ts';
import { PORTS } from '../spec/ports.ts';
import { TwinClient } from './client.ts';
import { installTwinComponents, type ProgressFn } from './install/index.ts';
import { requireAppEntry } from './members/app.ts';
import { REPO_ROOT, TWIN_DAEMON_ENTRY, runDir } from '../support/paths.ts';
import {
  findTaggedProcesses,
  listenersOn,
  pidAlive,
  signal,
  stillSameTagged,
  waitForExit,
} from '../support/process.ts';
import {
  checkRunId,
  DAEMON_LOG,
  newRunId,
  readBootError,
  readControlInfo,
  readRunInfo,
  writeRunInfo,
  type RunInfo,
} from './run-files.ts';
import { sleep } from '../support/time.ts';

/** How to start a twin. */
export interface StartTwinOptions {
  spec: PipelineSpec;
  /** Address slot 0–7. @default 0 */
  slot?: number;
  /** Run id. @default a fresh `tt-<time>-<rand>` */
  runId?: string;
  /** Tear the twin down when this process exits (tests pass their own pid). */
  ownerPid?: number;
  /** Progress lines (install, boot). @default stderr */
  onProgress?: ProgressFn;
  /** Give up waiting for health after this long. @default 660 000 */
  timeoutMs?: number;
  /** How the zones are networked. @default `detectTwinNetwork()`: namespaces with root, else loopback */
  network?: TwinNetwork;
}

/** A running twin. */
export interface RunningTwin {
  runId: string;
  slot: number;
  network: TwinNetwork;
  runDir: string;
  controlUrl: string;
  endpoints: PipelineEndpoints;
  client: TwinClient;
}

/** Thrown when boot fails; the twin has been torn down. */
export class TwinBootError extends Error {
  constructor(
    message: string,
    readonly logFile: string,
  ) {
    super(`${message}\n(read ${logFile})`);
    this.name = 'TwinBootError';
  }
}

/** Every address a run's members may use. */
export function runAddresses(spec: PipelineSpec, slot: number, network: TwinNetwork = 'loopback'): string[] {
  const out = new Set<string>([s3Address(slot, network)]);
  const zones = spec.zones.length;
  for (let k = 0; k < spec.kafka.brokers; k += 1) out.add(statefulAddress('kafka', k, zones, slot, network));
  for (let k = 0; k < spec.cassandra.nodes; k += 1) out.add(statefulAddress('cassandra', k, zones, slot, network));
  for (let z = 0; z < zones; z += 1) {
    for (let o = 0; o < 10; o += 1) {
      out.add(memberAddress(z, slot, 'producers', o, network));
      out.add(memberAddress(z, slot, 'consumers', o, network));
    }
  }
  return [...out];
}

/** Why a slot is taken: listeners on its loopback addresses, or its bridge held by a live run. */
function slotInUse(spec: PipelineSpec, slot: number, network: TwinNetwork): string | undefined {
  if (network === 'namespaces') {
    const holder = taggedLinks().find((l) => l.name === bridgeName(slot));
    if (holder && findTaggedProcesses(holder.runId).length > 0)
      return `its bridge ${holder.name} is run ${holder.runId}'s`;
    return undefined;
  }
  const busy = listenersOn([
    s3Address(slot),
    ...kafkaBootstrap(spec, slot).map((e) => e.split(':')[0]!),
    ...cassandraContactPoints(spec, slot).map((e) => e.split(':')[0]!),
  ]);
  if (busy.length === 0) return undefined;
  return `listening: ${busy.map((s) => `${s.address}:${s.port}`).join(', ')}`;
}

/** Install what is missing, start the daemon, wait until the twin is ready. On failure, tear down and throw. */
export async function startTwin(options: StartTwinOptions): Promise<RunningTwin> {
  const { spec } = options;
  const slot = options.slot ?? 0;
  const runId = checkRunId(options.runId ?? newRunId());
  const onProgress = options.onProgress ?? ((line: string) => process.stderr.write(`[terratower] ${line}\n`));
  const network = options.network ?? detectTwinNetwork();
  const problems = addressPlanProblems(spec, slot, network);
  if (problems.length > 0) throw new Error(`the spec does not fit the local twin:\n  - ${problems.join('\n  - ')}`);
  for (const g of ['producers', 'consumers'] as const) if (spec[g].desired > 0 || spec[g].min > 0) requireAppEntry(g);
  if (!existsSync(TWIN_DAEMON_ENTRY))
    throw new Error(`the compiled twin daemon (${TWIN_DAEMON_ENTRY}) is missing: run npm run build`);
  if (readRunInfo(runId))
    throw new Error(
      `run ${runId} already exists in ${runDir(runId)}: pick another --run-id, or \`terratower local down --run-id ${runId}\``,
    );
  const busy = slotInUse(spec, slot, network);
  if (busy) {
    throw new Error(
      `slot ${slot} is in use (${busy}): ` +
        'use another --slot, stop that twin (`terratower local down`), or remove leftovers (`terratower nuke`)',
    );
  }

  await installTwinComponents({ onProgress });

  const dir = runDir(runId);
  const info: RunInfo = {
    runId,
    slot,
    network,
    createdAt: new Date().toISOString(),
    spec,
    ...(options.ownerPid !== undefined ? { ownerPid: options.ownerPid } : {}),
  };
  writeRunInfo(info);
  const logFile = join(dir, DAEMON_LOG);
  const fd = openSync(logFile, 'a');
  let pid: number | undefined;
  try {
    const daemon = spawn(process.execPath, [TWIN_DAEMON_ENTRY, '--run-id', runId], {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, TERRATOWER_RUN: runId },
    });
    pid = daemon.pid;
    daemon.unref();
  } finally {
    closeSync(fd);
  }
  if (pid === undefined) throw new TwinBootError('could not start the twin daemon', logFile);
  writeRunInfo({ ...info, daemon: { pid, pgid: pid } });
  onProgress(`run ${runId}: daemon pid ${pid}, slot ${slot}, run dir ${dir}`);

  const deadline = Date.now() + (options.timeoutMs ?? 660_000);
  let lastPhase = '';
  let printed = 0;
  try {
    for (;;) {
      if (Date.now() > deadline) throw new TwinBootError('the twin did not become healthy in time', logFile);
      // Relay the daemon's progress lines.
      const lines = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').filter(Boolean) : [];
      for (const line of lines.slice(printed)) onProgress(line.replace(/^\S+ /, ''));
      printed = lines.length;
      const bootError = readBootError(runId);
      if (bootError) throw new TwinBootError(`boot failed: ${bootError.message}`, bootError.logFile ?? logFile);
      if (!pidAlive(pid)) throw new TwinBootError('the twin daemon exited during boot', logFile);
      const control = readControlInfo(runId);
      if (control) {
        const client = new TwinClient(control.url);
        const status = await client.status().catch(() => undefined);
        if (status && status.phase !== lastPhase) lastPhase = status.phase;
        if (status?.phase === 'ready') {
          return {
            runId,
            slot,
            network,
            runDir: dir,
            controlUrl: control.url,
            endpoints: await client.endpoints(),
            client,
          };
        }
        if (status?.phase === 'failed') throw new TwinBootError(`boot failed: ${status.error ?? 'unknown'}`, logFile);
      }
      await sleep(250);
    }
  } catch (error) {
    const report = await stopTwin(runId, { keepRunDir: true }).catch(() => undefined);
    if (report && report.leftovers.length > 0) onProgress(`after failed boot: ${report.leftovers.join('; ')}`);
    throw error;
  }
}

/** What `stopTwin` did and found. */
export interface StopReport {
  runId: string;
  /** Processes that had to be SIGKILLed after the graceful stop. */
  killed: number;
  /** Anything still there afterwards (should be empty). */
  leftovers: string[];
  /** Seconds the stop took. */
  seconds: number;
}

/**
 * Stop a twin: ask the daemon to shut down (graceful, then SIGKILL), wait for it, kill its
 * process group and anything else with its run tag, remove the run dir (unless `keepRunDir`),
 * then check by run tag that no process, listening port or run dir is left.
 */
export async function stopTwin(
  runId: string,
  options: { keepRunDir?: boolean; timeoutMs?: number } = {},
): Promise<StopReport> {
  const start = Date.now();
  const info = readRunInfo(runId);
  const control = readControlInfo(runId);
  const daemonPid = info?.daemon?.pid;
  if (control && daemonPid !== undefined && pidAlive(daemonPid)) {
    await new TwinClient(control.url, 3000).shutdown().catch(() => undefined);
    await waitForExit([daemonPid], options.timeoutMs ?? 12_000);
  }
  if (daemonPid !== undefined && pidAlive(daemonPid)) signal(daemonPid, 'SIGTERM');
  if (daemonPid !== undefined) await waitForExit([daemonPid], 3000);
  // Whatever is left: the daemon's group, then every tagged process.
  // Kill the daemon's process group only if a process of this run is still in it (a pgid can be reused).
  if (info?.daemon && findTaggedProcesses(runId).some((p) => p.pgid === info.daemon!.pgid))
    signal(-info.daemon.pgid, 'SIGKILL');
  let killed = 0;
  for (const p of findTaggedProcesses(runId)) {
    if (!stillSameTagged(p)) continue;
    signal(p.pid, 'SIGCONT');
    if (signal(p.pid, 'SIGKILL')) killed += 1;
  }
  await waitForExit(
    findTaggedProcesses(runId).map((p) => p.pid),
    5000,
  );
  // The daemon removes its zones' namespaces on shutdown; after a crash they are still here.
  removeRunNetwork(runId);
  if (!options.keepRunDir) rmSync(runDir(runId), { recursive: true, force: true });
  const leftovers = leftoversOf(runId, info, !options.keepRunDir);
  return { runId, killed, leftovers, seconds: (Date.now() - start) / 1000 };
}

/** What of a run is still there: tagged processes, listeners on its addresses, its namespaces and links, its run dir. */
export function leftoversOf(runId: string, info: RunInfo | undefined, checkDir = true): string[] {
  const out: string[] = [];
  for (const p of findTaggedProcesses(runId)) out.push(`process ${p.pid} (${p.command.slice(0, 80)})`);
  if (info) {
    for (const s of listenersOn(runAddresses(info.spec, info.slot, info.network))) {
      if (
        [
          PORTS.kafkaClient,
          PORTS.kafkaController,
          PORTS.cassandraCql,
          PORTS.cassandraInternode,
          PORTS.s3,
          PORTS.appHttp,
        ].includes(s.port as never)
      )
        out.push(`listener ${s.address}:${s.port}`);
    }
  }
  const net = runNetworkParts(runId);
  for (const ns of net.namespaces) out.push(`network namespace ${ns}`);
  for (const link of net.links) out.push(`link ${link}`);
  if (checkDir && existsSync(runDir(runId))) out.push(`run dir ${runDir(runId)}`);
  return out;
}

/**
 * Run `fn` against a fresh twin and always tear it down — also when `fn` throws or boot fails.
 * Throws `fn`'s error (or, if `fn` succeeded, an error listing anything the stop left behind).
 */
export async function withTwin<T>(options: StartTwinOptions, fn: (twin: RunningTwin) => Promise<T>): Promise<T> {
  const twin = await startTwin(options);
  let result: T;
  try {
    result = await fn(twin);
  } finally {
    const report = await stopTwin(twin.runId);
    if (report.leftovers.length > 0)
      process.stderr.write(`[terratower] run ${twin.runId} left: ${report.leftovers.join('; ')}\n`);
  }
  const left = leftoversOf(twin.runId, undefined);
  if (left.length > 0) throw new Error(`run ${twin.runId} left: ${left.join('; ')}`);
  return result;
}
