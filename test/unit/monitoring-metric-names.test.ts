/**
 * The monitoring metric map agrees with what the apps really register: each app's registry is
 * built with the apps' own code and its metric names and types are compared to METRICS.
 */
import type { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { consumerMetrics } from '../../apps/consumer/metrics.ts';
import { producerMetrics } from '../../apps/producer/metrics.ts';
import { createRegistry } from '../../apps/shared/metrics.ts';
import { APP_METRICS, LABELS, METRICS } from '../../src/spec/metric-names.ts';

async function exported(registry: Registry): Promise<Map<string, { type: string; labels: string[] }>> {
  const out = new Map<string, { type: string; labels: string[] }>();
  for (const metric of await registry.getMetricsAsJSON()) {
    const labels = [...new Set(metric.values.flatMap((v) => Object.keys(v.labels ?? {})))];
    out.set(metric.name, { type: String(metric.type), labels });
  }
  return out;
}

describe('metric names', () => {
  it('every producer metric the dashboards use is registered by the producer', async () => {
    const registry = createRegistry('producer', 'producers-1');
    producerMetrics(registry);
    const names = await exported(registry);
    for (const name of APP_METRICS.producers) expect(names.has(name), name).toBe(true);
    registry.clear();
  });

  it('every consumer metric the dashboards use is registered by the consumer, with the right type and labels', async () => {
    const registry = createRegistry('consumer', 'consumers-1');
    const m = consumerMetrics(registry);
    m.partitionLag.set({ partition: '3' }, 10);
    const names = await exported(registry);
    for (const name of APP_METRICS.consumers) expect(names.has(name), name).toBe(true);
    expect(names.get(METRICS.consumerWriteLatency)?.type).toBe('histogram');
    expect(names.get(METRICS.consumerLag)?.type).toBe('gauge');
    expect(names.get(METRICS.consumerPartitionLag)?.labels).toContain(LABELS.partition);
    registry.clear();
  });
});
