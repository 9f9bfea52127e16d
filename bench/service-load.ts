/**
 * Benchmark: `terratower serve` under 50 concurrent clients while a run is in progress. Each
 * client holds the run's event stream (`GET /api/runs/:id/events`) open and polls
 * `GET /api/runs/:id` in a loop; the bench prints the poll latency p50/p99 and the server's
 * memory (RSS, heap) sampled every second. Reference, measured in the same run: the same
 * clients polling `GET /healthz` with no streams open; the result is also printed as a ratio
 * against it.
 *
 * The clients run in a child process, so the server's memory is its own. The runs are either
 * real twin runs (`--twin`: traffic-spike on the local twin through terraform, queued back to back
 * for the whole measurement, each client following the run in flight; heavy, take the shared
 * lock) or, by default, a stand-in run that emits a sample a second and a step every 10 s through
 * the same live path (queue → live view → event streams) without a twin.
 *
 *   node --import tsx bench/service-load.ts [--clients 50] [--seconds 60] [--interval-ms 0] [--twin] [--slot N]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

// The AWS SDK's notice about Node 22 (once per process), silenced as the CLI does.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '60' },
    twin: { type: 'boolean', default: false },
    // Pause between one client's polls (0: as fast as answers come, for latency; 1000: a browser-like poll, for memory over time).
    'interval-ms': { type: 'string', default: '0' },
    slot: { type: 'string', default: '0' },
    // Internal: this file as the client process.
    client: { type: 'string' },
    path: { type: 'string' },
    streams: { type: 'boolean', default: false },
    follow: { type: 'boolean', default: false },
  },
});

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/**
 * Client process: N clients, each (optionally) holding an event stream and polling `path` for
 * `seconds`. With `follow`, `path` is only the first run: every client polls and streams the run
 * in flight (asked of the server every 2 s; a stream that ends is opened again on the next run),
 * as a browser left on the live view of a queue would.
 */
async function clientMain(
  url: string,
  path: string,
  clients: number,
  seconds: number,
  streams: boolean,
  intervalMs: number,
  follow: boolean,
) {
  const deadline = Date.now() + seconds * 1000;
  const latencies: number[] = [];
  let errors = 0;
  let streamBytes = 0;
  let streamsOpened = 0;
  const stopped = new AbortController();
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  // The run to poll and stream: fixed, or (follow) the one in flight.
  let target = path;
  const followInFlight = async (): Promise<void> => {
    while (!stopped.signal.aborted) {
      try {
        const list = (await (await fetch(`${url}/api/runs?limit=1`)).json()) as { inFlight: string[] };
        if (list.inFlight[0]) target = `/api/runs/${list.inFlight[0]}`;
      } catch {
        errors++;
      }
      await pause(2000);
    }
  };
  const holdStream = async (): Promise<void> => {
    while (!stopped.signal.aborted) {
      const opened = target;
      streamsOpened++;
      try {
        const res = await fetch(`${url}${opened}/events`, { signal: stopped.signal });
        const reader = res.body!.getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          streamBytes += value.byteLength;
        }
      } catch {
        // Aborted at the end, or the server closed it: both end this stream.
      }
      if (!follow) return;
      // The run finished: wait for the next one to be in flight before opening again.
      while (!stopped.signal.aborted && target === opened) await pause(500);
    }
  };
  const one = async (): Promise<void> => {
    if (streams) void holdStream();
    while (Date.now() < deadline) {
      const t0 = performance.now();
      try {
        const res = await fetch(`${url}${target}`);
        await res.arrayBuffer();
        if (!res.ok) errors++;
        latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
      if (intervalMs > 0) await pause(intervalMs);
    }
  };
  if (follow) void followInFlight();
  await Promise.all(Array.from({ length: clients }, one));
  stopped.abort();
  latencies.sort((a, b) => a - b);
  process.stdout.write(
    `${JSON.stringify({
      requests: latencies.length,
      errors,
      streamBytes,
      streamsOpened,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      rps: latencies.length / seconds,
    })}\n`,
  );
}

