/** Apache Cassandra jars from Maven Central, via packer/scripts/install-cassandra.sh. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../../support/paths.ts';
import { readVersions } from '../../support/versions.ts';
import { requireTool } from './prereqs.ts';
import { runInstallScript, type ProgressFn } from './run-script.ts';

/** Where the Cassandra jars of the pinned version live. */
export function cassandraPrefix(): string {
  return join(cacheDir(), 'cassandra', readVersions().cassandra);
}

/** The installed Cassandra's jar directory. */
export function cassandraLibDir(): string {
  return join(cassandraPrefix(), 'lib');
}

/** The installed Cassandra's lib dir and jamm agent jar; throws with the fix when not installed. */
export function cassandraLayout(): { classpath: string; jammJar: string } {
  const lib = join(cassandraPrefix(), 'lib');
  if (!existsSync(join(cassandraPrefix(), '.terratower-installed')) || !existsSync(lib)) {
    throw new Error(
      `Cassandra is not installed in ${cassandraPrefix()}; run the installer (terratower local up installs it, or installTwinComponents())`,
    );
  }
  const jamm = readdirSync(lib).find((name) => /^jamm-.*\.jar$/.test(name));
  if (!jamm) throw new Error(`${lib} has no jamm jar; delete ${cassandraPrefix()} and install again`);
  return { classpath: join(lib, '*'), jammJar: join(lib, jamm) };
}

/** Install Cassandra unless the cache already has it. */
export async function installCassandra(onProgress: ProgressFn): Promise<void> {
  const prefix = cassandraPrefix();
  if (!existsSync(join(prefix, '.terratower-installed'))) {
    requireTool('java');
    requireTool('mvn');
    onProgress(
      `cassandra: fetching ${readVersions().cassandra} from Maven Central into ${prefix} (first run only, ~30 s)`,
    );
  }
  await runInstallScript('install-cassandra.sh', prefix, onProgress);
}
