/** Apache Kafka jars from Maven Central, via packer/scripts/install-kafka.sh. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../paths.ts';
import { readVersions } from '../versions.ts';
import { requireTool } from './prereqs.ts';
import { runInstallScript, type ProgressFn } from './run-script.ts';

/** Where the Kafka jars of the pinned version live. */
export function kafkaPrefix(): string {
  return join(cacheDir(), 'kafka', readVersions().kafka);
}

/** Classpath (`lib/*`) of the installed Kafka; throws with the fix when it is not installed. */
export function kafkaClasspath(): string {
  const lib = join(kafkaPrefix(), 'lib');
  if (!existsSync(join(kafkaPrefix(), '.terratower-installed')) || !existsSync(lib)) {
    throw new Error(`Kafka is not installed in ${kafkaPrefix()}; run the installer (terratower local up installs it, or installTwinComponents())`);
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
}
