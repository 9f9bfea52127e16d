/**
 * One running latency fault: a netdelay process (src/twin/netdelay) that holds the packets
 * between a zone and the others in netfilter queues for the delay, and drops the lost ones. It
 * runs in the root namespace and reaches into the zones' namespaces itself, so one process serves
 * the whole fault; it ends on its own after the fault's seconds, or on SIGTERM, and then says
 * how many packets it held and dropped.
 */
import { spawn } from 'node:child_process';
import type { ZoneLatency } from '../../model/target.ts';
import { signal as sendSignal } from '../../support/process.ts';
import { RUN_ENV } from '../members/types.ts';

/** What netdelay counted, from its last line. */
export interface NetdelayReport {
  /** Packets that entered the queues. */
  queued: number;
  /** Of those, dropped for the loss. */
  dropped: number;
  /** Of those, let through after the delay. */
  delayed: number;
  /** Of those, came in while it was ending and let through at once. */
  undelayed?: number;
  ranMs: number;
  readErrors?: string[];
}

/** A started latency fault. */
export interface RunningLatency {
  zone: string;
  latency: ZoneLatency;
  pid: number;
  startedAt: string;
  /** Resolves when the process has exited, with its counts (undefined when it printed none). */
  ended: Promise<NetdelayReport | undefined>;
  /** End it now (SIGTERM: it lets what it holds through, then removes its rules), and wait for it. */
  stop(): Promise<NetdelayReport | undefined>;
}

/** How long netdelay may take to put its rules in place. */
const READY_TIMEOUT_MS = 15_000;

/** Parses netdelay's report line; undefined for any other line. */
export function parseNetdelayReport(line: string): NetdelayReport | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const r = JSON.parse(line) as Partial<NetdelayReport>;
    if (typeof r.queued !== 'number' || typeof r.dropped !== 'number' || typeof r.delayed !== 'number')
      return undefined;
    return r as NetdelayReport;
  } catch {
    return undefined;
  }
}

/** The arguments netdelay gets for `latency` at the given `--at` sites. */
export function netdelayArgs(latency: ZoneLatency, sites: readonly string[]): string[] {
  return [
    '-delay-ms',
    String(latency.delayMs),
    '-loss-percent',
    String(latency.lossPercent ?? 0),
    '-seconds',
    String(latency.seconds),
    ...sites.flatMap((s) => ['-at', s]),
  ];
}

/**
 * Start netdelay and resolve once its rules are in place ("ready"). Rejects with its own error
 * line when it fails first (no kernel support, a namespace gone), and kills it when it does not
 * get ready in time. The process carries the run's tag, so `nuke` finds it after a crash.
 */
export function startLatency(
  binary: string,
  zone: string,
  latency: ZoneLatency,
  sites: readonly string[],
  runId: string,
): Promise<RunningLatency> {
  const child = spawn(binary, netdelayArgs(latency, sites), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, [RUN_ENV]: runId, TERRATOWER_MEMBER: `latency-${zone}` },
  });
  const pid = child.pid;
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const ended = new Promise<NetdelayReport | undefined>((resolve) => {
    child.once('close', () => resolve(parseNetdelayReport(stdout.trim().split('\n').at(-1) ?? '')));
  });
  return new Promise<RunningLatency>((resolve, reject) => {
    if (pid === undefined) {
      reject(new Error(`netdelay did not start (${binary})`));
      return;
    }
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(() => {
      sendSignal(pid, 'SIGKILL');
      settle(() => reject(new Error(`netdelay did not put its rules in place within ${READY_TIMEOUT_MS / 1000} s`)));
    }, READY_TIMEOUT_MS);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!stdout.startsWith('ready\n')) return;
      settle(() =>
        resolve({
          zone,
          latency,
          pid,
          startedAt: new Date().toISOString(),
          ended,
          stop: async () => {
            sendSignal(pid, 'SIGTERM');
            return ended;
          },
        }),
      );
    });
    child.once('exit', (code, sig) =>
      settle(() =>
        reject(
          new Error(
            stderr.trim().split('\n').at(-1) ||
              `netdelay exited (${code ?? sig}) before it was ready; is the kernel's netfilter queue available?`,
          ),
        ),
      ),
    );
  });
}
