/**
 * `terratower serve`'s HTTP API and web UI on Fastify. Reads are open (the server binds
 * 127.0.0.1 unless told otherwise); everything that changes state needs the bearer token.
 * Experiments are validated exactly like the CLI's experiment files before anything is queued;
 * runs go through the durable queue (./queue.ts) in the run store.
 */
import { realpath, readFile, readdir } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve, sep } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import {
  ExperimentError,
  experimentDefinition,
  validateExperiment,
  type Experiment,
  type ExperimentIssue,
} from '../experiment/file.ts';
import { buildComparison } from '../experiment/compare.ts';
import { renderComparisonHtml } from '../experiment/report.ts';
import { newExperimentId } from '../experiment/run.ts';
import { SCENARIOS, type ScenarioDefinition } from '../harness/scenarios/index.ts';
import { isRunId, newRunId } from '../spec/run-id.ts';
import {
  FIGURES,
  RUN_RECORD_VERSION,
  RUN_STATUSES,
  type ExperimentRecord,
  type RunFilter,
  type RunRecord,
  type RunStore,
  type StoredRunStatus,
} from '../store/index.ts';
import { bearerMatches, redact } from './auth.ts';
import type { LiveMessage } from './live.ts';
import { createMetrics } from './metrics.ts';
import type { RunQueue } from './queue.ts';

/** Largest request body accepted (an experiment file is a few hundred bytes). */
export const BODY_LIMIT_BYTES = 64 * 1024;

/** Options of the HTTP app. */
export interface ServiceAppOptions {
  store: RunStore;
  queue: RunQueue;
  /** The bearer token mutating requests must carry. */
  token: string;
  /** Scenarios experiments may name, besides the shipped ones. */
  extraScenarios?: readonly ScenarioDefinition[];
  /** Directory of the web UI's static files. */
  webDir: string;
  /** Called once a shutdown was asked for and nothing is in flight any more. */
  onIdleShutdown: () => void;
  /** Server log lines (one per request and per run transition; never a header or a body). */
  log?: (line: string) => void;
  /**
   * Host names requests may name in their Host header (a loopback-bound server accepts only
   * loopback names: a web page cannot reach it through DNS rebinding). @default any
   */
  allowedHosts?: readonly string[];
}

/** The body of every error answer. */
interface ErrorBody {
  error: string;
  issues?: ExperimentIssue[];
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Whether `child` (absolute) lies inside directory `parent` (absolute). */
function inside(parent: string, child: string): boolean {
  return child.startsWith(parent.endsWith(sep) ? parent : parent + sep);
}

/** The files of the web UI (a fixed list read at start: nothing else under the directory is served). */
async function webFiles(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const name of await readdir(dir)) if (CONTENT_TYPES[extname(name)]) files.set(name, join(dir, name));
  return files;
}

