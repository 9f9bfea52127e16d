/**
 * Benchmark: warm boot and teardown of the local twin — 3 Kafka brokers + 3 Cassandra nodes +
 * the moto S3 server (app groups empty) — wall time and peak memory (sum of RSS over every
 * process carrying the run tag). Targets: boot ≤ 90 s, teardown ≤ 10 s. The install step is
 * timed separately (cold when the cache was empty). As a reference measured in the same run,
 * it times one bare JVM start (Kafka's StorageTool random-uuid), so results from a loaded
 * machine can be compared: boot is also printed as a multiple of that.
 *
 *   node --import tsx bench/boot.ts [--slot N] [--json]
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { validateSpec, withDefaults } from '../src/spec/index.ts';
import { processRssBytes } from '../src/twin/controller/metrics.ts';
import { installTwinComponents, kafkaClasspath } from '../src/twin/install/index.ts';
import { findTaggedProcesses } from '../src/support/process.ts';
import { newRunId } from '../src/twin/run-files.ts';
import { startTwin, stopTwin } from '../src/twin/run.ts';

const BOOT_TARGET_S = 90;
const TEARDOWN_TARGET_S = 10;

const { values } = parseArgs({ options: { slot: { type: 'string' }, json: { type: 'boolean' } } });
const slot = Number(values.slot ?? 0);
const progress = (line: string): void => {
  if (!values.json) process.stderr.write(`  ${line}\n`);
};

const t0 = performance.now();
const install = await installTwinComponents({ onProgress: progress });
const installSeconds = (performance.now() - t0) / 1000;
const cold = install.kafkaMs + install.cassandraMs + install.motoMs > 5000;

const jvmStart = performance.now();
spawnSync('java', ['-XX:TieredStopAtLevel=1', '-cp', kafkaClasspath(), 'kafka.tools.StorageTool', 'random-uuid'], {
  stdio: 'ignore',
});
const jvmReferenceSeconds = (performance.now() - jvmStart) / 1000;

const spec = validateSpec(withDefaults({ producers: { min: 0, desired: 0 }, consumers: { min: 0, desired: 0 } }));
const runId = newRunId();
let peakRss = 0;
let peakProcesses = 0;
const sampler = setInterval(() => {
  const procs = findTaggedProcesses(runId);
  const rss = procs.reduce((sum, p) => sum + (processRssBytes(p.pid) ?? 0), 0);
  if (rss > peakRss) peakRss = rss;
  if (procs.length > peakProcesses) peakProcesses = procs.length;
}, 500);

const loadBefore = loadavg()[0]!;
const bootStart = performance.now();
let bootSeconds = NaN;
let teardownSeconds = NaN;
let leftovers: string[] = [];
try {
  await startTwin({ spec, slot, runId, ownerPid: process.pid, onProgress: progress });
  bootSeconds = (performance.now() - bootStart) / 1000;
  await new Promise((r) => setTimeout(r, 3000)); // settle, so peak RSS includes a steady state
} finally {
  const stopStart = performance.now();
  const report = await stopTwin(runId);
  teardownSeconds = (performance.now() - stopStart) / 1000;
  leftovers = report.leftovers;
  clearInterval(sampler);
}

const result = {
  install: { seconds: +installSeconds.toFixed(1), cold, ...install },
  jvmReferenceSeconds: +jvmReferenceSeconds.toFixed(2),
  bootSeconds: +bootSeconds.toFixed(1),
  bootVsTarget: +(bootSeconds / BOOT_TARGET_S).toFixed(2),
  bootInJvmStarts: +(bootSeconds / jvmReferenceSeconds).toFixed(1),
  teardownSeconds: +teardownSeconds.toFixed(1),
  teardownVsTarget: +(teardownSeconds / TEARDOWN_TARGET_S).toFixed(2),
  peakRssMiB: Math.round(peakRss / 2 ** 20),
  peakProcesses,
  loadAverage1mAtStart: +loadBefore.toFixed(1),
  leftovers,
};
if (values.json) {
  console.log(JSON.stringify(result, null, 2));
} else {
  console.log(
    `install      ${result.install.seconds} s (${cold ? 'cold' : 'warm'}; kafka ${install.kafkaMs} ms, cassandra ${install.cassandraMs} ms, moto ${install.motoMs} ms)`,
  );
  console.log(
    `reference    one JVM start ${result.jvmReferenceSeconds} s; load average ${result.loadAverage1mAtStart} at start`,
  );
  console.log(
    `boot         ${result.bootSeconds} s  (target ${BOOT_TARGET_S} s → ${result.bootVsTarget}×; ${result.bootInJvmStarts} JVM starts)`,
  );
  console.log(
    `teardown     ${result.teardownSeconds} s  (target ${TEARDOWN_TARGET_S} s → ${result.teardownVsTarget}×)`,
  );
  console.log(`peak memory  ${result.peakRssMiB} MiB RSS over ${result.peakProcesses} processes`);
  console.log(`leftovers    ${leftovers.length === 0 ? 'none' : leftovers.join('; ')}`);
}
process.exitCode = leftovers.length === 0 ? 0 : 1;
