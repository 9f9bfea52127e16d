/** Helpers of the throughput benches: measuring an app through its metrics, and Kafka's ProducerPerformance. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kafkaClasspath } from '../src/twin/install/index.ts';
import { startTwin, stopTwin, type RunningTwin } from '../src/twin/run.ts';
import type { PipelineSpec } from '../src/spec/index.ts';

// As bin/terratower.mjs: the AWS SDK's notice about future Node versions, once per process (the
// bench and every app it starts), is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function counter(port: number, name: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) }).catch(
    () => undefined,
  );
  if (res?.status !== 200) return -1;
  const line = (await res.text()).split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return line ? Number(line.split(' ').pop()) : 0;
}

/** App processes a measurement started and that have not exited yet (an interrupt stops them). */
const liveApps = new Set<ChildProcess>();

/** A bench's twin and scratch directory, and the one way to tear both down. */
export interface BenchSession {
  twin: RunningTwin;
  work: string;
  /** Stop the apps still running, the twin and remove the scratch directory (idempotent). */
  stop(): Promise<void>;
}

/**
 * Boot a twin for a bench with a scratch directory; SIGINT or SIGTERM stops whatever was started
 * (the apps, the twin), removes the directory and exits 130 / 143.
 */
export async function benchSession(spec: PipelineSpec, slot: number, scratchPrefix: string): Promise<BenchSession> {
  const work = await mkdtemp(join(tmpdir(), scratchPrefix));
  let twin: RunningTwin | undefined;
  const stop = async (): Promise<void> => {
    for (const child of liveApps) child.kill('SIGTERM');
    if (twin) await stopTwin(twin.runId).catch((e: unknown) => console.error(e));
    twin = undefined;
    await rm(work, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  // `timeout` and other supervisors send SIGTERM: clean up the same way.
  process.once('SIGTERM', () => void stop().then(() => process.exit(143)));
  try {
    twin = await startTwin({ spec, slot, ownerPid: process.pid });
  } catch (error) {
    await stop();
    throw error;
  }
  return { twin, work, stop };
}

/**
 * Start an app, wait until its counter reaches `target`, stop it. The rate is measured from the
 * first poll that sees a record to the first that sees the target (start-up excluded).
 * `onSample` sees every poll (ms since the epoch, counter).
 */
export async function measureApp(
  entry: string,
  env: Record<string, string>,
  port: number,
  metric: string,
  target: number,
  onSample?: (time: number, count: number) => void,
): Promise<number> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { ...process.env, TT_LOG_LEVEL: 'warn', ...env, AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench' },
    // The app logs to stdout: shown when the caller chose a log level.
    stdio: ['ignore', env.TT_LOG_LEVEL ? 'inherit' : 'ignore', 'inherit'],
  });
  liveApps.add(child);
  child.once('exit', () => liveApps.delete(child));
  try {
    let first: { t: number; n: number } | undefined;
    const deadline = Date.now() + 20 * 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${entry} exited with ${child.exitCode}`);
      const n = await counter(port, metric);
      const t = performance.now();
      onSample?.(Date.now(), n);
      if (n > 0 && !first) first = { t, n };
      if (first && n >= target) {
        if (n === first.n) throw new Error('finished between two polls: use more rows');
        return ((n - first.n) / (t - first.t)) * 1000;
      }
      if (Date.now() > deadline) throw new Error(`${entry}: ${n} < ${target} after 20 min`);
      // Often: the producer finishes 100 000 rows in a few seconds, and a poll's delay is error.
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
  }
}

/** Records/s of `org.apache.kafka.tools.ProducerPerformance` sending `records` of `payloadFile` (one payload a line) with the app's settings. */
export async function producerPerformance(
  bootstrap: string[],
  topic: string,
  payloadFile: string,
  records: number,
): Promise<number> {
  const args = [
    '-XX:-UsePerfData', // no /tmp/hsperfdata_<user> left behind
    '-Xmx512m',
    '-cp',
    kafkaClasspath(),
    'org.apache.kafka.tools.ProducerPerformance',
    '--topic',
    topic,
    '--num-records',
    String(records),
    '--throughput',
    '-1',
    '--payload-file',
    payloadFile,
    '--producer-props',
    `bootstrap.servers=${bootstrap.join(',')}`,
    'acks=all',
    'compression.type=gzip',
    'enable.idempotence=true',
    'batch.size=1048576',
    'linger.ms=5',
  ];
  const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  // Final line: "N records sent, X records/sec (Y MB/sec), …"
  const m = /(\d+) records sent, ([\d.]+) records\/sec/.exec(
    out
      .split('\n')
      .filter((l) => l.includes('records sent'))
      .pop() ?? '',
  );
  if (code !== 0 || !m) throw new Error(`ProducerPerformance failed (exit ${code}):\n${out.slice(-2000)}`);
  return Number(m[2]);
}
