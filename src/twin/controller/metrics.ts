/**
 * CPU readings for the group controller: from /proc (the member's process and any stress process
 * attached to it), so they need nothing from the apps. Consumer lag comes from the consumers'
 * Prometheus `/metrics` (`METRICS.consumerLag`, read with the harness's Prometheus parser).
 */
import { readFileSync } from 'node:fs';

export { processCpuSeconds } from '../../support/process.ts';

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
