/**
 * Installs every real part the local twin runs — Kafka and Cassandra jars from Maven Central,
 * the moto S3 server from PyPI — into the cache dir. Idempotent: a warm cache returns in well
 * under a second with no network.
 */
import { installCassandra } from './cassandra.ts';
import { installKafka } from './kafka.ts';
import { installMoto } from './moto.ts';
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
}

/** Install Kafka, Cassandra and moto (one after another: Maven's local repo and 2 cores are shared). */
export async function installTwinComponents(options: InstallOptions = {}): Promise<InstallReport> {
  const onProgress = options.onProgress ?? ((line: string) => process.stderr.write(`[terratower install] ${line}\n`));
  const timed = async (fn: (p: ProgressFn) => Promise<void>): Promise<number> => {
    const start = performance.now();
    await fn(onProgress);
    return Math.round(performance.now() - start);
  };
  const kafkaMs = await timed(installKafka);
  const cassandraMs = await timed(installCassandra);
  const motoMs = await timed(installMoto);
  return { kafkaMs, cassandraMs, motoMs };
}
