/**
 * The service's HTTP layer, queue and security on a real server (Fastify on 127.0.0.1, a real
 * SQLite store in a temp dir). The executor here is the queue's plug-in point: it stands in for
 * the twin (which the browser test in test/integration runs for real) so these checks take
 * seconds: one run at a time, cancel, shutdown, recovery, auth, limits, paths.
 */
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT_BYTES, startService, type Service } from '../../src/service/index.ts';
import type { RunExecutor } from '../../src/service/queue.ts';
import { RUN_RECORD_VERSION, openStore, type RunRecord } from '../../src/store/index.ts';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tt-service-unit-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const services: Service[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
});

/** An executor whose runs end when the test says so; it records how many ran at once. */
function gatedExecutor() {
  const gates = new Map<string, () => void>();
  const started: string[] = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  const executor: RunExecutor = async (run, { signal, live }) => {
    started.push(run.id);
    concurrent++;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    live.line('terraform apply: local twin');
    live.line('step 1/2: spike: load ×5');
    live.sample({ t: 1, produced: 100, consumed: 90, lag: 10, errors: 0, deadLettered: 0, cpu: {}, groups: {} });
    try {
      await new Promise<void>((resolve) => {
        gates.set(run.id, resolve);
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
    } finally {
      concurrent--;
    }
    live.line('step 2/2: spike over');
    return signal.aborted ? { status: 'interrupted', error: 'aborted' } : { status: 'passed' };
  };
  return {
    executor,
    started,
    maxConcurrent: () => maxConcurrent,
    release: (id: string) => gates.get(id)?.(),
    waitStarted: async (id: string) => {
      for (let i = 0; i < 200 && !gates.has(id); i++) await new Promise((r) => setTimeout(r, 20));
      expect(gates.has(id)).toBe(true);
    },
  };
}

async function start(name: string, over: Partial<Parameters<typeof startService>[0]> = {}) {
  const base = join(dir, name);
  const lines: string[] = [];
  const gate = gatedExecutor();
  const service = await startService({
    port: 0,
    store: join(base, 'runs.db'),
    tokenFile: join(base, 'token'),
    reportsDir: join(base, 'reports'),
    executor: gate.executor,
    cleanup: async (id) => `destroyed ${id}`,
    log: (l) => lines.push(l),
    ...over,
  });
  services.push(service);
  const call = async (path: string, init: RequestInit & { auth?: string | null } = {}) => {
    const headers: Record<string, string> = { ...(init.headers as Record<string, string>) };
    const auth = init.auth === undefined ? `Bearer ${service.token}` : init.auth;
    if (auth !== null && init.method && init.method !== 'GET') headers.authorization = auth;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${service.url}${path}`, { ...init, headers });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {}
    return {
      status: res.status,
      body: body as Record<string, unknown> & { issues?: { path: string; message: string }[] },
    };
  };
  return { service, lines, gate, call, base };
}

const experiment = {
  name: 'rf3-vs-rf2',
  scenarios: ['broker-loss'],
  repetitions: 1,
  variants: { rf3: {}, rf2: { kafka: { replicationFactor: 2, minInSyncReplicas: 1 } } },
};

async function waitFor<T>(fn: () => Promise<T | undefined> | T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 250; i++) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('terratower serve: security', () => {
  it('binds 127.0.0.1 and writes the token to a 0600 file on first start, reads it back later', async () => {
    const { service, base } = await start('token');
    expect(service.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(service.tokenCreated).toBe(true);
    expect((await stat(join(base, 'token'))).mode & 0o777).toBe(0o600);
    const token = service.token;
    await service.close();
    services.length = 0;
    const again = await start('token');
    expect(again.service.tokenCreated).toBe(false);
    expect(again.service.token).toBe(token);
  });

  it('answers 401 to a mutating request without the token or with a wrong one, and creates nothing', async () => {
    const { call, service } = await start('auth');
    for (const auth of [null, 'Bearer wrong', `Bearer ${service.token}x`, service.token, `Basic ${service.token}`]) {
      const res = await call('/api/experiments', { method: 'POST', body: JSON.stringify(experiment), auth });
      expect(res.status, String(auth)).toBe(401);
    }
    expect((await call('/api/runs/local-x/cancel', { method: 'POST', auth: null })).status).toBe(401);
    expect((await call('/api/shutdown', { method: 'POST', auth: 'Bearer nope' })).status).toBe(401);
    expect(await service.store.listRuns()).toEqual([]);
    expect(await service.store.listExperiments()).toEqual([]);
  });

  it('answers 403 to a Host header that is not loopback (DNS rebinding)', async () => {
    const { service } = await start('host');
    const evil = await service.app.inject({ method: 'GET', url: '/api/runs', headers: { host: 'evil.example:7300' } });
    expect(evil.statusCode).toBe(403);
    const ok = await service.app.inject({ method: 'GET', url: '/api/runs', headers: { host: '127.0.0.1:7300' } });
    expect(ok.statusCode).toBe(200);
  });

  it('answers 413 to an oversized body and creates nothing', async () => {
    const { call, service } = await start('size');
    const big = { ...experiment, description: 'x'.repeat(BODY_LIMIT_BYTES + 10) };
    const res = await call('/api/experiments', { method: 'POST', body: JSON.stringify(big) });
    expect(res.status).toBe(413);
    expect(await service.store.listRuns()).toEqual([]);
  });

  it('answers 400 to an invalid experiment with every problem (path and fix), and creates nothing', async () => {
    const { call, service } = await start('invalid');
    const res = await call('/api/experiments', {
      method: 'POST',
      body: JSON.stringify({
        name: 'Bad Name',
        scenarios: ['no-such'],
        repetitions: 0,
        variants: { a: { kafka: { replicationFactor: 9 } }, b: {} },
      }),
    });
    expect(res.status).toBe(400);
    const paths = res.body.issues!.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['name', 'scenarios[0]', 'repetitions']));
    for (const i of res.body.issues!) expect(i.message.length).toBeGreaterThan(10);
    // The service's own rules come on top of the file's.
    const aws = await call('/api/experiments', {
      method: 'POST',
      body: JSON.stringify({ ...experiment, target: 'aws' }),
    });
    expect(aws.status).toBe(400);
    expect(aws.body.issues!.map((i) => i.path)).toEqual(['target']);
    const notObject = await call('/api/experiments', { method: 'POST', body: '[1,2]' });
    expect(notObject.status).toBe(400);
    expect(await service.store.listRuns()).toEqual([]);
    expect(await service.store.listExperiments()).toEqual([]);
  });

  it('answers 404 to ../ in a path and never serves a file outside the run directory', async () => {
    const { call, service, base } = await start('paths');
    // A finished run whose report directory holds report.html; a secret beside it; a symlink out.
    const runDir = join(base, 'reports', 'local-20261128-000000-aaaaaa');
    await mkdir(runDir, { recursive: true });
    await writeFile(join(runDir, 'report.html'), '<html>report</html>');
    await writeFile(join(base, 'reports', 'secret.json'), '{"secret":true}');
    await symlink(join(base, 'token'), join(runDir, 'escape.json'));
    const run: RunRecord = {
      schemaVersion: RUN_RECORD_VERSION,
      id: 'local-20261128-000000-aaaaaa',
      kind: 'scenario',
      scenario: 'broker-loss',
      target: 'local',
      status: 'passed',
      createdAt: new Date().toISOString(),
      figures: {},
      reportHtml: join(runDir, 'report.html'),
    };
    await service.store.putRun(run);
    expect((await call(`/api/runs/${run.id}/report`)).status).toBe(200);
    for (const path of [
      `/api/runs/${run.id}/report/..%2Fsecret.json`,
      `/api/runs/${run.id}/report/..%2F..%2Ftoken`,
      `/api/runs/${run.id}/report/escape.json`,
      '/api/runs/..%2F..%2Fetc/report',
      '/api/runs/../report',
      '/ui/..%2F..%2Fpackage.json',
      '/ui/../package.json',
    ]) {
      const res = await call(path);
      expect(res.status, path).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain('secret');
      expect(JSON.stringify(res.body)).not.toContain(service.token);
    }
  });

  it('keeps the token out of the store, the server log and the answers', async () => {
    const { call, service, lines, base } = await start('leak');
    await call('/api/experiments', { method: 'POST', body: JSON.stringify(experiment) });
    await call('/api/experiments', { method: 'POST', body: JSON.stringify(experiment), auth: 'Bearer guess' });
    const runs = await call('/api/runs');
    expect(JSON.stringify(runs.body)).not.toContain(service.token);
    expect(lines.join('\n')).not.toContain(service.token);
    await service.close();
    services.length = 0;
    expect((await readFile(join(base, 'runs.db'))).includes(Buffer.from(service.token))).toBe(false);
  });
});

describe('terratower serve: queue and API', () => {
  it('queues an experiment (202 with run ids), runs one at a time, streams steps and samples, lists and pages', async () => {
    const { call, gate, service } = await start('queue');
    const res = await call('/api/experiments', {
      method: 'POST',
      body: JSON.stringify({ ...experiment, repetitions: 2 }),
    });
    expect(res.status).toBe(202);
    const ids = res.body.runs as string[];
    expect(ids).toHaveLength(4);
    const runs = await Promise.all(ids.map((id) => service.store.getRun(id)));
    // Interleaved: rf3 rf2 rf3 rf2.
    expect(runs.map((r) => `${r?.experiment?.variant}#${r?.experiment?.repetition}`)).toEqual([
      'rf3#1',
      'rf2#1',
      'rf3#2',
      'rf2#2',
    ]);
    expect(runs[1]?.spec?.kafka.replicationFactor).toBe(2);

    await gate.waitStarted(ids[0]!);
    // The event stream replays the steps so far and goes on live.
    const controller = new AbortController();
    const stream = await fetch(`${service.url}/api/runs/${ids[0]}/events`, { signal: controller.signal });
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const reader = stream.body!.getReader();
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      return text;
    };
    await readUntil('"spike: load ×5"');
    expect(text).toContain('event: sample');
    const one = await call(`/api/runs/${ids[0]}`);
    expect(one.body.status).toBe('running');
    expect((one.body.live as { steps: unknown[] }).steps.length).toBeGreaterThanOrEqual(2);
    gate.release(ids[0]!);
    await readUntil('"status":"passed"');
    expect(text).toContain('spike over');
    controller.abort();

    for (const id of ids.slice(1)) {
      await gate.waitStarted(id);
      gate.release(id);
    }
    await waitFor(async () => (await service.store.getRun(ids[3]!))?.status === 'passed', 'the last run');
    expect(gate.started).toEqual(ids);
    expect(gate.maxConcurrent()).toBe(1);

    const experimentRecord = await service.store.getExperiment(res.body.experiment as string);
    expect(experimentRecord?.status).toBe('completed');
    const comparison = await fetch(`${service.url}/api/compare?runs=${ids.join(',')}`).then((r) => r.text());
    expect(comparison).toContain('rf2');
    expect(comparison).toContain(ids[3]);
    expect((await call(`/api/compare?runs=${ids[0]},local-nope`)).status).toBe(404);

    const page = await call('/api/runs?limit=2&offset=1&status=passed');
    expect((page.body.runs as unknown[]).length).toBe(2);
    expect((await call('/api/runs?status=bogus')).status).toBe(400);
    const metrics = await fetch(`${service.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/terratower_service_runs\{status="passed"\} 4/);
    expect(metrics).toContain('terratower_service_http_requests_total');
    expect((await call('/healthz')).body).toMatchObject({ ok: true, draining: false, inFlight: [] });
  });

  it('cancels a queued run at once and a running one through its abort (marked cancelled)', async () => {
    const { call, gate, service } = await start('cancel');
    const ids = (await call('/api/experiments', { method: 'POST', body: JSON.stringify(experiment) })).body
      .runs as string[];
    await gate.waitStarted(ids[0]!);
    expect((await call(`/api/runs/${ids[1]}/cancel`, { method: 'POST' })).body).toMatchObject({ status: 'cancelled' });
    expect((await call(`/api/runs/${ids[0]}/cancel`, { method: 'POST' })).body).toMatchObject({ status: 'cancelling' });
    await waitFor(async () => (await service.store.getRun(ids[0]!))?.status === 'cancelled', 'cancelled');
    expect((await service.store.getRun(ids[1]!))?.status).toBe('cancelled');
    expect(gate.started).toEqual([ids[0]]);
    expect((await call(`/api/runs/${ids[0]}/cancel`, { method: 'POST' })).status).toBe(409);
    expect((await call('/api/runs/local-nope/cancel', { method: 'POST' })).status).toBe(404);
  });

  it('shutdown: 409 with the run and an estimate while one is in flight, no new work, exits once idle', async () => {
    const { call, gate, service } = await start('shutdown');
    const ids = (await call('/api/experiments', { method: 'POST', body: JSON.stringify(experiment) })).body
      .runs as string[];
    await gate.waitStarted(ids[0]!);
    const res = await call('/api/shutdown', { method: 'POST' });
    expect(res.status).toBe(409);
    const runs = res.body.runs as { id: string; estimateBasis: string; elapsedSeconds: number }[];
    expect(runs[0]?.id).toBe(ids[0]);
    expect(runs[0]?.estimateBasis).toContain('broker-loss');
    expect((await call('/api/experiments', { method: 'POST', body: JSON.stringify(experiment) })).status).toBe(503);
    let stopped = false;
    void service.stopped.then(() => {
      stopped = true;
    });
    gate.release(ids[0]!);
    await waitFor(() => stopped || undefined, 'the server to stop');
    // The second run stayed queued for the next server.
    const store = await openStore(service.store.location);
    expect((await store.getRun(ids[1]!))?.status).toBe('queued');
    await store.close();
  });

  it('a restarted server marks the run a killed one left in flight interrupted (after cleanup) and goes on with the queue', async () => {
    const base = join(dir, 'recover');
    await mkdir(base, { recursive: true });
    const store = await openStore(join(base, 'runs.db'));
    const mk = (id: string, status: RunRecord['status'], at: string): RunRecord => ({
      schemaVersion: RUN_RECORD_VERSION,
      id,
      kind: 'experiment',
      scenario: 'broker-loss',
      target: 'local',
      status,
      createdAt: at,
      figures: {},
      spec: undefined,
    });
    await store.putRun(mk('local-20261128-000000-000001', 'running', '2026-11-28T00:00:00.000Z'));
    await store.putRun(mk('local-20261128-000000-000002', 'queued', '2026-11-28T00:00:01.000Z'));
    await store.close();
    const cleaned: string[] = [];
    const { service, gate } = await start('recover', {
      cleanup: async (id) => {
        cleaned.push(id);
        return 'terraform state destroyed';
      },
    });
    expect(cleaned).toEqual(['local-20261128-000000-000001']);
    expect(service.recovered[0]).toContain('marked interrupted');
    const old = await service.store.getRun('local-20261128-000000-000001');
    expect(old?.status).toBe('interrupted');
    expect(old?.error).toContain('terraform state destroyed');
    await gate.waitStarted('local-20261128-000000-000002');
    gate.release('local-20261128-000000-000002');
    await waitFor(
      async () => (await service.store.getRun('local-20261128-000000-000002'))?.status === 'passed',
      'the queued run',
    );
  });

  it('serves the web UI offline: no external URL in its files', async () => {
    const { service } = await start('web');
    const index = await fetch(`${service.url}/`).then((r) => r.text());
    expect(index).toContain('/ui/app.js');
    for (const f of ['app.js', 'chart.js', 'style.css']) {
      const res = await fetch(`${service.url}/ui/${f}`);
      expect(res.status).toBe(200);
      expect(await res.text()).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
    }
  });
});

describe('terratower serve: the command', () => {
  it('starts, prints where the token is (never the token), and exits 0 on SIGTERM when idle', async () => {
    const { spawn } = await import('node:child_process');
    const base = join(dir, 'cli');
    const child = spawn(
      process.execPath,
      [
        'bin/terratower.mjs',
        'serve',
        '--port',
        '0',
        '--store',
        join(base, 'runs.db'),
        '--token-file',
        join(base, 'token'),
        '--reports',
        join(base, 'reports'),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await waitFor(() => err.includes('listening on'), 'the server to listen');
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(err)?.[1];
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    const token = (await readFile(join(base, 'token'), 'utf8')).trim();
    expect(err).toContain('stopped');
    expect(err).not.toContain(token);
  });

  it('refuses a bad flag in one line before starting anything', async () => {
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, ['bin/terratower.mjs', 'serve', '--port', 'abc'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('--port abc');
  });
});
