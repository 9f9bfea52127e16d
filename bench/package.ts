/**
 * Package benchmark: what a user of the compiled package waits for, against references measured
 * in the same run (interleaved rounds, medians), each also run from sources through tsx (how
 * everything ran before the build existed):
 *
 *   - synth: `terratower synth` of the default stack, and a consumer app (PipelineStack plus its
 *     own bucket, importing `terratower/constructs`), each against a trivial one-resource cdktf
 *     stack (AWS provider + one S3 bucket);
 *   - import: `import('terratower')` inside a fresh process;
 *   - app start: spawn → the first 200 from `/healthz` (apps/shared/http.ts), the bundle in
 *     dist/bundle against `node --import tsx apps/<app>/main.ts`;
 *   - CLI start: `terratower --help`, compiled against tsx;
 *   - the package: tarball size and file count (`npm pack --dry-run`), and with `--install` the
 *     node_modules of a constructs-only consumer (tarball + the three peer dependencies).
 *
 *   npm run bench:package [-- --runs N] [--install] [--strict]
 *
 * Targets (issue "One clean package"): default-stack synth ≤ 1.5× the trivial stack,
 * `import('terratower')` ≤ 0.5 s, an app ready ≤ 1 s after spawn on a quiet machine. One JSON
 * line per figure, then the ratios; `--strict` exits 1 when a target is missed.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { consumerEnv, producerEnv } from '../apps/shared/config.ts';
import { appBundle, REPO_ROOT } from '../src/support/paths.ts';

const TARGETS = { synthRatio: 1.5, importMs: 500, appReadyMs: 1000 };

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    install: { type: 'boolean', default: false },
    strict: { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`--runs must be a positive integer, got ${values.runs}`);
  process.exit(2);
}

// Scratch files live inside the package (bench/out is git-ignored) so `import 'terratower'`
// resolves to this checkout by self-reference, through package.json's exports.
mkdirSync(join(REPO_ROOT, 'bench', 'out'), { recursive: true });
const work = mkdtempSync(join(REPO_ROOT, 'bench', 'out', 'package-'));
// Kafka, Cassandra and S3 for the apps: a port that accepts connections and never answers, so
// an app stays in its "starting" phase (/healthz 200) instead of failing fast on a refused one.
const sockets = new Set<Socket>();
const blackHole = createServer((socket) => {
  sockets.add(socket);
  socket.on('error', () => {});
  socket.once('close', () => sockets.delete(socket));
});
await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
const hole = `127.0.0.1:${(blackHole.address() as AddressInfo).port}`;
const closeBlackHole = (): void => {
  for (const socket of sockets) socket.destroy();
  blackHole.close();
};

const live = new Set<ChildProcess>();
const cleanup = (): void => {
  for (const child of live) child.kill('SIGKILL');
  closeBlackHole();
  rmSync(work, { recursive: true, force: true });
};
process.once('SIGINT', () => {
  cleanup();
  process.exit(130);
});

const TRIVIAL = `import { App, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket/index.js';
const app = new App({ outdir: process.argv[2] });
const stack = new TerraformStack(app, 'trivial');
new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
new S3Bucket(stack, 'bucket', { bucket: 'terratower-bench-trivial' });
app.synth();
`;
const consumer = (from: string): string => `import { App } from 'cdktf';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket/index.js';
import { PipelineStack, defaultSpec, validateSpec } from '${from}';
const app = new App({ outdir: process.argv[2] });
const stack = new PipelineStack(app, 'payments', { spec: validateSpec(defaultSpec()), runId: 'bench' });
new S3Bucket(stack, 'their-bucket', { bucket: 'their-own-bucket' });
app.synth();
`;
const importer = (from: string): string => `const started = performance.now();
await import('${from}');
console.log(JSON.stringify({ importMs: performance.now() - started }));
`;
writeFileSync(join(work, 'trivial.mjs'), TRIVIAL);
writeFileSync(join(work, 'consumer.mjs'), consumer('terratower/constructs'));
writeFileSync(join(work, 'consumer-src.mts'), consumer('../../../src/aws/index.ts'));
writeFileSync(join(work, 'import.mjs'), importer('terratower'));
writeFileSync(join(work, 'import-src.mts'), importer('../../../src/index.ts'));

const TSX = ['--import', 'tsx'];
const NO_SDK_WARNING = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

/** Wall time of a child process from spawn to exit (ms) and its stdout; throws on a non-zero exit. */
function timed(args: string[], env: Record<string, string> = {}): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, ...NO_SDK_WARNING, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('exit', (code) => {
      live.delete(child);
      const ms = performance.now() - started;
      if (code === 0) resolve({ ms, stdout });
      else
        reject(new Error(`node ${args.join(' ')} exited ${code}: ${stderr.trim().split('\n').slice(-5).join(' | ')}`));
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const appEnv = (app: 'producer' | 'consumer', port: number): Record<string, string> => {
  const common = {
    memberId: `bench-${app}`,
    zone: 'bench-a',
    kafkaBrokers: [hole],
    topic: 'bench',
    deadLetterTopic: 'bench-dlq',
    httpHost: '127.0.0.1',
    httpPort: port,
  };
  return app === 'producer'
    ? producerEnv({
        ...common,
        s3Endpoint: `http://${hole}`,
        region: 'eu-west-1',
        bucket: 'b',
        prefix: 'p',
        ratePerSecond: 0,
      })
    : consumerEnv({
        ...common,
        groupId: 'bench',
        cassandraContactPoints: [hole],
        cassandraDataCenter: 'eu-west-1',
        keyspace: 'k',
        table: 't',
        consistency: 'LOCAL_QUORUM',
      });
};

/** Spawn → the first 200 from /healthz, ms; the app is stopped (its process group killed) after. */
async function appReady(app: 'producer' | 'consumer', args: string[]): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      ...NO_SDK_WARNING,
      ...appEnv(app, port),
      TT_LOG_LEVEL: 'error',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
    },
    stdio: 'ignore',
  });
  live.add(child);
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${app} exited ${child.exitCode} before /healthz answered`);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) })
        .then(async (r) => {
          await r.arrayBuffer();
          return r.status === 200;
        })
        .catch(() => false);
      if (ok) return performance.now() - started;
      if (performance.now() - started > 60_000) throw new Error(`${app}: /healthz not ready after 60 s`);
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    child.kill('SIGKILL');
    if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
    live.delete(child);
  }
}

type Measure = () => Promise<number>;
const synthOut = (): string => mkdtempSync(join(work, 'out-'));
const cases: Record<string, Measure> = {
  'synth trivial stack': async () => (await timed([join(work, 'trivial.mjs'), synthOut()])).ms,
  'synth default stack (CLI, compiled)': async () =>
    (await timed(['bin/terratower.mjs', 'synth', '--out', synthOut()])).ms,
  'synth default stack (CLI, tsx)': async () =>
    (await timed([...TSX, 'src/cli/main.ts', 'synth', '--out', synthOut()])).ms,
  'synth consumer app (compiled)': async () => (await timed([join(work, 'consumer.mjs'), synthOut()])).ms,
  'synth consumer app (tsx)': async () => (await timed([...TSX, join(work, 'consumer-src.mts'), synthOut()])).ms,
  "import('terratower') (compiled)": async () =>
    (JSON.parse((await timed([join(work, 'import.mjs')])).stdout) as { importMs: number }).importMs,
  "import('terratower') (tsx)": async () =>
    (JSON.parse((await timed([...TSX, join(work, 'import-src.mts')])).stdout) as { importMs: number }).importMs,
  'producer ready (bundle)': () => appReady('producer', [appBundle('producer')]),
  'producer ready (tsx)': () => appReady('producer', [...TSX, 'apps/producer/main.ts']),
  'consumer ready (bundle)': () => appReady('consumer', [appBundle('consumer')]),
  'consumer ready (tsx)': () => appReady('consumer', [...TSX, 'apps/consumer/main.ts']),
  'CLI --help (compiled)': async () => (await timed(['bin/terratower.mjs', '--help'])).ms,
  'CLI --help (tsx)': async () => (await timed([...TSX, 'src/cli/main.ts', '--help'])).ms,
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function duBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += duBytes(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}

const print = (line: Record<string, unknown>): void => console.log(JSON.stringify(line));
const MB = 1024 * 1024;
let missed = 0;

try {
  print({ bench: 'package', runs, cpus: cpus().length, loadavg1: Number(loadavg()[0]!.toFixed(2)) });

  // The package as npm would publish it (dist/ is built: the npm script builds first).
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO_ROOT, encoding: 'utf8' }),
  ) as { size: number; unpackedSize: number; entryCount: number }[];
  if (packed)
    print({ figure: 'tarball', bytes: packed.size, unpackedBytes: packed.unpackedSize, files: packed.entryCount });

  // Warm the file system cache and tsx's transform cache: not counted.
  for (const measure of Object.values(cases)) await measure();
  const samples: Record<string, number[]> = {};
  for (let round = 0; round < runs; round++) {
    for (const [name, measure] of Object.entries(cases)) (samples[name] ??= []).push(await measure());
  }
  const med: Record<string, number> = {};
  for (const [name, xs] of Object.entries(samples)) {
    med[name] = median(xs);
    print({ figure: name, medianMs: Math.round(med[name]), samplesMs: xs.map(Math.round) });
  }

  const m = (name: string): number => med[name]!;
  const ratio = (figure: string, value: number, target?: number): void => {
    const line: Record<string, unknown> = { ratio: figure, value: Number(value.toFixed(2)) };
    if (target !== undefined) {
      line.target = target;
      line.met = value <= target;
      if (!line.met) missed++;
    }
    print(line);
  };
  const trivial = m('synth trivial stack');
  ratio(
    'default-stack synth (CLI, compiled) / trivial',
    m('synth default stack (CLI, compiled)') / trivial,
    TARGETS.synthRatio,
  );
  ratio('default-stack synth (CLI, tsx) / trivial', m('synth default stack (CLI, tsx)') / trivial);
  ratio('consumer app synth (compiled) / trivial', m('synth consumer app (compiled)') / trivial);
  ratio('consumer app synth (tsx) / trivial', m('synth consumer app (tsx)') / trivial);
  ratio('tsx / compiled: CLI --help', m('CLI --help (tsx)') / m('CLI --help (compiled)'));
  ratio('tsx / bundle: producer ready', m('producer ready (tsx)') / m('producer ready (bundle)'));
  ratio('tsx / bundle: consumer ready', m('consumer ready (tsx)') / m('consumer ready (bundle)'));
  const targetMs = (figure: string, value: number, target: number): void => {
    const met = value <= target;
    if (!met) missed++;
    print({ target: figure, ms: Math.round(value), limitMs: target, met });
  };
  targetMs("import('terratower') (compiled)", m("import('terratower') (compiled)"), TARGETS.importMs);
  targetMs('producer ready (bundle)', m('producer ready (bundle)'), TARGETS.appReadyMs);
  targetMs('consumer ready (bundle)', m('consumer ready (bundle)'), TARGETS.appReadyMs);

  if (values.install) {
    // A constructs-only consumer: the tarball plus the peer dependencies, nothing else.
    const scratch = mkdtempSync(join(tmpdir(), 'tt-bench-install-'));
    try {
      const tarball = join(
        scratch,
        execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', scratch], {
          cwd: REPO_ROOT,
          encoding: 'utf8',
        }).trim(),
      );
      writeFileSync(join(scratch, 'package.json'), '{"name":"scratch","private":true}\n');
      const manifest = (await import('../package.json', { with: { type: 'json' } })).default as {
        devDependencies: Record<string, string>;
      };
      const peers = ['cdktf', 'constructs', '@cdktf/provider-aws'];
      execFileSync(
        'npm',
        [
          'install',
          '--prefer-offline',
          '--no-audit',
          '--no-fund',
          tarball,
          ...peers.map((p) => `${p}@${manifest.devDependencies[p]}`),
        ],
        { cwd: scratch, stdio: 'ignore' },
      );
      const modules = join(scratch, 'node_modules');
      const total = duBytes(modules);
      const peerBytes =
        duBytes(join(modules, 'cdktf')) + duBytes(join(modules, 'constructs')) + duBytes(join(modules, '@cdktf'));
      print({
        figure: 'constructs-only consumer install',
        nodeModulesMB: Number((total / MB).toFixed(1)),
        withoutPeersMB: Number(((total - peerBytes) / MB).toFixed(1)),
        terratowerMB: Number((duBytes(join(modules, 'terratower')) / MB).toFixed(1)),
      });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
} finally {
  cleanup();
}
if (values.strict && missed > 0) {
  console.error(`${missed} target(s) missed`);
  process.exit(1);
}
