/**
 * `terratower nuke`: find and remove what earlier runs left behind, by run tag. Structured as a
 * list of sweepers, each removing one kind of leftover and saying what it removed; other parts
 * of terratower add theirs with `registerSweeper` (e.g. terraform run dirs).
 *
 * A run counts as a leftover when its daemon is gone (crashed, SIGKILLed, machine rebooted), or
 * when it has no daemon at all. Live twins are left alone unless `all` is set.
 */
import { rmSync } from 'node:fs';
import {
  pidAlive,
  findTaggedProcesses,
  listenersOn,
  signal,
  socketOwner,
  stillSameTagged,
  waitForExit,
} from '../support/process.ts';
import { listRunIds, readRunInfo } from './run-files.ts';
import { runDir } from '../support/paths.ts';
import { runAddresses, stopTwin } from './run.ts';
import { ownerOfNamespace, removeRunNetwork, runNetworkParts, taggedLinks } from './network.ts';

/** What a sweep may touch. */
export interface NukeContext {
  /** Also stop twins whose daemon is alive. */
  all: boolean;
  /** Only report, remove nothing. */
  dryRun: boolean;
  /** Whether a run is a leftover (its daemon is gone), or `all` is set. */
  isLeftover(runId: string): boolean;
}

/** One kind of leftover and how to remove it. */
export interface Sweeper {
  /** Short name shown in the report, e.g. `twin processes`. */
  name: string;
  /** Remove leftovers; return one line per thing removed (or that would be, in a dry run). */
  sweep(ctx: NukeContext): Promise<string[]>;
}

/** What one sweeper removed. */
export interface NukeReportEntry {
  sweeper: string;
  removed: string[];
  error?: string;
}

const sweepers: Sweeper[] = [];

/**
 * Add a sweeper. It runs after the ones registered before it, or before all of them with
 * `first` (for a sweeper whose own teardown stops twins, such as terraform's destroy).
 */
export function registerSweeper(sweeper: Sweeper, options: { first?: boolean } = {}): void {
  if (sweepers.some((s) => s.name === sweeper.name)) return;
  if (options.first) sweepers.unshift(sweeper);
  else sweepers.push(sweeper);
}

/** A run being started right now may not have its daemon pid recorded yet: leave young runs alone. */
const STARTING_GRACE_MS = 60_000;

function daemonAlive(runId: string): boolean {
  const info = readRunInfo(runId);
  if (info && !info.daemon && Date.now() - Date.parse(info.createdAt) < STARTING_GRACE_MS) return true;
  const pid = info?.daemon?.pid;
  if (pid === undefined || !pidAlive(pid)) return false;
  // The pid must still be that run's daemon, not a recycled pid.
  return findTaggedProcesses(runId).some((p) => p.pid === pid);
}

/** Live twins (only with `all`): stopped through their daemon, as `local down` does. */
const liveTwinSweeper: Sweeper = {
  name: 'live twins',
  async sweep(ctx) {
    if (!ctx.all) return [];
    const out: string[] = [];
    for (const runId of listRunIds().filter(daemonAlive)) {
      if (ctx.dryRun) {
        out.push(`would stop live twin ${runId}`);
        continue;
      }
      const report = await stopTwin(runId);
      out.push(`stopped live twin ${runId} (${report.seconds.toFixed(1)} s)`);
    }
    return out;
  },
};

/** Processes carrying the tag of a leftover run (env TERRATOWER_RUN or -Dterratower.run=). */
const processSweeper: Sweeper = {
  name: 'tagged processes',
  async sweep(ctx) {
    const found = findTaggedProcesses().filter((p) => ctx.isLeftover(p.runId));
    const out: string[] = [];
    const killed: number[] = [];
    for (const p of found) {
      const line = `process ${p.pid} of run ${p.runId}: ${p.command.slice(0, 100)}`;
      if (ctx.dryRun) {
        out.push(`would kill ${line}`);
        continue;
      }
      // Verify right before killing: same process (start time) and still tagged.
      if (!stillSameTagged(p)) continue;
      signal(p.pid, 'SIGCONT');
      if (signal(p.pid, 'SIGKILL')) {
        killed.push(p.pid);
        out.push(`killed ${line}`);
      }
    }
    await waitForExit(killed, 5000);
    return out;
  },
};

