/**
 * App members' health checks, run as an ELB target group runs them and acted on as an Auto
 * Scaling group with `HealthCheckType: ELB` acts on them:
 *
 * - one HTTP GET of `/healthz` per member every `interval`, answered within `timeout` with a 200
 *   or failed (a timeout, a refused connection, any other status);
 * - a member turns unhealthy after `unhealthyThreshold` failed checks in a row, and healthy
 *   again after `healthyThreshold` passes in a row (a new member is in service on its first pass,
 *   as an instance is once launched);
 * - the group replaces an unhealthy member only once its launch is older than the grace period.
 *
 * A time scale speeds up policies (cooldowns, warm-ups, alarm periods) and the check interval,
 * never how long a process takes to boot or to answer: the timeout and the grace are real time.
 * The grace never goes below `APP_BOOT_FLOOR_SECONDS`, the app's measured boot on a loaded 2-core
 * machine with a wide margin.
 */
import type { HealthCheckSettings } from '../../model/target.ts';

export type { HealthCheckSettings } from '../../model/target.ts';

/** An ELB target group's defaults (HTTP): interval 30 s, timeout 5 s, unhealthy 2, healthy 5. */
export const ELB_HEALTH_DEFAULTS = {
  intervalSeconds: 30,
  timeoutSeconds: 5,
  unhealthyThreshold: 2,
  healthyThreshold: 5,
} as const;

/**
 * The grace never goes below this (real seconds). Measured: a consumer answers `/healthz` 0.7–1.6 s
 * after spawn on a 2-core machine at load 10–12 (node + tsx, the HTTP server starts before
 * kafkajs and cassandra-driver load); joining the group and the first fetch take a few seconds
 * more. 20 s leaves a wide margin.
 */
export const APP_BOOT_FLOOR_SECONDS = 20;

/** The checks the twin runs for an app group, from the spec's grace and the time scale. */
export function appHealthChecks(graceSeconds: number, timeScale: number): HealthCheckSettings {
  const ts = Math.max(timeScale, 1e-9);
  return {
    type: 'ELB',
    path: '/healthz',
    // Scaled like any period, but never below 1 s: a check cannot come round faster than it answers.
    intervalSeconds: Math.max(1, ELB_HEALTH_DEFAULTS.intervalSeconds / ts),
    timeoutSeconds: ELB_HEALTH_DEFAULTS.timeoutSeconds,
    unhealthyThreshold: ELB_HEALTH_DEFAULTS.unhealthyThreshold,
    healthyThreshold: ELB_HEALTH_DEFAULTS.healthyThreshold,
    graceSeconds: Math.max(APP_BOOT_FLOOR_SECONDS, graceSeconds),
    timeScale,
  };
}

/** One check's outcome. */
export interface CheckOutcome {
  ok: boolean;
  /** How long it took, ms. */
  ms: number;
  /** Why it failed: "timed out after 5.0 s", "HTTP 503", "connection refused". */
  why?: string;
}

/** A member's health-check record: consecutive results and the last few outcomes. */
export class HealthRecord {
  /** Failed checks in a row (0 after a pass). */
  failures = 0;
  /** Passed checks in a row (0 after a failure). */
  passes = 0;
  /** Whether the member is unhealthy (crossed the unhealthy threshold, not yet healthy again). */
  unhealthy = false;
  /** Whether any check ever passed. */
  everPassed = false;
  /** When the last check started, ms (0: never). */
  lastCheckAtMs = 0;
  /** The last outcomes, newest last (at most 6). */
  readonly recent: CheckOutcome[] = [];

  constructor(private readonly thresholds: { unhealthyThreshold: number; healthyThreshold: number }) {}

  /** Record one check's outcome; returns whether the member's health changed. */
  record(outcome: CheckOutcome): boolean {
    this.recent.push(outcome);
    if (this.recent.length > 6) this.recent.shift();
    const was = this.unhealthy;
    if (outcome.ok) {
      this.passes += 1;
      this.failures = 0;
      // A member's first pass makes it healthy at once (it is in service once launched); one that
      // turned unhealthy needs the healthy threshold.
      if (!this.everPassed || this.passes >= this.thresholds.healthyThreshold) this.unhealthy = false;
      this.everPassed = true;
    } else {
      this.failures += 1;
      this.passes = 0;
      if (this.failures >= this.thresholds.unhealthyThreshold) this.unhealthy = true;
    }
    return was !== this.unhealthy;
  }

  /** The recent outcomes in words, for the replacement's cause. */
  describe(): string {
    return this.recent.map((o) => (o.ok ? `ok ${(o.ms / 1000).toFixed(1)} s` : (o.why ?? 'failed'))).join(', ');
  }
}

/** Whether a check is due: the interval since the last one started has passed. */
export function checkDue(record: HealthRecord, nowMs: number, settings: HealthCheckSettings): boolean {
  return nowMs - record.lastCheckAtMs >= (settings.intervalSeconds ?? ELB_HEALTH_DEFAULTS.intervalSeconds) * 1000;
}

/** GET `url` within the timeout: a 200 passes, anything else fails with a reason. */
export async function httpCheck(url: string, timeoutSeconds: number): Promise<CheckOutcome> {
  const started = Date.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutSeconds * 1000) });
    await res.arrayBuffer().catch(() => undefined);
    const ms = Date.now() - started;
    return res.status === 200 ? { ok: true, ms } : { ok: false, ms, why: `HTTP ${res.status}` };
  } catch (error) {
    const ms = Date.now() - started;
    const e = error as Error & { cause?: { code?: string } };
    const why =
      e.name === 'TimeoutError' || e.name === 'AbortError'
        ? `timed out after ${timeoutSeconds.toFixed(1)} s`
        : e.cause?.code === 'ECONNREFUSED'
          ? 'connection refused'
          : `${e.cause?.code ?? e.message}`;
    return { ok: false, ms, why };
  }
}
