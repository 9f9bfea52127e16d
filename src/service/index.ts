/**
 * The service: HTTP API + durable queue + web UI in one process (`terratower serve`).
 * `startService` opens the store, reads (or creates) the token, recovers runs a killed
 * predecessor left in flight, and listens.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ScenarioDefinition } from '../harness/scenarios/index.ts';
import { SCENARIOS } from '../harness/scenarios/index.ts';
import { cacheDir, REPO_ROOT } from '../support/paths.ts';
import { defaultStoreLocation, openStore, type RunStore } from '../store/index.ts';
import { loadOrCreateToken, redact } from './auth.ts';
import { cleanupInterruptedRun, twinExecutor } from './executor.ts';
import { RunQueue, type RunCleanup, type RunExecutor } from './queue.ts';
import { buildServiceApp } from './server.ts';

export { bearerMatches, loadOrCreateToken, redact } from './auth.ts';
export { RunQueue, type RunExecutor, type ExecutionOutcome, type ExecutionContext } from './queue.ts';
export { LiveRun, type LiveMessage, type LiveStep } from './live.ts';
export { buildServiceApp, BODY_LIMIT_BYTES } from './server.ts';
export { twinExecutor, cleanupInterruptedRun, runReportDir } from './executor.ts';

/** Options of `startService`. */
export interface ServiceOptions {
  /** @default 127.0.0.1 */
  host?: string;
  /** @default 7300; 0 picks a free port */
  port?: number;
  /** Run store location (a SQLite file or s3://…). @default the default store */
  store?: string;
  /** Bearer token file (created 0600 on first start). @default `<cache>/service/token` */
  tokenFile?: string;
  /** Where run reports go. @default `<cache>/service/reports` */
  reportsDir?: string;
  /** Target slots (one run at a time in each). @default [0] */
  slots?: readonly number[];
  /** Scenarios experiments may name besides the shipped ones. */
  extraScenarios?: readonly ScenarioDefinition[];
  /** Replace the twin executor (tests of the HTTP layer). */
  executor?: RunExecutor;
  /** Replace the cleanup of interrupted runs. */
  cleanup?: RunCleanup;
  /** Server log lines. @default stderr */
  log?: (line: string) => void;
  /** Called once a shutdown was asked for and nothing is in flight (after the server closed). */
  onStopped?: () => void;
}

/** A running service. */
export interface Service {
  /** `http://host:port`. */
  url: string;
  token: string;
  tokenFile: string;
  /** The token was generated on this start. */
  tokenCreated: boolean;
  app: FastifyInstance;
  queue: RunQueue;
  store: RunStore;
  /** What recovery did at start, a line per interrupted run. */
  recovered: string[];
  /** Ask for a shutdown as `POST /api/shutdown` does. */
  requestShutdown(): Promise<Record<string, unknown> & { busy: boolean }>;
  /** Stop now: abort runs in flight (rollbacks, destroy), close the server and the store. */
  close(): Promise<void>;
  /** Resolves once the service stopped (after an idle shutdown or `close`). */
  stopped: Promise<void>;
}

/** The default port of `terratower serve`. */
export const DEFAULT_PORT = 7300;

/** Start the service. */
export async function startService(options: ServiceOptions = {}): Promise<Service> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[terratower serve] ${line}\n`));
  const serviceDir = join(cacheDir(), 'service');
  const tokenFile = options.tokenFile ?? join(serviceDir, 'token');
  const reportsDir = options.reportsDir ?? join(serviceDir, 'reports');
  await mkdir(reportsDir, { recursive: true });
  const { token, created } = await loadOrCreateToken(tokenFile);
  const scrub = (line: string): string => redact(line, [token]);
  const say = (line: string): void => log(scrub(line));
  const store = await openStore(options.store ?? defaultStoreLocation());
  const queue = new RunQueue({
    store,
    slots: options.slots ?? [0],
    executor:
      options.executor ??
      twinExecutor({
        store,
        reportsRoot: reportsDir,
        scenarios: [...SCENARIOS, ...(options.extraScenarios ?? [])],
        redact: scrub,
      }),
    cleanup: options.cleanup ?? cleanupInterruptedRun,
    log: say,
  });
  const recovered = await queue.recover();

  let resolveStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      queue.drain();
      await queue.abortAll('the server is stopping');
      await app.close();
      await store.close();
      resolveStopped();
      options.onStopped?.();
    })();
    return closing;
  };
  const host = options.host ?? '127.0.0.1';
  const loopback = host === '127.0.0.1' || host === 'localhost' || host === '::1';
  const app = await buildServiceApp({
    ...(loopback ? { allowedHosts: ['127.0.0.1', 'localhost', '[::1]'] } : {}),
    store,
    queue,
    token,
    webDir: join(REPO_ROOT, 'web'),
    log: say,
    onIdleShutdown: () => void close(),
    ...(options.extraScenarios ? { extraScenarios: options.extraScenarios } : {}),
  });
  await app.listen({ host, port: options.port ?? DEFAULT_PORT });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? DEFAULT_PORT);
  queue.start();
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    token,
    tokenFile,
    tokenCreated: created,
    app,
    queue,
    store,
    recovered,
    requestShutdown: () => app.requestShutdown(),
    close,
    stopped,
  };
}
