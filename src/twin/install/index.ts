/**
 * Installs every real part the local twin runs — Kafka and Cassandra jars from Maven Central,
 * the moto S3 server from PyPI — into the cache dir. Idempotent: a warm cache returns in well
 * under a second with no network.
 */
import { cassandraCdsTraining } from '../members/cassandra.ts';
import { kafkaCdsTraining } from '../members/kafka.ts';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readVersions } from '../../support/versions.ts';
import { cassandraLayout, cassandraLibDir, cassandraPrefix, installCassandra } from './cassandra.ts';
import { cassandraCdsWanted, cdsArchivePending, ensureCdsArchive } from './cds.ts';
import { installKafka, kafkaClasspath, kafkaLibDir, kafkaPrefix } from './kafka.ts';
import { installMoto, motoPrefix } from './moto.ts';
import { netdelayPending, tryEnsureNetdelay } from './netdelay.ts';
import { namespaceSupportProblem } from '../network.ts';
import type { ProgressFn } from './run-script.ts';

export type { ProgressFn } from './run-script.ts';
export { kafkaClasspath, kafkaPrefix } from './kafka.ts';
export { cassandraLayout, cassandraPrefix } from './cassandra.ts';
export { motoPrefix, motoServerBin } from './moto.ts';

/** Options of `installTwinComponents`. */
export interface InstallOptions {
  /** Receives progress lines; defaults to writing them to stderr. */
  onProgress?: ProgressFn;
}

/** Time each component took, ms (near zero when it was cached). */
export interface InstallReport {
  kafkaMs: number;
  cassandraMs: number;
  motoMs: number;
  /** Making the Kafka and Cassandra class-data archives (zero once they are cached). */
  cdsMs: number;
  /** Building the latency fault's packet delayer (zero once cached, or where namespaces cannot be built). */
  netdelayMs: number;
}

/** Whether this process can run the latency fault at all (it needs namespace zones). */
function latencyFaultPossible(): boolean {
  return namespaceSupportProblem() === undefined;
}

/** Something a cold cache still has to fetch or make, and about how long it takes on a 2-core machine. */
export interface PendingInstall {
  what: string;
  seconds: number;
}

/** What `installTwinComponents` would still fetch or make (empty on a warm cache). Runs nothing heavy. */
export function pendingTwinInstalls(): PendingInstall[] {
  const versions = readVersions();
  const out: PendingInstall[] = [];
  const kafkaReady = existsSync(join(kafkaPrefix(), '.terratower-installed'));
  const cassandraReady = existsSync(join(cassandraPrefix(), '.terratower-installed'));
  if (!kafkaReady) out.push({ what: `Kafka ${versions.kafka} jars from Maven Central (54 MB)`, seconds: 40 });
  if (!cassandraReady)
    out.push({ what: `Cassandra ${versions.cassandra} jars from Maven Central (66 MB)`, seconds: 30 });
  const motoMarker = join(motoPrefix(), '.terratower-installed');
  if (!existsSync(motoMarker) || readFileSync(motoMarker, 'utf8').trim() !== `moto[server]==${versions.moto}`)
    out.push({ what: `moto ${versions.moto} (S3 API) from PyPI into a venv`, seconds: 40 });
  const archivesMissing =
    cdsArchivePending('kafka', kafkaLibDir()) ||
    (cassandraCdsWanted() && cdsArchivePending('cassandra', cassandraLibDir()));
  if (archivesMissing) out.push({ what: 'class-data archives of the Kafka and Cassandra JVMs', seconds: 60 });
  if (latencyFaultPossible() && netdelayPending())
    out.push({ what: 'the packet delayer of the latency fault (Go modules from the proxy, one build)', seconds: 30 });
  return out;
}

/**
 * Install Kafka, Cassandra and moto, then make the JVMs' class-data archives. Kafka and Cassandra
 * go one after another (Maven's local repo is shared); moto's pip install runs beside them.
 */
export async function installTwinComponents(options: InstallOptions = {}): Promise<InstallReport> {
  const onProgress = options.onProgress ?? ((line: string) => process.stderr.write(`[terratower install] ${line}\n`));
  const timed = async (fn: (p: ProgressFn) => Promise<void>): Promise<number> => {
    const start = performance.now();
    await fn(onProgress);
    return Math.round(performance.now() - start);
  };
  const jars = (async () => {
    const kafkaMs = await timed(installKafka);
    const cassandraMs = await timed(installCassandra);
    return { kafkaMs, cassandraMs };
  })();
  const moto = timed(installMoto);
  // The delayer is built only where namespace zones exist; without Go the twin still runs, and
  // only a latency fault fails (naming the fix).
  const netdelay = timed(async (p) => {
    if (!latencyFaultPossible()) return;
    const built = await tryEnsureNetdelay(p);
    if ('unavailable' in built) p(`the latency fault will not be available: ${built.unavailable}`);
  });
  // Settle them all before failing, so no install is left running behind an error.
  const [jarsResult, motoResult, netdelayResult] = await Promise.allSettled([jars, moto, netdelay]);
  if (jarsResult.status === 'rejected') throw jarsResult.reason;
  if (motoResult.status === 'rejected') throw motoResult.reason;
  if (netdelayResult.status === 'rejected') throw netdelayResult.reason;
  const { kafkaMs, cassandraMs } = jarsResult.value;
  const motoMs = motoResult.value;
  // Both trainings at once: each is one server start, mostly waiting on itself.
  const cdsMs = await timed(async (p) => {
    await Promise.all([
      ensureCdsArchive('kafka', kafkaLibDir(), kafkaClasspath(), () => kafkaCdsTraining(512), p),
      // Cassandra's archive is made with its java agent loaded (see cds.ts); off with TERRATOWER_CDS_CASSANDRA=off.
      cassandraCdsWanted()
        ? ensureCdsArchive(
            'cassandra',
            cassandraLibDir(),
            cassandraLayout().classpath,
            () => cassandraCdsTraining(384),
            p,
          )
        : Promise.resolve(false),
    ]);
  });
  return { kafkaMs, cassandraMs, motoMs, cdsMs, netdelayMs: netdelayResult.value };
}
