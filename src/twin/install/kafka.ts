/** Apache Kafka jars from Maven Central, via packer/scripts/install-kafka.sh. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../../support/paths.ts';
import { readVersions } from '../../support/versions.ts';
import { requireTool } from './prereqs.ts';
import { runInstallScript, type ProgressFn } from './run-script.ts';

/** Where the Kafka jars of the pinned version live. */
export function kafkaPrefix(): string {
  return join(cacheDir(), 'kafka', readVersions().kafka);
}

/** The installed Kafka's jar directory. */
export function kafkaLibDir(): string {
  return join(kafkaPrefix(), 'lib');
}

/** Classpath (`lib/*`) of the installed Kafka; throws with the fix when it is not installed. */
export function kafkaClasspath(): string {
  const lib = join(kafkaPrefix(), 'lib');
  if (!existsSync(join(kafkaPrefix(), '.terratower-installed')) || !existsSync(lib)) {
    throw new Error(
      `Kafka is not installed in ${kafkaPrefix()}; run the installer (terratower local up installs it, or installTwinComponents())`,
    );
  }
  return join(lib, '*');
}

/** Install Kafka unless the cache already has it. */
export async function installKafka(onProgress: ProgressFn): Promise<void> {
  const prefix = kafkaPrefix();
  if (!existsSync(join(prefix, '.terratower-installed'))) {
    requireTool('java');
    requireTool('mvn');
    onProgress(`kafka: fetching ${readVersions().kafka} from Maven Central into ${prefix} (first run only, ~40 s)`);
  }
  await runInstallScript('install-kafka.sh', prefix, onProgress);
  ensureKafkaBootstrapTemplate(onProgress);
}

/**
 * `bootstrap.checkpoint` of a freshly formatted KRaft log dir (the metadata version and feature
 * levels of this Kafka version). It holds no cluster or node id, so the twin formats a broker by
 * writing its meta.properties and copying this file, instead of starting one StorageTool JVM per
 * broker on every boot. Made once per Kafka version with StorageTool itself.
 */
export function kafkaBootstrapTemplate(): string {
  return join(kafkaPrefix(), 'bootstrap-template', 'bootstrap.checkpoint');
}

function ensureKafkaBootstrapTemplate(onProgress: ProgressFn): void {
  const target = kafkaBootstrapTemplate();
  if (existsSync(target)) return;
  onProgress('kafka: making the KRaft bootstrap template (once per version)');
  const work = mkdtempSync(join(kafkaPrefix(), '.template-'));
  try {
    const props = join(work, 'server.properties');
    writeFileSync(
      props,
      [
        'process.roles=broker,controller',
        'node.id=1',
        'controller.quorum.voters=1@127.0.0.1:9093',
        'listeners=PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093',
        'controller.listener.names=CONTROLLER',
        `log.dirs=${join(work, 'data')}`,
        '',
      ].join('\n'),
    );
    const result = spawnSync(
      'java',
      [
        '-XX:TieredStopAtLevel=1',
        '-XX:-UsePerfData',
        '-Xmx256m',
        '-cp',
        kafkaClasspath(),
        'kafka.tools.StorageTool',
        'format',
        '-t',
        'MkU3OEVBNTcwNTJENDM2Qg',
        '-c',
        props,
      ],
      { encoding: 'utf8' },
    );
    const checkpoint = join(work, 'data', 'bootstrap.checkpoint');
    if (result.status !== 0 || !existsSync(checkpoint)) {
      throw new Error(
        `kafka StorageTool format failed (exit ${result.status}): ${(result.stderr || result.stdout || '').slice(-1500)}`,
      );
    }
    mkdirSync(join(kafkaPrefix(), 'bootstrap-template'), { recursive: true });
    copyFileSync(checkpoint, `${target}.tmp`);
    renameSync(`${target}.tmp`, target);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
