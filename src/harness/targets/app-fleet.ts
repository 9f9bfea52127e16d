/**
 * The harness's side of the apps' HTTP API, shared by both targets: scrape `/metrics` of every
 * producer and consumer in service, and hold the producer fleet at a total rate through
 * `POST /admin/rate` — re-applied to members that joined (scale-out, replacements) since.
 */
import type { GroupName } from '../../spec/index.ts';
import { APP_METRICS, scrape, type MemberReading } from '../metrics/collector.ts';
import { sumOf } from '../../support/prometheus-text.ts';

/** An app member the harness can reach over HTTP. */
export interface AppEndpoint {
  group: Extract<GroupName, 'producers' | 'consumers'>;
  memberId: string;
  /** `http://host:port` of its app server. */
  baseUrl: string;
}

/** Scrape every member's `/metrics` (in parallel, short timeout). Members that do not answer have no samples. */
export async function scrapeApps(members: readonly AppEndpoint[], timeoutMs = 800): Promise<MemberReading[]> {
  return Promise.all(
    members.map(async (m): Promise<MemberReading> => {
      const samples = await scrape(`${m.baseUrl}/metrics`, timeoutMs);
      return samples ? { group: m.group, memberId: m.memberId, samples } : { group: m.group, memberId: m.memberId };
    }),
  );
}

/** Split a total rate over `n` producers (whole records/s that add up to the total). */
export function splitRate(total: number, n: number): number[] {
  if (n <= 0) return [];
  const base = Math.floor(total / n);
  return Array.from({ length: n }, (_, i) => base + (i < total - base * n ? 1 : 0));
}

/** Holds the producers at a total rate. */
export class LoadControl {
  private total: number | undefined;

  /** The total last asked for (undefined before the first `set`). */
  get current(): number | undefined {
    return this.total;
  }

  /** Set the total and push each producer's share now. Throws if no producer took it. */
  async set(total: number, producers: readonly AppEndpoint[]): Promise<void> {
    this.total = Math.max(0, Math.round(total));
    const failures = await this.push(producers);
    if (producers.length > 0 && failures.length === producers.length) {
      throw new Error(`no producer accepted the rate: ${failures.join('; ')}`);
    }
  }

  /**
   * Re-apply the shares to producers whose current limit (from their last scrape) differs: a
   * member launched after `set` starts at its configured rate.
   */
  async reconcile(producers: readonly AppEndpoint[], readings: readonly MemberReading[]): Promise<void> {
    if (this.total === undefined) return;
    const rates = this.rates(producers.length);
    const stale = producers.filter((p, i) => {
      const samples = readings.find((r) => r.memberId === p.memberId)?.samples;
      if (!samples) return false;
      return sumOf(samples, 'terratower_producer_rate_limit') !== rates[i];
    });
    if (stale.length > 0) await this.push(producers);
  }

  /** Each producer's rate. A share of 0 would mean "unlimited" to the app: 1 record/s is the floor. */
  private rates(n: number): number[] {
    return splitRate(this.total ?? 0, n).map((share) => (this.total === 0 ? 0 : Math.max(1, share)));
  }

  private async push(producers: readonly AppEndpoint[]): Promise<string[]> {
    const rates = this.rates(producers.length);
    const failures: string[] = [];
    await Promise.all(
      producers.map(async (p, i) => {
        const rate = rates[i]!;
        try {
          const res = await fetch(`${p.baseUrl}/admin/rate`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ recordsPerSecond: rate }),
            signal: AbortSignal.timeout(2000),
          });
          if (!res.ok) failures.push(`${p.memberId}: HTTP ${res.status}`);
        } catch (error) {
          failures.push(`${p.memberId}: ${(error as Error).message}`);
        }
      }),
    );
    return failures;
  }
}

export { APP_METRICS };