/** Median of finished wall times, or undefined. */
function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** Build the Fastify app (not listening yet). */
export async function buildServiceApp(options: ServiceAppOptions): Promise<FastifyInstance> {
  const { store, queue, token } = options;
  const log = options.log ?? (() => undefined);
  const scenarios = [...SCENARIOS, ...(options.extraScenarios ?? [])];
  const metrics = createMetrics(store, () => queue.running().length);
  const web = await webFiles(options.webDir);
  let shutdownAsked = false;

  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT_BYTES,
    // Answers are small; do not let a slow client hold a socket forever.
    requestTimeout: 30_000,
    ajv: { customOptions: { allErrors: true, coerceTypes: true, removeAdditional: false } },
  });

  const started = new WeakMap<FastifyRequest, bigint>();
  app.addHook('onRequest', async (request, reply) => {
    started.set(request, process.hrtime.bigint());
    if (options.allowedHosts) {
      const hostname = (request.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
      if (!options.allowedHosts.includes(hostname)) {
        reply.code(403).send({
          error: `Host "${hostname}" is not this server's: use http://127.0.0.1:PORT (or start it with --host)`,
        } satisfies ErrorBody);
        return;
      }
    }
    if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS') return;
    if (!bearerMatches(request.headers.authorization, token)) {
      reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .send({
          error:
            'missing or wrong bearer token: send "Authorization: Bearer TOKEN" with the token from the file `terratower serve` printed',
        } satisfies ErrorBody);
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const t0 = started.get(request);
    const seconds = t0 === undefined ? 0 : Number(process.hrtime.bigint() - t0) / 1e9;
    metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.requestSeconds.observe({ method: request.method, route }, seconds);
    if (route !== '/metrics' && route !== '/healthz' && request.method !== 'GET')
      log(`${request.method} ${route} ${reply.statusCode} ${(seconds * 1000).toFixed(1)} ms`);
  });
  app.setErrorHandler(
    (error: Error & { statusCode?: number; code?: string; validation?: unknown }, _request, reply) => {
      if (error.statusCode === 413 || error.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
        return reply
          .code(413)
          .send({ error: `request body over ${BODY_LIMIT_BYTES} bytes: send a smaller experiment` });
      if (error.validation)
        return reply.code(400).send({ error: `invalid request: ${error.message}` } satisfies ErrorBody);
      if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500)
        return reply.code(error.statusCode).send({ error: error.message.split('\n')[0] ?? 'bad request' });
      log(`error: ${redact(error.message.split('\n')[0] ?? '')}`);
      return reply.code(500).send({ error: 'internal error (see the server log)' });
    },
  );
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'not found' }));

  const notFound = (reply: FastifyReply, what = 'no such run'): FastifyReply => reply.code(404).send({ error: what });

  // --- health and metrics ---------------------------------------------------------------
  app.get('/healthz', async () => ({
    ok: true,
    draining: queue.isDraining,
    inFlight: queue.running().map((f) => f.run.id),
  }));
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  // --- what the UI needs to build its form ---------------------------------------------
  app.get('/api/meta', async () => ({
    scenarios: scenarios.map((s) => ({ name: s.name, description: s.description })),
    figures: FIGURES,
    statuses: RUN_STATUSES,
  }));

  // --- experiments ---------------------------------------------------------------------
  app.post('/api/experiments', { schema: { body: { type: 'object' } } }, async (request, reply) => {
    if (queue.isDraining || shutdownAsked)
      return reply.code(503).send({ error: 'the server is shutting down and takes no new work: start it again' });
    let experiment: Experiment;
    try {
      experiment = validateExperiment(request.body, { scenarios: options.extraScenarios ?? [] });
    } catch (error) {
      if (error instanceof ExperimentError)
        return reply.code(400).send({ error: 'invalid experiment', issues: error.issues } satisfies ErrorBody);
      throw error;
    }
    const issues: ExperimentIssue[] = [];
    if (experiment.target !== 'local')
      issues.push({ path: 'target', message: 'this server runs experiments on the local twin: use target local' });
    if (experiment.mode === 'parallel')
      issues.push({
        path: 'mode',
        message: 'this server runs variants interleaved, one run per slot at a time: use mode interleaved',
      });
    if (issues.length > 0) return reply.code(400).send({ error: 'invalid experiment', issues } satisfies ErrorBody);

    const now = Date.now();
    const experimentId = newExperimentId();
    const runs: RunRecord[] = [];
    // Interleaved: repetition 1 of every variant, then repetition 2, … (A B A B): drift hits each alike.
    for (let rep = 1; rep <= experiment.repetitions; rep++)
      for (const variant of experiment.variants)
        for (const def of experiment.scenarios) {
          const spec = variant.specs[def.name];
          if (!spec) continue;
          runs.push({
            schemaVersion: RUN_RECORD_VERSION,
            id: newRunId('local'),
            kind: 'experiment',
            scenario: def.name,
            target: 'local',
            status: 'queued',
            // Queue order is creation order: one millisecond apart.
            createdAt: new Date(now + runs.length).toISOString(),
            spec,
            figures: {},
            ...(experiment.seed !== undefined ? { seed: experiment.seed } : {}),
            experiment: {
              id: experimentId,
              name: experiment.name,
              variant: variant.name,
              repetition: rep,
              mode: 'interleaved',
            },
          });
        }
    const record: ExperimentRecord = {
      schemaVersion: RUN_RECORD_VERSION,
      id: experimentId,
      name: experiment.name,
      createdAt: new Date(now).toISOString(),
      status: 'queued',
      definition: experimentDefinition(experiment),
      mode: 'interleaved',
      modeReason: 'the service runs one run per target slot at a time',
      runIds: runs.map((r) => r.id),
    };
    await store.putExperiment(record);
    for (const r of runs) await store.putRun(r);
    log(`experiment ${experimentId} (${experiment.name}): ${runs.length} run(s) queued`);
    queue.kick();
    return reply.code(202).send({ experiment: experimentId, runs: runs.map((r) => r.id) });
  });

  app.get('/api/experiments', async () => ({ experiments: await store.listExperiments({ limit: 100 }) }));
  app.get<{ Params: { id: string } }>('/api/experiments/:id', async (request, reply) => {
    if (!isRunId(request.params.id)) return notFound(reply, 'no such experiment');
    const e = await store.getExperiment(request.params.id);
    return e ?? notFound(reply, 'no such experiment');
  });

  // --- runs ----------------------------------------------------------------------------
  app.get<{
    Querystring: {
      status?: string;
      scenario?: string;
      experiment?: string;
      kind?: 'scenario' | 'experiment';
      limit: number;
      offset: number;
    };
  }>(
    '/api/runs',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', pattern: `^(${RUN_STATUSES.join('|')})(,(${RUN_STATUSES.join('|')}))*$` },
            scenario: { type: 'string', maxLength: 64 },
            experiment: { type: 'string', maxLength: 64 },
            kind: { type: 'string', enum: ['scenario', 'experiment'] },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
            offset: { type: 'integer', minimum: 0, default: 0 },
          },
        },
      },
    },
    async (request) => {
      const q = request.query;
      const filter: RunFilter = { limit: q.limit, offset: q.offset };
      if (q.status) filter.status = q.status.split(',') as StoredRunStatus[];
      if (q.scenario) filter.scenario = q.scenario;
      if (q.experiment) filter.experimentId = q.experiment;
      if (q.kind) filter.kind = q.kind;
      const runs = await store.listRuns(filter);
      return { runs, limit: q.limit, offset: q.offset, inFlight: queue.running().map((f) => f.run.id) };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { detail?: boolean } }>(
    '/api/runs/:id',
    { schema: { querystring: { type: 'object', properties: { detail: { type: 'boolean' } } } } },
    async (request, reply) => {
      const { id } = request.params;
      if (!isRunId(id)) return notFound(reply);
      const run = await store.getRun(id, { detail: request.query.detail === true || undefined });
      if (!run) return notFound(reply);
      const live = queue.live(id);
      const flight = queue.running().find((f) => f.run.id === id);
      return {
        ...run,
        ...(flight ? { slot: flight.slot } : {}),
        ...(live
          ? {
              live: {
                steps: live.steps,
                events: live.events,
                lines: live.lines.slice(-200),
                samples: live.samples.length,
              },
            }
          : {}),
      };
    },
  );

  app.get<{ Params: { id: string } }>('/api/runs/:id/events', async (request, reply) => {
    const { id } = request.params;
    if (!isRunId(id)) return notFound(reply);
    const run = await store.getRun(id);
    if (!run) return notFound(reply);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    metrics.streams.inc();
    let closed = false;
    let unsubscribe: () => void = () => undefined;
    let poll: NodeJS.Timeout | undefined;
    const send = (m: LiveMessage): void => {
      if (!closed) raw.write(`event: ${m.type}\ndata: ${JSON.stringify(m)}\n\n`);
    };
    const heartbeat = setInterval(() => {
      if (!closed) raw.write(': keep-alive\n\n');
    }, 15_000);
    const end = (): void => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      if (poll) clearTimeout(poll);
      unsubscribe();
      metrics.streams.dec();
      raw.end();
    };
    raw.on('close', end);
    const finished = (status: string): boolean => status !== 'queued' && status !== 'running';
    const attach = async (): Promise<void> => {
      if (closed) return;
      const live = queue.live(id);
      if (live) {
        for (const m of live.replay()) send(m);
        if (finished(live.status)) {
          send({ type: 'status', status: live.status, at: new Date().toISOString() });
          end();
          return;
        }
        send({ type: 'status', status: 'running', at: new Date().toISOString() });
        unsubscribe = live.subscribe((m) => {
          send(m);
          if (m.type === 'status' && finished(m.status)) end();
        });
        return;
      }
      const current = await store.getRun(id);
      const status = current?.status ?? 'unknown';
      send({ type: 'status', status, at: new Date().toISOString() });
      if (status === 'queued' || status === 'running') poll = setTimeout(() => void attach(), 1000);
      else end();
    };
    await attach();
  });

  const serveReportFile = async (id: string, file: string, reply: FastifyReply): Promise<FastifyReply> => {
    if (!isRunId(id)) return notFound(reply);
    const run = await store.getRun(id);
    if (!run?.reportHtml) return notFound(reply, 'this run has no report (yet)');
    // The run's directory is where its report.html is; nothing outside it is served.
    let dir: string;
    let path: string;
    try {
      dir = await realpath(dirname(run.reportHtml));
      path = await realpath(resolve(dir, file));
    } catch {
      return notFound(reply, 'no such report file');
    }
    if (!inside(dir, path) || !CONTENT_TYPES[extname(path)]) return notFound(reply, 'no such report file');
    reply.header('content-type', CONTENT_TYPES[extname(path)]);
    reply.header(
      'content-security-policy',
      "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:",
    );
    return reply.send(await readFile(path));
  };
  app.get<{ Params: { id: string } }>('/api/runs/:id/report', async (request, reply) =>
    serveReportFile(request.params.id, 'report.html', reply),
  );
  app.get<{ Params: { id: string; file: string } }>('/api/runs/:id/report/:file', async (request, reply) =>
    serveReportFile(request.params.id, request.params.file, reply),
  );

  // The comparison report of the experiment layer, for runs picked from the store.
  app.get<{ Querystring: { runs: string } }>(
    '/api/compare',
    {
      schema: {
        querystring: {
          type: 'object',
          required: ['runs'],
          properties: { runs: { type: 'string', pattern: '^[a-z0-9-]+(,[a-z0-9-]+){1,49}$' } },
        },
      },
    },
    async (request, reply) => {
      const ids = [...new Set(request.query.runs.split(','))];
      const runs: RunRecord[] = [];
      for (const id of ids) {
        const run = isRunId(id) ? await store.getRun(id, { detail: true }) : undefined;
        if (!run) return notFound(reply, `no run ${id}`);
        runs.push(run);
      }
      const comparison = buildComparison(runs, { title: `comparison of ${runs.length} runs` });
      const html = renderComparisonHtml(comparison, runs, options.webDir, (r) => `/api/runs/${r.id}/report`);
      reply.header('content-type', CONTENT_TYPES['.html']);
      reply.header(
        'content-security-policy',
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:",
      );
      return reply.send(html);
    },
  );

  app.post<{ Params: { id: string } }>('/api/runs/:id/cancel', async (request, reply) => {
    const { id } = request.params;
    if (!isRunId(id)) return notFound(reply);
    const result = await queue.cancel(id);
    if (result === 'not-found') return notFound(reply);
    if (result === 'already-finished') {
      const run = await store.getRun(id);
      return reply.code(409).send({ error: `run ${id} is ${run?.status ?? 'finished'}: nothing to cancel` });
    }
    return reply.code(202).send({ id, status: result });
  });

  // --- shutdown ------------------------------------------------------------------------
  app.post('/api/shutdown', async (_request, reply) => {
    const answer = await requestShutdown();
    return reply.code(answer.busy ? 409 : 202).send(answer);
  });

  /** Stop taking new work; once idle, call `onIdleShutdown`. What to answer the asker. */
  async function requestShutdown(): Promise<Record<string, unknown> & { busy: boolean }> {
    const first = !shutdownAsked;
    shutdownAsked = true;
    queue.drain();
    const flying = queue.running();
    if (first) {
      log(
        flying.length === 0
          ? 'shutdown asked: idle, stopping'
          : `shutdown asked: waiting for ${flying.map((f) => f.run.id).join(', ')}; no new runs start`,
      );
      void queue.whenIdle().then(() => options.onIdleShutdown());
    }
    if (flying.length === 0) return { busy: false, stopping: true };
    const runs = [];
    for (const f of flying) {
      const previous = await store.listRuns({ scenario: f.run.scenario, status: ['passed', 'failed'], limit: 20 });
      const typical = median(previous.map((r) => r.wallSeconds).filter((w): w is number => typeof w === 'number'));
      const elapsed = Math.round((Date.now() - f.startedAt) / 1000);
      runs.push({
        id: f.run.id,
        scenario: f.run.scenario,
        slot: f.slot,
        elapsedSeconds: elapsed,
        // Earlier runs' scenario wall time plus about two minutes for deploy and destroy.
        estimatedRemainingSeconds: typical === undefined ? null : Math.max(0, Math.round(typical + 120 - elapsed)),
        estimateBasis:
          typical === undefined
            ? `no finished ${f.run.scenario} run in the store to estimate from`
            : `median wall time of ${previous.length} earlier ${f.run.scenario} run(s) + 120 s deploy/destroy`,
      });
    }
    return {
      busy: true,
      error: 'a run is in flight: the server takes no new work and stops once it has finished',
      runs,
    };
  }
  app.decorate('requestShutdown', requestShutdown);

  // --- the web UI ----------------------------------------------------------------------
  const sendWeb = async (name: string, reply: FastifyReply): Promise<FastifyReply> => {
    const path = web.get(name);
    if (!path) return notFound(reply, 'not found');
    reply.header('content-type', CONTENT_TYPES[extname(name)]);
    reply.header(
      'content-security-policy',
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-src 'self'; connect-src 'self'",
    );
    return reply.send(await readFile(path));
  };
  app.get('/', async (_request, reply) => sendWeb('index.html', reply));
  app.get<{ Params: { file: string } }>('/ui/:file', async (request, reply) =>
    sendWeb(basename(request.params.file) === request.params.file ? request.params.file : '', reply),
  );

  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Ask the service to stop: 409-style answer while busy; calls `onIdleShutdown` once idle. */
    requestShutdown: () => Promise<Record<string, unknown> & { busy: boolean }>;
  }
}
