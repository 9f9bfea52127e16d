/**
 * Benchmark: warm boot and teardown of the local twin — 3 Kafka brokers + 3 Cassandra nodes +
 * the moto S3 server + the apps (one producer, one consumer; `--apps 0` for none). Prints a
 * timeline per member (spawn → port listening → ready) and per boot phase (bucket, topics,
 * keyspace and table, apps healthy), the total, the teardown and the peak memory (sum of RSS over
 * every process carrying the run tag). Targets: boot ≤ 30 s warm, teardown ≤ 5 s.
 *
 * As a reference measured in the same run it times one bare JVM start (Kafka's StorageTool
 * random-uuid, no class-data archive), so results from a loaded machine can be compared: boot is
 * also printed as a multiple of that. Every figure comes with the 1-minute load average at the
 * time it was taken: on a shared 2-core machine the load decides most of the spread.
 *
 *   node --import tsx bench/boot.ts [--slot N] [--apps N] [--json]
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { validateSpec, withDefaults } from '../src/spec/index.ts';
import { processRssBytes } from '../src/twin/controller/metrics.ts';
import { installTwinComponents, kafkaClasspath } from '../src/twin/install/index.ts';
import { findTaggedProcesses } from '../src/support/process.ts';
import type { BootTimeline } from '../src/twin/client.ts';
import { newRunId } from '../src/twin/run-files.ts';
import { startTwin, stopTwin } from '../src/twin/run.ts';

// The AWS SDK's notice about Node 22 (once per process), silenced as the CLI does.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const BOOT_TARGET_S = 30;
const TEARDOWN_TARGET_S = 5;

const { values } = parseArgs({
  options: { slot: { type: 'string' }, apps: { type: 'string' }, json: { type: 'boolean' } },
});
const slot = Number(values.slot ?? 0);
const apps = Number(values.apps ?? 1);
if (!Number.isInteger(apps) || apps < 0 || apps > 3) {
  console.error('bench/boot: --apps is a whole number 0–3 (members per app group)');
  process.exit(2);
}
const progress = (line: string): void => {
  if (!values.json) process.stderr.write(`  ${line}\n`);
};
const load = (): number => +loadavg()[0]!.toFixed(1);

const t0 = performance.now();
const install = await installTwinComponents({ onProgress: progress });
const installSeconds = (performance.now() - t0) / 1000;
const cold = install.kafkaMs + install.cassandraMs + install.motoMs > 5000;
const installLoad = load();

const jvmStart = performance.now();
spawnSync(
  'java',
  ['-XX:TieredStopAtLevel=1', '-XX:-UsePerfData', '-cp', kafkaClasspath(), 'kafka.tools.StorageTool', 'random-uuid'],
  {
    stdio: 'ignore',
  },
);
const jvmReferenceSeconds = (performance.now() - jvmStart) / 1000;
const jvmReferenceLoad = load();

const spec = validateSpec(
  withDefaults({
    producers: { min: apps, desired: apps, max: Math.max(apps, 1) },
    consumers: { min: apps, desired: apps, max: Math.max(apps, 1) },
  }),
);
const runId = newRunId();
let peakRss = 0;
let peakProcesses = 0;
const sampler = setInterval(() => {
  const procs = findTaggedProcesses(runId);
  const rss = procs.reduce((sum, p) => sum + (processRssBytes(p.pid) ?? 0), 0);
  if (rss > peakRss) peakRss = rss;
  if (procs.length > peakProcesses) peakProcesses = procs.length;
}, 500);

const loadBefore = load();
const bootStart = performance.now();
let bootSeconds = Number.NaN;
let bootLoad = Number.NaN;
let teardownSeconds = Number.NaN;
let teardownLoad = Number.NaN;
let leftovers: string[] = [];
let timeline: BootTimeline | undefined;
try {
  const twin = await startTwin({ spec, slot, runId, ownerPid: process.pid, onProgress: progress });
  bootSeconds = (performance.now() - bootStart) / 1000;
  bootLoad = load();
  timeline = (await twin.client.status()).boot;
  await new Promise((r) => setTimeout(r, 3000)); // settle, so peak RSS includes a steady state
} finally {
  const stopStart = performance.now();
  const report = await stopTwin(runId);
  teardownSeconds = (performance.now() - stopStart) / 1000;
  teardownLoad = load();
  leftovers = report.leftovers;
  clearInterval(sampler);
}

const result = {
  install: { seconds: +installSeconds.toFixed(1), cold, load1m: installLoad, ...install },
  jvmReference: { seconds: +jvmReferenceSeconds.toFixed(2), load1m: jvmReferenceLoad },
  boot: {
    seconds: +bootSeconds.toFixed(1),
    vsTarget: +(bootSeconds / BOOT_TARGET_S).toFixed(2),
    inJvmStarts: +(bootSeconds / jvmReferenceSeconds).toFixed(1),
    load1mAtStart: loadBefore,
    load1mAtEnd: bootLoad,
    apps,
  },
  timeline,
  teardown: {
    seconds: +teardownSeconds.toFixed(1),
    vsTarget: +(teardownSeconds / TEARDOWN_TARGET_S).toFixed(2),
    load1m: teardownLoad,
  },
  peakRssMiB: Math.round(peakRss / 2 ** 20),
  peakProcesses,
  leftovers,
};

/** The timeline as a table: one row per member, then the phases. */
function timelineText(t: BootTimeline): string {
  const rows = t.members.map((m) => {
    const ports = Object.entries(m.listeningSeconds)
      .sort((a, b) => a[1] - b[1])
      .map(([port, s]) => `:${port} ${s.toFixed(1)}`)
      .join('  ');
    return [m.id, m.spawnSeconds.toFixed(1), ports || '—', m.readySeconds?.toFixed(1) ?? '—'];
  });
  const header = ['member', 'spawn', 'listening (port s)', 'ready'];
  const width = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string =>
    r
      .map((c, i) => c.padEnd(width[i]!))
      .join('  ')
      .trimEnd();
  const phases = t.phases.map((p) => `  ${p.atSeconds.toFixed(1).padStart(6)} s  ${p.what} (load ${p.load1m})`);
  return [
    `timeline     seconds after the daemon started booting`,
    ...[header, ...rows].map((r) => `  ${line(r)}`),
    '  phases (done at):',
    ...phases,
  ].join('\n');
}

