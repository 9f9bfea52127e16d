/**
 * CPU readings for the group controller: from /proc (the member's process and any stress process
 * attached to it), so they need nothing from the apps. Consumer lag comes from the consumers'
 * Prometheus `/metrics` (`METRICS.consumerLag`, read with the harness's Prometheus parser).
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (Linux: 100 on every common build). */
const CLK_TCK = 100;

/** CPU seconds (user + system) a process has used, or undefined when it is gone. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
    return (utime + stime) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** Resident set size of a process in bytes, or undefined when it is gone. */
export function processRssBytes(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return undefined;
  }
}

/** Turns successive CPU-seconds readings into a percent of one core. */
export class CpuMeter {
  private last = new Map<string, { cpu: number; atMs: number }>();

  /** Record a reading for `key`; returns the percent since the previous reading, if any. */
  sample(key: string, cpuSeconds: number, nowMs: number): number | undefined {
    const prev = this.last.get(key);
    this.last.set(key, { cpu: cpuSeconds, atMs: nowMs });
    if (!prev || nowMs <= prev.atMs || cpuSeconds < prev.cpu) return undefined;
    return ((cpuSeconds - prev.cpu) / ((nowMs - prev.atMs) / 1000)) * 100;
  }

  /** Forget a key (its member is gone). */
  forget(key: string): void {
    this.last.delete(key);
  }
}