/** Listening sockets on a leftover run's addresses whose owner carries its tag. */
const portSweeper: Sweeper = {
  name: 'listening ports',
  async sweep(ctx) {
    const out: string[] = [];
    for (const runId of listRunIds().filter((id) => ctx.isLeftover(id))) {
      const info = readRunInfo(runId);
      if (!info) continue;
      for (const s of listenersOn(runAddresses(info.spec, info.slot, info.network))) {
        const owner = socketOwner(s.inode);
        const tagged = owner !== undefined ? findTaggedProcesses(runId).find((p) => p.pid === owner) : undefined;
        if (!tagged) {
          out.push(
            `left ${s.address}:${s.port} alone: its owner (pid ${owner ?? '?'}) is not tagged with run ${runId}`,
          );
          continue;
        }
        if (ctx.dryRun) out.push(`would close ${s.address}:${s.port} (pid ${owner})`);
        else if (signal(tagged.pid, 'SIGKILL')) out.push(`closed ${s.address}:${s.port} by killing pid ${owner}`);
      }
    }
    return out;
  },
};

/** Network namespaces (`terratower-<runId>-z<N>`) and links tagged `terratower-run=<runId>` of leftover runs. */
const networkSweeper: Sweeper = {
  name: 'network namespaces',
  async sweep(ctx) {
    const { namespaces } = runNetworkParts();
    const owners = new Set([...namespaces.map((ns) => ownerOfNamespace(ns)!), ...taggedLinks().map((l) => l.runId)]);
    const out: string[] = [];
    for (const runId of [...owners].filter((id) => ctx.isLeftover(id))) {
      if (ctx.dryRun) {
        const parts = runNetworkParts(runId);
        out.push(...[...parts.namespaces, ...parts.links].map((p) => `would remove ${p} of run ${runId}`));
        continue;
      }
      out.push(...removeRunNetwork(runId).map((p) => `removed ${p} of run ${runId}`));
    }
    return out;
  },
};

/** Run dirs of leftover runs (data dirs, logs). */
const runDirSweeper: Sweeper = {
  name: 'run dirs',
  async sweep(ctx) {
    const out: string[] = [];
    for (const runId of listRunIds().filter((id) => ctx.isLeftover(id))) {
      if (ctx.dryRun) {
        out.push(`would remove ${runDir(runId)}`);
        continue;
      }
      if (findTaggedProcesses(runId).length > 0) {
        out.push(`kept ${runDir(runId)}: processes of run ${runId} are still alive`);
        continue;
      }
      rmSync(runDir(runId), { recursive: true, force: true });
      out.push(`removed ${runDir(runId)}`);
    }
    return out;
  },
};

for (const s of [liveTwinSweeper, processSweeper, portSweeper, networkSweeper, runDirSweeper]) registerSweeper(s);

/** Run every sweeper; one failing does not stop the others. */
export async function nuke(options: { all?: boolean; dryRun?: boolean } = {}): Promise<NukeReportEntry[]> {
  const all = options.all ?? false;
  const ctx: NukeContext = {
    all,
    dryRun: options.dryRun ?? false,
    isLeftover: (runId) => all || !daemonAlive(runId),
  };
  const report: NukeReportEntry[] = [];
  for (const s of sweepers) {
    try {
      report.push({ sweeper: s.name, removed: await s.sweep(ctx) });
    } catch (error) {
      report.push({ sweeper: s.name, removed: [], error: (error as Error).message });
    }
  }
  return report;
}