interface ClientResult {
  requests: number;
  errors: number;
  streamBytes: number;
  streamsOpened: number;
  p50: number;
  p99: number;
  rps: number;
}

function runClients(url: string, path: string, clients: number, seconds: number, streams: boolean, follow = false) {
  return new Promise<ClientResult>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        fileURLToPath(import.meta.url),
        '--client',
        url,
        '--path',
        path,
        '--clients',
        String(clients),
        '--seconds',
        String(seconds),
        ...(streams ? ['--streams'] : []),
        ...(follow ? ['--follow'] : []),
        '--interval-ms',
        values['interval-ms'],
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out.trim()) as ClientResult);
      else reject(new Error(`client process exited ${code}`));
    });
  });
}

async function main(): Promise<void> {
  const clients = Number(values.clients);
  const seconds = Number(values.seconds);
  const { startService } = await import('../src/service/index.ts');
  const dir = await mkdtemp(join(tmpdir(), 'tt-bench-service-'));
  const memory: { t: number; rssMiB: number; heapMiB: number }[] = [];
  const started = Date.now();
  const sampleMemory = setInterval(() => {
    const m = process.memoryUsage();
    memory.push({
      t: Math.round((Date.now() - started) / 1000),
      rssMiB: Math.round(m.rss / 2 ** 20),
      heapMiB: Math.round(m.heapUsed / 2 ** 20),
    });
  }, 1000);
  let stopRun: () => void = () => undefined;
  const service = await startService({
    port: 0,
    store: join(dir, 'runs.db'),
    tokenFile: join(dir, 'token'),
    reportsDir: join(dir, 'reports'),
    slots: [Number(values.slot)],
    log: (line) => process.stderr.write(`  [serve] ${line}\n`),
    ...(values.twin
      ? {}
      : {
          cleanup: async () => 'nothing (stand-in run)',
          // The stand-in run: a sample a second and a step every 10 s through the same live path as a twin run.
          executor: async (_run, { live, signal }) => {
            live.line('terraform apply: stand-in');
            let t = 0;
            await new Promise<void>((resolve) => {
              stopRun = resolve;
              signal.addEventListener('abort', () => resolve(), { once: true });
              const timer = setInterval(() => {
                t++;
                live.sample({
                  t,
                  produced: 200,
                  consumed: 190,
                  lag: 100 + (t % 30) * 10,
                  errors: 0,
                  deadLettered: 0,
                  cpu: { consumers: 0.4 },
                  groups: { consumers: { desired: 2, inService: 2, byZone: { a: 1, b: 1 } } },
                });
                if (t % 10 === 0) live.line(`step ${t / 10}/99: stand-in step ${t / 10}`);
              }, 1000);
              signal.addEventListener('abort', () => clearInterval(timer), { once: true });
              const stop = stopRun;
              stopRun = () => {
                clearInterval(timer);
                stop();
              };
            });
            return { status: 'passed' };
          },
        }),
  });
  // Twin runs are queued back to back for the whole measurement (a traffic-spike run takes about
  // 3–4 minutes here), two variants per repetition, so a run is in flight throughout.
  const twinRepetitions = values.twin ? Math.ceil((Math.ceil((seconds + 20) / 180) + 1) / 2) : 1;
  try {
    const post = await fetch(`${service.url}/api/experiments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${service.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'service-load',
        scenarios: ['traffic-spike'],
        repetitions: twinRepetitions,
        variants: { a: {}, b: { consumers: { scaling: { targetTracking: { metric: 'consumerLag', target: 400 } } } } },
      }),
    });
    const { runs } = (await post.json()) as { runs: string[] };
    const id = runs[0]!;
    // Stand-in: cancel the second run, one run is enough to be "in progress". Twin: the queue
    // keeps going; close() at the end stops the run in flight (rollbacks, destroy).
    if (!values.twin)
      await fetch(`${service.url}/api/runs/${runs[1]}/cancel`, {
        method: 'POST',
        headers: { authorization: `Bearer ${service.token}` },
      });
    for (let i = 0; i < 600; i++) {
      const r = (await (await fetch(`${service.url}/api/runs/${id}`)).json()) as { status: string };
      if (r.status === 'running') break;
      await new Promise((r) => setTimeout(r, 500));
    }
    if (values.twin) {
      // Wait for the twin to be up and sampling before measuring.
      for (let i = 0; i < 600; i++) {
        const r = (await (await fetch(`${service.url}/api/runs/${id}`)).json()) as { live?: { samples: number } };
        if ((r.live?.samples ?? 0) > 5) break;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    const reference = await runClients(service.url, '/healthz', clients, Math.min(20, seconds), false);
    console.log(JSON.stringify({ phase: 'reference', path: 'GET /healthz', clients, ...reference }));
    const subject = await runClients(service.url, `/api/runs/${id}`, clients, seconds, true, values.twin);
    console.log(
      JSON.stringify({ phase: 'subject', path: 'GET /api/runs/:id + event stream each', clients, ...subject }),
    );
    // What the server did meanwhile: the runs' states at the end (twin runs really ran).
    const states = ((await (await fetch(`${service.url}/api/runs?limit=100`)).json()) as { runs: { status: string }[] })
      .runs;
    const runStates: Record<string, number> = {};
    for (const r of states) runStates[r.status] = (runStates[r.status] ?? 0) + 1;
    console.log(JSON.stringify({ phase: 'runs', ...runStates }));
    const rss = memory.map((m) => m.rssMiB);
    // Memory over time: one line a minute (or every 10 s for short runs).
    const every = memory.length > 180 ? 60 : 10;
    for (const m of memory.filter((x) => x.t % every === 0))
      console.log(JSON.stringify({ phase: 'memory-over-time', t: m.t, rssMiB: m.rssMiB, heapMiB: m.heapMiB }));
    console.log(
      JSON.stringify({
        phase: 'memory',
        samples: memory.length,
        rssStartMiB: rss[0],
        rssMaxMiB: Math.max(...rss),
        rssEndMiB: rss.at(-1),
        heapEndMiB: memory.at(-1)?.heapMiB,
      }),
    );
    console.log(
      `\n${clients} clients, ${values.twin ? 'twin run' : 'stand-in run'} in progress:\n` +
        `  GET /api/runs/:id (each client also holding an event stream): p50 ${subject.p50.toFixed(1)} ms, p99 ${subject.p99.toFixed(1)} ms, ${subject.rps.toFixed(0)} req/s, ${subject.errors} errors, ${(subject.streamBytes / 1024).toFixed(0)} KiB streamed over ${subject.streamsOpened} streams\n` +
        `  runs at the end: ${Object.entries(runStates)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ')}\n` +
        `  reference GET /healthz, no streams:                p50 ${reference.p50.toFixed(1)} ms, p99 ${reference.p99.toFixed(1)} ms, ${reference.rps.toFixed(0)} req/s\n` +
        `  ratio p50 ${(subject.p50 / reference.p50).toFixed(2)}×, p99 ${(subject.p99 / reference.p99).toFixed(2)}×\n` +
        `  server RSS ${rss[0]} → max ${Math.max(...rss)} → end ${rss.at(-1)} MiB over ${memory.length} s`,
    );
  } finally {
    clearInterval(sampleMemory);
    stopRun();
    await service.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (values.client) {
  await clientMain(
    values.client,
    values.path ?? '/healthz',
    Number(values.clients),
    Number(values.seconds),
    values.streams,
    Number(values['interval-ms']),
    values.follow,
  );
} else {
  await main();
}