if (values.json) {
  console.log(JSON.stringify(result, null, 2));
} else {
  console.log(
    `install      ${result.install.seconds} s (${cold ? 'cold' : 'warm'}; kafka ${install.kafkaMs} ms, cassandra ${install.cassandraMs} ms, moto ${install.motoMs} ms, class-data archives ${install.cdsMs} ms; load ${installLoad})`,
  );
  console.log(`reference    one bare JVM start ${result.jvmReference.seconds} s (load ${jvmReferenceLoad})`);
  if (timeline) console.log(timelineText(timeline));
  console.log(
    `boot         ${result.boot.seconds} s to a ready twin, ${apps} producer(s) + ${apps} consumer(s) (target ${BOOT_TARGET_S} s → ${result.boot.vsTarget}×; ${result.boot.inJvmStarts} JVM starts; load ${loadBefore} at start, ${bootLoad} at ready)`,
  );
  console.log(
    `teardown     ${result.teardown.seconds} s  (target ${TEARDOWN_TARGET_S} s → ${result.teardown.vsTarget}×; load ${teardownLoad})`,
  );
  console.log(`peak memory  ${result.peakRssMiB} MiB RSS over ${result.peakProcesses} processes`);
  console.log(`leftovers    ${leftovers.length === 0 ? 'none' : leftovers.join('; ')}`);
}
process.exitCode = leftovers.length === 0 ? 0 : 1;
