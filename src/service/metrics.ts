/** The service's Prometheus metrics (`GET /metrics`): requests, runs by status, queue, streams, process. */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { RUN_STATUSES, type RunStore } from '../store/index.ts';

/** The metrics of one service instance (their own registry: two servers in one process do not mix). */
export interface ServiceMetrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  requestSeconds: Histogram<'method' | 'route'>;
  streams: Gauge;
}

/** Create the registry; `runs` and `queue` gauges read the store at scrape time. */
export function createMetrics(store: RunStore, inFlight: () => number): ServiceMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'terratower_service_' });
  const requests = new Counter({
    name: 'terratower_service_http_requests_total',
    help: 'HTTP requests answered, by method, route and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const requestSeconds = new Histogram({
    name: 'terratower_service_http_request_duration_seconds',
    help: 'Time to answer an HTTP request (event streams: until the headers are sent)',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const streams = new Gauge({
    name: 'terratower_service_event_streams',
    help: 'Open GET /api/runs/:id/events streams',
    registers: [registry],
  });
  new Gauge({
    name: 'terratower_service_runs',
    help: 'Runs in the store, by status',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const runs = await store.listRuns({ limit: 100_000 });
      for (const s of RUN_STATUSES) this.set({ status: s }, runs.filter((r) => r.status === s).length);
    },
  });
  new Gauge({
    name: 'terratower_service_runs_in_flight',
    help: 'Runs executing now',
    registers: [registry],
    collect() {
      this.set(inFlight());
    },
  });
  return { registry, requests, requestSeconds, streams };
}
